// Schema-constrained TA answers: the `response_format` asking for {"prefixes": [string, ...]} and
// the parser of such answers, which tells a server that ignored the schema from a malformed list.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include <gpta/core/chat.hpp>

namespace gpta {

/// The JSON schema of an answer holding exactly `n` prefixes of at most `max_chars` characters.
/// llama-server compiles it into a grammar (constrained decoding); OpenAI's API honours it too.
[[nodiscard]] inline response_format prefixes_schema(std::size_t n, std::size_t max_chars) {
  boost::json::object item{{"type", "string"}, {"minLength", 1}};
  if (max_chars != 0) item["maxLength"] = max_chars;
  boost::json::object list{{"type", "array"}, {"items", std::move(item)}, {"minItems", n}, {"maxItems", n}};
  boost::json::object schema{{"type", "object"},
                             {"properties", boost::json::object{{"prefixes", std::move(list)}}},
                             {"required", boost::json::array{"prefixes"}},
                             {"additionalProperties", false}};
  response_format f;
  f.type = "json_schema";
  f.schema_name = "prefixes";
  f.schema_json = boost::json::serialize(schema);
  f.strict = true;
  return f;
}

/// What an answer held when read as the structured form.
struct structured_answer {
  /// False: the text is not a JSON object with a "prefixes" member (the server ignored the
  /// schema, or sent prose), so the caller falls back to the tag parser.
  bool structured = false;
  std::vector<std::string> items;  ///< the list's strings, in order, unchecked
  std::vector<std::string> problems;
};

/// Reads `{"prefixes": [...]}`, also inside a ```json fence (models add one when no grammar binds
/// them). Non-string items are problems; an empty list is a problem, not a fallback.
[[nodiscard]] inline structured_answer parse_structured_answer(std::string_view text) {
  structured_answer out;
  std::string_view t = text;
  const auto trim = [](std::string_view& s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
      s.remove_suffix(1);
  };
  trim(t);
  if (t.starts_with("```")) {
    const std::size_t nl = t.find('\n');
    const std::size_t close = t.rfind("```");
    if (nl != std::string_view::npos && close > nl) {
      t = t.substr(nl + 1, close - nl - 1);
      trim(t);
    }
  }
  if (t.empty() || t.front() != '{') return out;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(t, ec);
  if (ec || !v.is_object()) return out;
  const auto& o = v.as_object();
  const auto it = o.find("prefixes");
  if (it == o.end()) return out;
  out.structured = true;
  if (!it->value().is_array()) {
    out.problems.push_back("\"prefixes\" is not a list");
    return out;
  }
  const auto& a = it->value().as_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string()) {
      out.problems.push_back("item " + std::to_string(i + 1) + " of \"prefixes\" is not a string");
      continue;
    }
    out.items.emplace_back(a[i].as_string().c_str(), a[i].as_string().size());
  }
  if (a.empty()) out.problems.push_back("the \"prefixes\" list is empty");
  return out;
}

}  // namespace gpta
