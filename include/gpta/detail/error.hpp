// Error codes and the data_error exception for failures in files gpta reads: datasets, checkpoints,
// run records. Ids are stable and greppable ("gpta.parse_error"); messages name the file and line.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace gpta {

/// Data failure ids. The numeric values are part of the interface (logs, exit codes): append new
/// ids at the end, never renumber. 0 stays "no error" as std::error_code expects.
enum class errc : int {
  file_not_found = 1,       ///< a file or folder that must exist does not
  io_error = 2,             ///< the OS failed to read or write an existing file
  parse_error = 3,          ///< syntax: unterminated quote, malformed number, truncated JSON...
  bad_header = 4,           ///< a header line or metadata block is not what the format requires
  bad_record = 5,           ///< a well-formed row of the wrong shape (column count, empty field)
  bad_label = 6,            ///< a label outside the format's label set
  encoding_error = 7,       ///< bytes that are not valid UTF-8
  empty_dataset = 8,        ///< a file that holds no examples at all
  length_mismatch = 9,      ///< files that must be line-aligned have different lengths
  unsupported_version = 10  ///< a checkpoint or record written by an incompatible format version
};

}  // namespace gpta

// Declared before any use so `std::error_code ec = gpta::errc::parse_error;` works everywhere.
template <>
struct std::is_error_code_enum<gpta::errc> : std::true_type {};

namespace gpta {

namespace detail {

/// The enumerator's name, used in ids ("gpta." + name); "unknown" for values not listed.
[[nodiscard]] constexpr std::string_view errc_name(errc e) noexcept {
  switch (e) {
    case errc::file_not_found: return "file_not_found";
    case errc::io_error: return "io_error";
    case errc::parse_error: return "parse_error";
    case errc::bad_header: return "bad_header";
    case errc::bad_record: return "bad_record";
    case errc::bad_label: return "bad_label";
    case errc::encoding_error: return "encoding_error";
    case errc::empty_dataset: return "empty_dataset";
    case errc::length_mismatch: return "length_mismatch";
    case errc::unsupported_version: return "unsupported_version";
  }
  return "unknown";
}

class data_category_impl final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "gpta.data"; }

  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::file_not_found: return "file not found";
      case errc::io_error: return "I/O error";
      case errc::parse_error: return "parse error";
      case errc::bad_header: return "unexpected header";
      case errc::bad_record: return "malformed record";
      case errc::bad_label: return "invalid label";
      case errc::encoding_error: return "invalid UTF-8";
      case errc::empty_dataset: return "no examples";
      case errc::length_mismatch: return "line-aligned files differ in length";
      case errc::unsupported_version: return "unsupported format version";
    }
    return "unknown gpta data error " + std::to_string(value);
  }

  // Lets callers test `ec == std::errc::no_such_file_or_directory` without knowing gpta's ids.
  [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value)) {
      case errc::file_not_found: return std::make_error_condition(std::errc::no_such_file_or_directory);
      case errc::io_error: return std::make_error_condition(std::errc::io_error);
      default: return {value, *this};
    }
  }
};

}  // namespace detail

/// The category of every gpta::errc. A function-local static: one instance, no mutable state.
[[nodiscard]] inline const std::error_category& data_category() noexcept {
  static const detail::data_category_impl instance;
  return instance;
}

[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), data_category()};
}

/// "gpta.parse_error" for gpta ids, "<category>:<value>" for anything else.
[[nodiscard]] inline std::string error_id(const std::error_code& ec) {
  if (ec.category() == data_category()) {
    return "gpta." + std::string(detail::errc_name(static_cast<errc>(ec.value())));
  }
  return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

/// A failure tied to a place in a file. what() reads "<file>:<line>: <message> [gpta.<id>]";
/// the ":<line>" part is left out when line() is 0 (whole-file problems), the "<file>: " part
/// when there is no file. Copying never throws (the payload is shared), as exceptions require.
class data_error : public std::system_error {
 public:
  data_error(std::error_code ec, std::filesystem::path file, std::size_t line, std::string message)
      : std::system_error(ec, message),
        payload_(std::make_shared<const payload>(std::move(file), line, std::move(message), ec)) {}

  data_error(errc e, std::filesystem::path file, std::size_t line, std::string message)
      : data_error(make_error_code(e), std::move(file), line, std::move(message)) {}

  [[nodiscard]] const char* what() const noexcept override { return payload_->what.c_str(); }
  /// The file the failure is about (may be empty).
  [[nodiscard]] const std::filesystem::path& file() const noexcept { return payload_->file; }
  /// 1-based line of the failure, 0 when no single line is to blame.
  [[nodiscard]] std::size_t line() const noexcept { return payload_->line; }
  /// The message without file, line and id.
  [[nodiscard]] const std::string& message() const noexcept { return payload_->message; }

 private:
  struct payload {
    payload(std::filesystem::path f, std::size_t l, std::string m, const std::error_code& ec)
        : file(std::move(f)), line(l), message(std::move(m)) {
      // Appends only: `":" + std::to_string(n)` trips GCC 12's false -Wrestrict (PR 105329).
      if (!file.empty()) {
        what = file.string();
        if (line != 0) {
          what += ':';
          what += std::to_string(line);
        }
        what += ": ";
      }
      what += message;
      what += " [";
      what += error_id(ec);
      what += ']';
    }
    std::filesystem::path file;
    std::size_t line;
    std::string message;
    std::string what;
  };
  std::shared_ptr<const payload> payload_;
};

}  // namespace gpta
