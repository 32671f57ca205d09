// Loader for Yelp Review Polarity in the `<label> <text>` line format (TextFooler's copy), which
// undoes the CSV quoting and backslash escapes the texts inherited from the original yelp CSV.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <gpta/data/example.hpp>
#include <gpta/data/fields.hpp>
#include <gpta/data/line_reader.hpp>
#include <gpta/data/utf8.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

namespace detail {

[[nodiscard]] inline int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Four hex digits at s[i..i+4) as a code unit, or -1.
[[nodiscard]] inline long hex4(std::string_view s, std::size_t i) noexcept {
  if (i + 4 > s.size()) return -1;
  long v = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const int h = hex_digit(s[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/// Decode one Yelp text (everything after "<label> "). `column0` is the text's 0-based offset in
/// the line, so errors can point at the column. Steps, in order:
/// 1. A text wrapped in double quotes is unquoted and its `""` pairs become `"`; a lone quote
///    inside is a parse_error (the line was cut or edited).
/// 2. Backslash escapes of the original CSV: `\n` -> one space (decision: the texts are
///    tokenised one-line records, paragraph breaks carry no label signal, and a real newline
///    would break one-line exemplar and record formats downstream); `\"` -> `"`; `\\` -> `\`;
///    `\uXXXX` -> the character (surrogate pairs joined; a broken one is a parse_error);
///    `\ ` -> ` ` (the tokeniser split `\"` into `\ "`); any other backslash is kept as is.
/// 3. Runs of ASCII whitespace collapse to one space and the ends are trimmed, so `\n\n`
///    leaves no double spaces in what was single-space tokenised text.
[[nodiscard]] inline std::string decode_yelp_text(std::string_view raw, std::size_t column0, const line_reader& in) {
  std::string unquoted;
  std::string_view body = raw;
  const bool quoted = !raw.empty() && raw.front() == '"';
  if (quoted) {
    if (raw.size() < 2 || raw.back() != '"') {
      in.fail(errc::parse_error, "quoted text opened at column " + std::to_string(column0 + 1) + " is not closed");
    }
    const std::string_view inner = raw.substr(1, raw.size() - 2);
    unquoted.reserve(inner.size());
    for (std::size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '"') {
        if (i + 1 >= inner.size() || inner[i + 1] != '"') {
          in.fail(errc::parse_error, "lone '\"' at column " + std::to_string(column0 + i + 2) +
                                         " inside a quoted text (quotes there must be doubled)");
        }
        ++i;
      }
      unquoted += inner[i];
    }
    body = unquoted;
  }

  std::string out;
  out.reserve(body.size());
  // Approximate once `""` pairs have collapsed: good enough to find the escape by eye.
  const auto column_of = [&](std::size_t i) { return std::to_string(column0 + 1 + i + (quoted ? 1 : 0)); };
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      continue;
    }
    const char e = body[i + 1];
    if (e == 'n') {
      out += ' ';
      ++i;
    } else if (e == '"' || e == '\\') {
      out += e;
      ++i;
    } else if (e == ' ') {
      ++i;
      out += ' ';
    } else if (e == 'u') {
      const long hi = hex4(body, i + 2);
      if (hi < 0) in.fail(errc::parse_error, "malformed \\u escape near column " + column_of(i));
      long cp = hi;
      std::size_t used = 6;
      if (hi >= 0xD800 && hi <= 0xDBFF) {
        const long lo = (i + 7 < body.size() && body[i + 6] == '\\' && body[i + 7] == 'u') ? hex4(body, i + 8) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) in.fail(errc::parse_error, "unpaired surrogate \\u escape near column " + column_of(i));
        cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        used = 12;
      } else if (hi >= 0xDC00 && hi <= 0xDFFF) {
        in.fail(errc::parse_error, "unpaired surrogate \\u escape near column " + column_of(i));
      }
      append_utf8(out, static_cast<char32_t>(cp));
      i += used - 1;
    } else {
      out += c;
    }
  }

  std::string collapsed;
  collapsed.reserve(out.size());
  for (char c : out) {
    if (is_ascii_space(c)) {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += c;
    }
  }
  if (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  return collapsed;
}

}  // namespace detail

/// Load Yelp Review Polarity lines `<label> <text>`, label 0 = negative (1-2 stars),
/// 1 = positive (4-5 stars). Text decoding: see detail::decode_yelp_text above (the notable
/// decision: literal `\n` becomes a space).
///
/// Throws data_error: file_not_found; bad_record (no space after the label, empty text);
/// bad_label (not 0/1); parse_error (broken quoting or \u escape); empty_dataset;
/// encoding_error; io_error.
[[nodiscard]] inline text_dataset load_yelp(const std::filesystem::path& file, const line_reader_options& options = {}) {
  line_reader in(file, options);
  text_dataset d;
  d.name = "yelp";
  d.source = file.string();
  d.label_names = {"negative", "positive"};

  std::string line;
  while (in.next(line)) {
    const std::string_view row = line;
    const std::size_t space = row.find(' ');
    if (space == std::string_view::npos) {
      in.fail(errc::bad_record, "expected '<label> <text>', got " + detail::quoted_excerpt(row));
    }
    const auto label = detail::parse_label_token(row.substr(0, space));
    if (!label || *label > 1) {
      in.fail(errc::bad_label, "label must be 0 or 1, got " + detail::quoted_excerpt(row.substr(0, space)));
    }
    std::string_view raw = row.substr(space + 1);
    std::size_t column0 = space + 1;
    while (!raw.empty() && detail::is_ascii_space(raw.front())) {
      raw.remove_prefix(1);
      ++column0;
    }
    while (!raw.empty() && detail::is_ascii_space(raw.back())) raw.remove_suffix(1);
    std::string text = detail::decode_yelp_text(raw, column0, in);
    if (text.empty()) in.fail(errc::bad_record, "empty text");
    d.examples.push_back(text_example{std::move(text), *label});
  }
  detail::note_replacements(d, in.replacements(), file);
  detail::require_examples(d, file);
  return d;
}

}  // namespace gpta::data
