// Example type for extractive reading comprehension (SQuAD): a question, the paragraph that
// answers it and the gold answer spans, plus the UTF-8 byte / code-point offset conversions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/data/example.hpp>

namespace gpta {

/// One gold answer. Offsets are kept in both units on purpose: `start` is a byte offset into the
/// UTF-8 context, what C++ strings and the tokenizers' offsets (text/wordpiece.hpp) speak;
/// `char_start` is the same place in Unicode code points, what SQuAD's `answer_start` (Python
/// str indices) means, so a file can be written back unchanged.
struct span_answer {
  std::string text;
  std::size_t start = 0;       ///< byte offset: context.substr(start, text.size()) == text
  std::size_t char_start = 0;  ///< code-point offset, as in the file

  [[nodiscard]] std::size_t end() const noexcept { return start + text.size(); }  ///< one past, bytes

  friend bool operator==(const span_answer&, const span_answer&) = default;
};

/// One question over one paragraph. Each example holds its own copy of the context so a span
/// of examples is self-contained (students, metrics); `paragraph` tells which ones share it.
struct span_example {
  std::string id;                   ///< the question id (unique in a file)
  std::string question;
  std::string context;              ///< the paragraph, unchanged (offsets point into it)
  std::vector<span_answer> answers; ///< gold answers in file order (SQuAD dev has 3 per question, may repeat)
  std::string title;                ///< the article's title
  std::size_t article = 0;          ///< 0-based article index in the file: the unit splits keep together
  std::size_t paragraph = 0;        ///< 0-based paragraph index over the whole file

  friend bool operator==(const span_example&, const span_example&) = default;
};

using span_dataset = dataset<span_example>;

/// What a span student predicts: the answer text and, when it was cut from the context, its
/// byte range there (begin == end for an empty answer). Metrics score `text` only.
struct span_prediction {
  std::string text;
  std::size_t start = 0;  ///< byte offset into the context
  std::size_t end = 0;    ///< one past the last byte
  double score = 0.0;     ///< the student's confidence (logit sum), for ranking; not a metric

  friend bool operator==(const span_prediction&, const span_prediction&) = default;
};

namespace data {

/// Byte offset of code point `char_offset` in the UTF-8 string `s` (s.size() for the end), or
/// nullopt when `s` has fewer code points. Counts lead bytes, so it assumes valid UTF-8 (what
/// the JSON parser hands over).
[[nodiscard]] inline std::optional<std::size_t> byte_offset_of(std::string_view s, std::size_t char_offset) noexcept {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars == char_offset) return i;
    ++chars;
  }
  if (chars == char_offset) return s.size();
  return std::nullopt;
}

/// Code points in s[0, byte_offset): the inverse of byte_offset_of at code-point boundaries.
[[nodiscard]] inline std::size_t char_offset_of(std::string_view s, std::size_t byte_offset) noexcept {
  std::size_t chars = 0;
  const std::size_t n = byte_offset < s.size() ? byte_offset : s.size();
  for (std::size_t i = 0; i < n; ++i) chars += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return chars;
}

/// Code points in `s` (Python's len() of the decoded string).
[[nodiscard]] inline std::size_t char_length(std::string_view s) noexcept { return char_offset_of(s, s.size()); }

}  // namespace data

}  // namespace gpta
