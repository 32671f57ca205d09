// Streaming, UTF-8-checked line reader that knows where it is: the base of every text loader,
// so each loader error can name file:line without loading the file into memory.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include <gpta/data/utf8.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

/// What to do with bytes that are not UTF-8. Default `error`: a corrupt file should stop a run,
/// not quietly change the text a model trains on. `replace` is for known-dirty scrapes.
enum class invalid_utf8_policy { error, replace };

struct line_reader_options {
  invalid_utf8_policy invalid_utf8 = invalid_utf8_policy::error;
  std::size_t buffer_size = std::size_t{1} << 20;  ///< stream buffer in bytes (0: library default)
};

/// Reads a file line by line. A line ends at '\n'; one '\r' right before it is dropped (CRLF);
/// a final line without '\n' still counts; a UTF-8 byte-order mark at the start is dropped.
/// Not copyable or movable: the stream buffer is owned here and the stream points into it.
class line_reader {
 public:
  explicit line_reader(std::filesystem::path file, line_reader_options options = {})
      : path_(std::move(file)), options_(options) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path_, ec);
    if (!fs::exists(st)) fail_at(errc::file_not_found, 0, "no such file");
    if (fs::is_directory(st)) fail_at(errc::io_error, 0, "is a directory, expected a file");
    if (options_.buffer_size > 0) {
      buffer_ = std::make_unique<char[]>(options_.buffer_size);
      // Must precede open(): libstdc++ ignores pubsetbuf on an open filebuf.
      in_.rdbuf()->pubsetbuf(buffer_.get(), static_cast<std::streamsize>(options_.buffer_size));
    }
    errno = 0;
    in_.open(path_, std::ios::in | std::ios::binary);
    if (!in_.is_open()) {
      const int err = errno;
      fail_at(errc::io_error, 0,
              std::string("cannot open for reading") + (err != 0 ? std::string(": ") + std::strerror(err) : ""));
    }
  }

  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;

  /// Read the next line into `line` (without its terminator). Returns false at end of file.
  /// Throws data_error: encoding_error (invalid UTF-8 under the `error` policy), io_error.
  bool next(std::string& line) {
    if (!std::getline(in_, line)) {
      if (in_.bad()) fail_at(errc::io_error, line_ + 1, "read failed");
      return false;
    }
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    const std::size_t bad = utf8_invalid_offset(line);
    if (bad != std::string::npos) {
      if (options_.invalid_utf8 == invalid_utf8_policy::error) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(line[bad])));
        fail(errc::encoding_error, "invalid UTF-8 byte " + std::string(hex) + " at column " +
                                       std::to_string(bad + 1) + " (byte offset in the line, 1-based)");
      }
      replacements_ += utf8_replace_invalid(line);
    }
    return true;
  }

  /// 1-based number of the line last returned by next(); 0 before the first.
  [[nodiscard]] std::size_t line_number() const noexcept { return line_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// Ill-formed sequences replaced by U+FFFD so far (always 0 under the `error` policy).
  [[nodiscard]] std::size_t replacements() const noexcept { return replacements_; }
  [[nodiscard]] const line_reader_options& options() const noexcept { return options_; }

  /// Throw data_error for the line last returned.
  [[noreturn]] void fail(errc code, std::string message) const { fail_at(code, line_, std::move(message)); }
  /// Throw data_error for a given line of this file (0: the file as a whole).
  [[noreturn]] void fail_at(errc code, std::size_t line, std::string message) const {
    throw data_error(code, path_, line, std::move(message));
  }

 private:
  std::filesystem::path path_;
  line_reader_options options_;
  std::unique_ptr<char[]> buffer_;  // declared before in_: must outlive the stream using it
  std::ifstream in_;
  std::size_t line_ = 0;
  std::size_t replacements_ = 0;
};

}  // namespace gpta::data
