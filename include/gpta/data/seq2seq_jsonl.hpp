// JSON Lines reader for text-to-text datasets: one object per line with an id, a source and a reference
// field named by the caller. CNN/DailyMail and XSum loaders are thin wrappers over it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <boost/json.hpp>

#include <gpta/data/fields.hpp>
#include <gpta/data/line_reader.hpp>
#include <gpta/data/seq2seq_example.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

struct seq2seq_jsonl_fields {
  std::string id = "id";
  std::string source = "document";
  std::string reference = "summary";
};

namespace detail {

/// Parse one JSONL line into an object; parse_error (with Boost.JSON's reason) or bad_record for
/// a value that is not an object. Errors are thrown through `in`, so they carry file and line.
[[nodiscard]] inline boost::json::object parse_jsonl_object(line_reader& in, std::string_view line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec) in.fail(errc::parse_error, "invalid JSON (" + ec.message() + ")");
  if (!v.is_object()) in.fail(errc::bad_record, "expected a JSON object, got " + quoted_excerpt(line));
  return std::move(v.as_object());
}

/// The string field `name` of `row`; bad_record naming the field when it is missing or not a
/// string. A numeric field is accepted when `allow_number` (ids are numbers in some dumps).
[[nodiscard]] inline std::string jsonl_string_field(line_reader& in, const boost::json::object& row, std::string_view name,
                                                    bool allow_number = false) {
  const boost::json::value* v = row.if_contains(name);
  if (v == nullptr) in.fail(errc::bad_record, "missing field \"" + std::string(name) + "\"");
  if (v->is_string()) return std::string(v->as_string());
  if (allow_number && v->is_int64()) return std::to_string(v->as_int64());
  if (allow_number && v->is_uint64()) return std::to_string(v->as_uint64());
  in.fail(errc::bad_record, "field \"" + std::string(name) + "\" must be a string, got " +
                                quoted_excerpt(boost::json::serialize(*v)));
}

}  // namespace detail

/// Load `file`: every line one object holding the three named fields (other fields are ignored).
/// The source and the reference must not be empty or whitespace only; ids must be unique.
///
/// Throws data_error, always naming the file and (for row problems) the line: file_not_found;
/// io_error; encoding_error; parse_error (not JSON, or a blank line); bad_record (not an object,
/// a missing, non-string or empty field, a repeated id, naming the first line that used it);
/// empty_dataset.
[[nodiscard]] inline seq2seq_dataset load_seq2seq_jsonl(const std::filesystem::path& file,
                                                        const seq2seq_jsonl_fields& fields = {},
                                                        std::string name = "seq2seq",
                                                        const line_reader_options& options = {}) {
  line_reader in(file, options);
  seq2seq_dataset d;
  d.name = std::move(name);
  d.source = file.string();
  std::unordered_map<std::string, std::size_t> first_line;
  std::string line;
  while (in.next(line)) {
    if (detail::trim_ascii(line).empty()) in.fail(errc::parse_error, "blank line (JSON Lines needs one object per line)");
    const boost::json::object row = detail::parse_jsonl_object(in, line);
    seq2seq_example e;
    e.id = detail::jsonl_string_field(in, row, fields.id, /*allow_number=*/true);
    e.source = detail::jsonl_string_field(in, row, fields.source);
    std::string ref = detail::jsonl_string_field(in, row, fields.reference);
    if (e.id.empty()) in.fail(errc::bad_record, "empty \"" + fields.id + "\"");
    if (detail::trim_ascii(e.source).empty()) in.fail(errc::bad_record, "empty \"" + fields.source + "\"");
    if (detail::trim_ascii(ref).empty()) in.fail(errc::bad_record, "empty \"" + fields.reference + "\"");
    const auto [it, fresh] = first_line.try_emplace(e.id, in.line_number());
    if (!fresh) {
      in.fail(errc::bad_record, "repeated id " + detail::quoted_excerpt(e.id) + " (first on line " + std::to_string(it->second) + ")");
    }
    e.references.push_back(std::move(ref));
    d.examples.push_back(std::move(e));
  }
  if (d.examples.empty()) throw data_error(errc::empty_dataset, file, 0, "no examples");
  if (in.replacements() > 0) {
    d.notes.push_back(std::to_string(in.replacements()) + " invalid UTF-8 sequence(s) in " + file.string() +
                      " replaced by U+FFFD");
  }
  return d;
}

}  // namespace gpta::data
