// Whitespace + punctuation tokenizer for students trained from scratch (bag-of-words and friends).
// ASCII is lowercased; bytes >= 0x80 pass through untouched, so UTF-8 sequences are never split.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpta::text {

/// Splits on ASCII whitespace (and other ASCII control bytes); every ASCII punctuation character
/// (`!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`) becomes a token of its own. Non-ASCII bytes are word bytes:
/// every byte of a multi-byte UTF-8 sequence is >= 0x80, so cutting only at ASCII bytes can never
/// land inside one - and non-ASCII punctuation (curly quotes, dashes) stays glued to its word.
class simple_tokenizer {
 public:
  [[nodiscard]] std::vector<std::string> tokenize(std::string_view text) const {
    std::vector<std::string> out;
    tokenize_into(text, out);
    return out;
  }

  /// Appends to `out` (lets hot loops reuse one vector's capacity).
  void tokenize_into(std::string_view text, std::vector<std::string>& out) const {
    std::string word;
    auto flush = [&] {
      if (!word.empty()) {
        out.push_back(std::move(word));
        word.clear();
      }
    };
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (c >= 0x80) {
        word.push_back(ch);
      } else if (is_separator(c)) {
        flush();
      } else if (is_punctuation(c)) {
        flush();
        out.emplace_back(1, ch);
      } else {
        word.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
      }
    }
    flush();
  }

  /// ASCII punctuation as the "C" locale defines it; independent of the global locale on purpose,
  /// so a model trained in one locale tokenizes identically in another.
  [[nodiscard]] static constexpr bool is_punctuation(unsigned char c) noexcept {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
  }

  /// Whitespace and every other ASCII control byte (NUL, DEL, ...): none of them can be part of a word.
  [[nodiscard]] static constexpr bool is_separator(unsigned char c) noexcept { return c <= 0x20 || c == 0x7F; }
};

}  // namespace gpta::text
