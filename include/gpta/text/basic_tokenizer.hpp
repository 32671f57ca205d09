// BERT's basic tokenisation (normalise, split on whitespace, punctuation and CJK ideographs) with
// the source byte range of every normalised character, so word pieces can point back into the text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/text/unicode.hpp>

namespace gpta::text {

/// Words of one text, stored flat so that a tokenizer can reuse the buffers across calls.
/// Normalised character k of the text occupies bytes [chars[k].byte, chars[k+1].byte) of `text`
/// and came from source bytes [chars[k].src_begin, chars[k].src_end) (several normalised
/// characters share one source range when a character expands, e.g. a Hangul syllable).
struct basic_words {
  struct char_info {
    std::uint32_t byte;
    std::uint32_t src_begin;
    std::uint32_t src_end;
  };
  struct word {
    std::uint32_t first_char;  ///< index into chars
    std::uint32_t end_char;    ///< one past the last character
  };

  std::string text;              ///< normalised words back to back, no separators
  std::vector<char_info> chars;  ///< one per normalised character, plus a sentinel at the end
  std::vector<word> words;

  void clear() noexcept {
    text.clear();
    chars.clear();
    words.clear();
  }
  [[nodiscard]] std::size_t size() const noexcept { return words.size(); }
  [[nodiscard]] std::string_view word_text(std::size_t w) const noexcept {
    const word& x = words[w];
    return std::string_view(text).substr(chars[x.first_char].byte, chars[x.end_char].byte - chars[x.first_char].byte);
  }
  [[nodiscard]] std::size_t word_chars(std::size_t w) const noexcept { return words[w].end_char - words[w].first_char; }
};

/// Appends the words of `text` to `out`; source offsets are `base` + byte offsets into `text`
/// (the caller tokenises pieces of a larger string, e.g. around special tokens).
inline void append_basic_words(std::string_view text, std::size_t base, basic_words& out) {
  if (text.size() + base > UINT32_MAX) {
    throw std::invalid_argument("gpta::text::append_basic_words: text longer than 4 GiB");
  }
  if (!out.chars.empty() && out.chars.back().src_begin == UINT32_MAX) out.chars.pop_back();  // sentinel
  bool in_word = false;
  auto end_word = [&] {
    if (in_word) out.words.back().end_char = static_cast<std::uint32_t>(out.chars.size());
    in_word = false;
  };
  auto push_char = [&](char32_t c, std::uint32_t b, std::uint32_t e) {
    out.chars.push_back({static_cast<std::uint32_t>(out.text.size()), b, e});
    detail::append_utf8_unchecked(out.text, c);
  };
  char32_t buf[3];
  for (std::size_t i = 0; i < text.size();) {
    const detail::decoded_char d = detail::decode_utf8(text, i);
    const auto b = static_cast<std::uint32_t>(base + i);
    const auto e = static_cast<std::uint32_t>(base + i + d.length);
    i += d.length;
    const std::size_t n = bert_normalize(d.cp, buf);
    if (n == 0) continue;  // dropped characters do not split words ("a\u200db" is one word)
    if (is_cjk_ideograph(d.cp)) {
      // The reference pads the ideograph with spaces, so it is a word of its own.
      end_word();
      out.words.push_back({static_cast<std::uint32_t>(out.chars.size()), 0});
      for (std::size_t k = 0; k < n; ++k) push_char(buf[k], b, e);
      in_word = true;
      end_word();
      continue;
    }
    for (std::size_t k = 0; k < n; ++k) {
      const char32_t c = buf[k];
      if (c == U' ') {
        end_word();
      } else if (is_bert_punctuation(c)) {
        end_word();
        out.words.push_back({static_cast<std::uint32_t>(out.chars.size()), 0});
        push_char(c, b, e);
        in_word = true;
        end_word();
      } else {
        if (!in_word) {
          out.words.push_back({static_cast<std::uint32_t>(out.chars.size()), 0});
          in_word = true;
        }
        push_char(c, b, e);
      }
    }
  }
  end_word();
  out.chars.push_back({static_cast<std::uint32_t>(out.text.size()), UINT32_MAX, UINT32_MAX});  // sentinel
}

/// The words of `text` as strings: what BERT's BasicTokenizer returns (uncased).
[[nodiscard]] inline std::vector<std::string> basic_tokenize(std::string_view text) {
  basic_words w;
  append_basic_words(text, 0, w);
  std::vector<std::string> out;
  out.reserve(w.size());
  for (std::size_t k = 0; k < w.size(); ++k) out.emplace_back(w.word_text(k));
  return out;
}

}  // namespace gpta::text
