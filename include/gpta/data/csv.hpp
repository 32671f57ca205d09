// RFC 4180 CSV records on top of line_reader: quoted fields with delimiters, "" escapes and
// line breaks, streamed one record at a time; errors name the file and the record's first line.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gpta/data/line_reader.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

struct csv_options {
  char delimiter = ',';
  char quote = '"';
  line_reader_options lines{};
};

/// Splits a CSV file into records of fields.
///
/// Decisions beyond RFC 4180 (which real files need):
/// - a line break inside a quoted field is stored as "\n", whatever the file used (CRLF or LF);
/// - a quote inside an *unquoted* field is kept as a literal character (as Python's csv does),
///   because hand-made files do this and nothing is ambiguous about it;
/// - after a closing quote only the delimiter or the end of the line may follow: anything else
///   (`"a"b`) is a parse_error, since the writer clearly meant something else;
/// - an empty line is a record with one empty field; the caller decides whether that is an error.
class csv_reader {
 public:
  explicit csv_reader(std::filesystem::path file, csv_options options = {})
      : lines_(std::move(file), checked(options).lines), options_(options) {}

  /// Read the next record into `fields`. Returns false at end of file.
  /// Throws data_error: parse_error (unterminated quote, stray text after a closing quote),
  /// plus whatever line_reader throws (encoding_error, io_error).
  bool next(std::vector<std::string>& fields) {
    fields.clear();
    if (!lines_.next(buf_)) return false;
    record_line_ = lines_.line_number();
    std::size_t i = 0;
    for (;;) {
      if (i < buf_.size() && buf_[i] == options_.quote) {
        i = read_quoted(i + 1, field_);
        fields.push_back(std::move(field_));
        field_.clear();
        if (i == buf_.size()) return true;
        if (buf_[i] != options_.delimiter) {
          lines_.fail(errc::parse_error, "unexpected character '" + std::string(1, buf_[i]) + "' after closing quote at column " +
                                              std::to_string(i + 1) + started_at());
        }
        ++i;
      } else {
        const std::size_t d = buf_.find(options_.delimiter, i);
        if (d == std::string::npos) {
          fields.emplace_back(buf_, i);
          return true;
        }
        fields.emplace_back(buf_, i, d - i);
        i = d + 1;
      }
    }
  }

  /// 1-based physical line on which the last record started (the line errors should name).
  [[nodiscard]] std::size_t record_line() const noexcept { return record_line_; }
  /// 1-based physical line last read (past record_line() when a quoted field spans lines).
  [[nodiscard]] std::size_t line_number() const noexcept { return lines_.line_number(); }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return lines_.path(); }
  [[nodiscard]] std::size_t replacements() const noexcept { return lines_.replacements(); }

  /// Throw data_error for the record last returned, at the line where it started.
  [[noreturn]] void fail(errc code, std::string message) const {
    lines_.fail_at(code, record_line_, std::move(message));
  }

 private:
  // Reads a quoted field whose content starts at buf_[i], pulling further lines while the quote
  // stays open. Returns the index just past the closing quote in the (possibly new) buf_.
  std::size_t read_quoted(std::size_t i, std::string& out) {
    const std::size_t open_column = i;  // column of the opening quote, 1-based
    for (;;) {
      const std::size_t q = buf_.find(options_.quote, i);
      if (q == std::string::npos) {
        out.append(buf_, i);
        out += '\n';
        if (!lines_.next(buf_)) {
          lines_.fail_at(errc::parse_error, record_line_,
                         "unterminated quoted field (opened at column " + std::to_string(open_column) +
                             ") runs to the end of the file");
        }
        i = 0;
        continue;
      }
      out.append(buf_, i, q - i);
      if (q + 1 < buf_.size() && buf_[q + 1] == options_.quote) {
        out += options_.quote;
        i = q + 2;
        continue;
      }
      return q + 1;
    }
  }

  static const csv_options& checked(const csv_options& o) {
    const auto is_break = [](char c) { return c == '\n' || c == '\r'; };
    if (o.delimiter == o.quote || is_break(o.delimiter) || is_break(o.quote)) {
      throw std::invalid_argument("gpta::data::csv_reader: delimiter and quote must differ and must not be line breaks");
    }
    return o;
  }

  [[nodiscard]] std::string started_at() const {
    if (lines_.line_number() == record_line_) return {};
    return " (record starts at line " + std::to_string(record_line_) + ")";
  }

  line_reader lines_;
  csv_options options_;
  std::string buf_;
  std::string field_;
  std::size_t record_line_ = 0;
};

}  // namespace gpta::data
