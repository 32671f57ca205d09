// Reading JSON dataset files (SQuAD, RACE) with Boost.JSON: whole-file parse with errors at
// file:line, and typed field access whose errors name the JSON path of the bad field.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json.hpp>

#include <gpta/data/fields.hpp>
#include <gpta/data/utf8.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

namespace detail {

/// The whole file as bytes. data_error file_not_found (or io_error for an unreadable file).
[[nodiscard]] inline std::string read_file_bytes(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw data_error(errc::file_not_found, file, 0, "no such file");
  if (std::filesystem::is_directory(file, ec)) throw data_error(errc::io_error, file, 0, "is a directory, expected a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw data_error(errc::io_error, file, 0, std::string("cannot open: ") + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw data_error(errc::io_error, file, 0, "read failed");
  return bytes;
}

/// 1-based line and column of byte `offset` in `text`.
[[nodiscard]] inline std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

/// Parse `text` (the contents of `file`) as one JSON document. Syntax errors are parse_error at
/// the line of the offending byte; bytes that are not UTF-8 are encoding_error (Boost.JSON calls
/// them syntax errors, which would send the user looking for a missing comma).
[[nodiscard]] inline boost::json::value parse_json_text(std::string_view text, const std::filesystem::path& file) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(text.data(), text.size(), ec);
  std::size_t rest = used;  // whitespace after the document is fine, anything else is not
  while (!ec && rest < text.size() && (text[rest] == ' ' || text[rest] == '\t' || text[rest] == '\n' || text[rest] == '\r'))
    ++rest;
  if (!ec && rest < text.size()) ec = boost::json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (!ec) return parser.release();
  const std::size_t at = ec == boost::json::error::extra_data ? rest : used;
  if (const std::size_t bad = utf8_invalid_offset(text); bad != std::string_view::npos && bad <= at) {
    const auto [line, column] = line_column(text, bad);
    throw data_error(errc::encoding_error, file, line,
                     "invalid UTF-8 at column " + std::to_string(column) + " (byte " + std::to_string(bad) + ")");
  }
  const auto [line, column] = line_column(text, at);
  throw data_error(errc::parse_error, file, line,
                   "invalid JSON at column " + std::to_string(column) + ": " + ec.message());
}

/// quoted_excerpt with control characters written as \n, \t, \x01..., so an error stays one line.
[[nodiscard]] inline std::string json_excerpt(std::string_view text, std::size_t max_bytes = 60) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      clean += "\\n";
    } else if (c == '\t') {
      clean += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      const char hex[] = "0123456789abcdef";
      clean += "\\x";
      clean += hex[u >> 4];
      clean += hex[u & 15];
    } else {
      clean += c;
    }
  }
  return quoted_excerpt(clean, max_bytes);
}

[[nodiscard]] inline std::string_view json_kind(const boost::json::value& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "an integer";
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "a value";
}

/// Typed access into a parsed document. Every accessor takes the JSON path of the value it
/// looks at ("data[3].paragraphs[0]") and throws data_error naming the file and that path.
class json_fields {
 public:
  explicit json_fields(std::filesystem::path file, errc code = errc::bad_record) : file_(std::move(file)), code_(code) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw data_error(code_, file_, 0, (path.empty() ? std::string("top level") : path) + ": " + message);
  }
  [[noreturn]] void fail(errc code, const std::string& path, const std::string& message) const {
    throw data_error(code, file_, 0, (path.empty() ? std::string("top level") : path) + ": " + message);
  }

  const boost::json::object& object(const boost::json::value& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "expected an object, got " + std::string(json_kind(v)));
    return v.get_object();
  }
  const boost::json::array& array(const boost::json::value& v, const std::string& path) const {
    if (!v.is_array()) fail(path, "expected an array, got " + std::string(json_kind(v)));
    return v.get_array();
  }
  std::string_view string(const boost::json::value& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "expected a string, got " + std::string(json_kind(v)));
    return v.get_string();
  }
  /// A non-negative integer (JSON 3, not 3.0 or "3").
  std::size_t index(const boost::json::value& v, const std::string& path) const {
    if (v.is_uint64()) return static_cast<std::size_t>(v.get_uint64());
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::size_t>(v.get_int64());
    if (v.is_int64()) fail(path, "expected a non-negative integer, got " + std::to_string(v.get_int64()));
    fail(path, "expected a non-negative integer, got " + std::string(json_kind(v)));
  }
  /// o[key]; missing keys are errors naming `path.key`.
  const boost::json::value& at(const boost::json::object& o, std::string_view key, const std::string& path) const {
    const auto* v = o.if_contains(key);
    if (!v) fail(child(path, key), "missing");
    return *v;
  }

  [[nodiscard]] static std::string child(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  [[nodiscard]] static std::string element(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }

 private:
  std::filesystem::path file_;
  errc code_;
};

}  // namespace detail

}  // namespace gpta::data
