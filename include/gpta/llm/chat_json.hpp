// Boost.JSON mapping of chat requests, responses and OpenAI-style error bodies.
// Lenient where servers differ (unknown fields ignored), strict where gpta needs a value.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include <gpta/core/chat.hpp>
#include <gpta/llm/error.hpp>

namespace gpta {

/// The request body for POST {base}/chat/completions. Keys are always emitted in the same
/// order and absent options are omitted, so serialising the object is a canonical form.
[[nodiscard]] inline boost::json::object to_json(const chat_request& r) {
  namespace json = boost::json;
  json::object o;
  o["model"] = r.model;
  json::array msgs;
  msgs.reserve(r.messages.size());
  for (const auto& m : r.messages) {
    json::object jm;
    jm["role"] = m.role;
    jm["content"] = m.content;
    msgs.emplace_back(std::move(jm));
  }
  o["messages"] = std::move(msgs);
  if (r.temperature) o["temperature"] = *r.temperature;
  if (r.top_p) o["top_p"] = *r.top_p;
  if (r.max_tokens) o["max_tokens"] = *r.max_tokens;
  // n == 1 is the server default; leaving it out keeps old llama.cpp builds (which reject the
  // key for any value in some versions) happy and the canonical form short.
  if (r.n != 1) o["n"] = r.n;
  if (r.seed) o["seed"] = *r.seed;
  if (!r.stop.empty()) {
    json::array s;
    for (const auto& x : r.stop) s.emplace_back(x);
    o["stop"] = std::move(s);
  }
  if (r.format) {
    json::object f;
    f["type"] = r.format->type;
    if (r.format->type == "json_schema") {
      json::object js;
      js["name"] = r.format->schema_name;
      boost::system::error_code ec;
      json::value schema = json::parse(r.format->schema_json, ec);
      if (ec)
        throw std::invalid_argument("gpta::to_json(chat_request): response_format.schema_json is not JSON: " +
                                    ec.message());
      js["schema"] = std::move(schema);
      js["strict"] = r.format->strict;
      f["json_schema"] = std::move(js);
    }
    o["response_format"] = std::move(f);
  }
  return o;
}

/// Canonical text of a request: what caches hash and audit logs compare.
[[nodiscard]] inline std::string canonical_json(const chat_request& r) { return boost::json::serialize(to_json(r)); }

/// The inverse of response_from_json, used by caches and logs (round-trips exactly).
[[nodiscard]] inline boost::json::object to_json(const chat_response& r) {
  namespace json = boost::json;
  json::object o;
  o["id"] = r.id;
  o["model"] = r.model;
  json::array choices;
  for (std::size_t i = 0; i < r.choices.size(); ++i) {
    json::object c;
    c["index"] = i;
    c["message"] = json::object{{"role", "assistant"}, {"content", r.choices[i].content}};
    c["finish_reason"] = r.choices[i].finish_reason;
    choices.emplace_back(std::move(c));
  }
  o["choices"] = std::move(choices);
  o["usage"] = json::object{{"prompt_tokens", r.usage.prompt_tokens},
                            {"completion_tokens", r.usage.completion_tokens},
                            {"total_tokens", r.usage.total_tokens}};
  return o;
}

namespace detail {

[[noreturn]] inline void malformed(const std::string& field, const std::string& what) {
  throw llm_error(llm_errc::malformed_response, "response field '" + field + "': " + what);
}

inline const char* json_kind_name(const boost::json::value& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "bool";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
  }
  return "?";
}

/// Optional string field: absent or null gives `fallback`; any other non-string is malformed.
inline std::string opt_string(const boost::json::object& o, std::string_view key, const std::string& path,
                              std::string fallback = {}) {
  const boost::json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_string()) malformed(path, std::string("expected a string, got ") + json_kind_name(*v));
  return std::string(v->get_string());
}

/// Optional non-negative integer field (servers sometimes write 12.0: accepted when integral).
inline std::int64_t opt_count(const boost::json::object& o, std::string_view key, const std::string& path) {
  const boost::json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return 0;
  if (v->is_int64() && v->get_int64() >= 0) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double() && v->get_double() >= 0 && v->get_double() < 9.0e18 &&
      static_cast<double>(static_cast<std::int64_t>(v->get_double())) == v->get_double())
    return static_cast<std::int64_t>(v->get_double());
  malformed(path, std::string("expected a non-negative integer, got ") + json_kind_name(*v));
}

}  // namespace detail

/// Map a parsed chat-completion body. Unknown fields are ignored; `choices` and each choice's
/// `message.content` are required (malformed_response naming the field); no choices or a null
/// content is empty_response. Choices are ordered by their `index` when the server gives one.
[[nodiscard]] inline chat_response response_from_json(const boost::json::value& v) {
  using detail::malformed;
  if (!v.is_object()) malformed("$", std::string("expected an object, got ") + detail::json_kind_name(v));
  const auto& o = v.get_object();
  chat_response r;
  r.id = detail::opt_string(o, "id", "id");
  r.model = detail::opt_string(o, "model", "model");
  const boost::json::value* ch = o.if_contains("choices");
  if (!ch) malformed("choices", "missing");
  if (!ch->is_array()) malformed("choices", std::string("expected an array, got ") + detail::json_kind_name(*ch));
  const auto& arr = ch->get_array();
  if (arr.empty()) throw llm_error(llm_errc::empty_response, "the response has no choices");
  std::vector<std::pair<std::int64_t, chat_choice>> indexed;
  indexed.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string at = "choices[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) malformed(at, std::string("expected an object, got ") + detail::json_kind_name(arr[i]));
    const auto& c = arr[i].get_object();
    const boost::json::value* msg = c.if_contains("message");
    if (!msg) malformed(at + ".message", "missing");
    if (!msg->is_object())
      malformed(at + ".message", std::string("expected an object, got ") + detail::json_kind_name(*msg));
    const boost::json::value* content = msg->get_object().if_contains("content");
    if (!content) malformed(at + ".message.content", "missing");
    if (content->is_null())
      throw llm_error(llm_errc::empty_response, at + ".message.content is null (finish_reason '" +
                                                    detail::opt_string(c, "finish_reason", at + ".finish_reason") +
                                                    "')");
    if (!content->is_string())
      malformed(at + ".message.content",
                std::string("expected a string or null, got ") + detail::json_kind_name(*content));
    chat_choice choice;
    choice.content = std::string(content->get_string());
    choice.finish_reason = detail::opt_string(c, "finish_reason", at + ".finish_reason");
    std::int64_t index = static_cast<std::int64_t>(i);
    if (c.contains("index")) index = detail::opt_count(c, "index", at + ".index");
    indexed.emplace_back(index, std::move(choice));
  }
  std::stable_sort(indexed.begin(), indexed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [_, c] : indexed) r.choices.push_back(std::move(c));
  if (const boost::json::value* u = o.if_contains("usage"); u && !u->is_null()) {
    if (!u->is_object()) malformed("usage", std::string("expected an object, got ") + detail::json_kind_name(*u));
    const auto& uo = u->get_object();
    r.usage.prompt_tokens = detail::opt_count(uo, "prompt_tokens", "usage.prompt_tokens");
    r.usage.completion_tokens = detail::opt_count(uo, "completion_tokens", "usage.completion_tokens");
    r.usage.total_tokens = detail::opt_count(uo, "total_tokens", "usage.total_tokens");
    if (!uo.contains("total_tokens")) r.usage.total_tokens = r.usage.prompt_tokens + r.usage.completion_tokens;
  }
  return r;
}

/// Parse and map a response body; text that is not JSON is malformed_response.
[[nodiscard]] inline chat_response parse_chat_response(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) throw llm_error(llm_errc::malformed_response, "response body is not JSON: " + ec.message());
  return response_from_json(v);
}

/// What an error body said, in any of the shapes servers use: OpenAI's
/// `{"error":{"message","type","param","code"}}`, `{"error":"text"}`, `{"message":...}`,
/// `{"detail":...}`. Fields the body lacks stay empty; a non-JSON body yields all-empty.
struct server_error_body {
  std::string message;
  std::string type;
  std::string code;  ///< string or number in the body, always text here
  std::string param;
};

[[nodiscard]] inline server_error_body parse_error_body(std::string_view body) {
  server_error_body out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return out;
  auto text = [](const boost::json::value* x) -> std::string {
    if (!x || x->is_null()) return {};
    if (x->is_string()) return std::string(x->get_string());
    return boost::json::serialize(*x);
  };
  const auto& o = v.get_object();
  const boost::json::value* err = o.if_contains("error");
  if (err && err->is_object()) {
    const auto& e = err->get_object();
    out.message = text(e.if_contains("message"));
    out.type = text(e.if_contains("type"));
    out.code = text(e.if_contains("code"));
    out.param = text(e.if_contains("param"));
  } else if (err && err->is_string()) {
    out.message = std::string(err->get_string());
  } else {
    out.message = text(o.if_contains("message"));
    if (out.message.empty()) out.message = text(o.if_contains("detail"));
  }
  return out;
}

}  // namespace gpta
