// Unicode character classes and per-character normalisation of BERT's uncased tokenizer.
// Table-driven (text/detail/unicode_tables.hpp, generated); one code point at a time, no locale.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

#include <gpta/data/utf8.hpp>
#include <gpta/text/detail/unicode_tables.hpp>

namespace gpta::text {

/// BERT's "Chinese character" blocks (CJK ideographs, not kana or hangul): each becomes a word.
[[nodiscard]] constexpr bool is_cjk_ideograph(char32_t c) noexcept {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/// What BERT's pre-tokenizer splits off as a token of its own: ASCII symbols ($, +, ^ ... are
/// not Unicode punctuation but BERT counts them) plus general categories P*.
[[nodiscard]] constexpr bool is_bert_punctuation(char32_t c) noexcept {
  if (c < 0x80) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  const auto& t = detail::tables::punctuation_ranges;
  const auto* it = std::upper_bound(std::begin(t), std::end(t), c,
                                    [](char32_t v, const detail::code_point_range& r) { return v < r.first; });
  return it != std::begin(t) && c <= std::prev(it)->last;
}

/// The normal form of one code point under BERT's uncased normaliser: clean text (controls,
/// format characters, U+0000 and U+FFFD vanish; whitespace becomes ' '), NFD, nonspacing marks
/// dropped, lower case. Writes 0-3 code points to `out` and returns how many.
/// Per code point is exact because every step of the reference is per code point; the one
/// contextual step of NFD (canonical reordering) only matters for the 25 marks that survive the
/// Mn filter with a nonzero combining class (musical symbols, U+302E/F, a few viramas). It is
/// not applied: no uncased BERT vocabulary token contains one, so ids cannot differ; the
/// reference's offsets can (it attributes such a mark to a reordered neighbour's position).
[[nodiscard]] constexpr std::size_t bert_normalize(char32_t c, char32_t (&out)[3]) noexcept {
  if (c < 0x80) {  // fast path, same answers as the table
    if (c == '\t' || c == '\n' || c == '\r' || c == ' ') {
      out[0] = U' ';
      return 1;
    }
    if (c < 0x20 || c == 0x7F) return 0;
    out[0] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return 1;
  }
  if (c >= 0xAC00 && c <= 0xD7A3) {  // Hangul syllable: algorithmic canonical decomposition
    const char32_t s = c - 0xAC00;
    out[0] = 0x1100 + s / 588;
    out[1] = 0x1161 + (s % 588) / 28;
    const char32_t t = s % 28;
    if (t == 0) return 2;
    out[2] = 0x11A7 + t;
    return 3;
  }
  const auto& r = detail::tables::char_ranges;
  const auto* it = std::upper_bound(std::begin(r), std::end(r), c,
                                    [](char32_t v, const detail::char_range& x) { return v < x.first; });
  if (it != std::begin(r) && c <= std::prev(it)->last) {
    const detail::char_range& x = *std::prev(it);
    switch (x.rule) {
      case detail::char_rule::drop: return 0;
      case detail::char_rule::space: out[0] = U' '; return 1;
      case detail::char_rule::shift: out[0] = static_cast<char32_t>(static_cast<std::int32_t>(c) + x.delta); return 1;
      case detail::char_rule::shift_even:
        out[0] = ((c - x.first) % 2 == 0) ? static_cast<char32_t>(static_cast<std::int32_t>(c) + x.delta) : c;
        return 1;
    }
  }
  const auto& e = detail::tables::char_expansions;
  const auto* ex = std::lower_bound(std::begin(e), std::end(e), c,
                                    [](const detail::char_expansion& x, char32_t v) { return x.cp < v; });
  if (ex != std::end(e) && ex->cp == c) {
    std::size_t n = 0;
    for (char32_t o : ex->out)
      if (o != 0) out[n++] = o;
    return n;
  }
  out[0] = c;
  return 1;
}

namespace detail {

/// One decoded code point and its byte length in the source. Ill-formed UTF-8 decodes to
/// U+FFFD (maximal subpart rule), which the normaliser then drops - as a Python caller that
/// decoded with errors="replace" would see.
struct decoded_char {
  char32_t cp;
  std::size_t length;
};

[[nodiscard]] constexpr decoded_char decode_utf8(std::string_view s, std::size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1};
  const data::detail::utf8_step step = data::detail::utf8_next(s, i);
  if (!step.valid) return {0xFFFD, step.length};
  char32_t cp = b0 & (step.length == 2 ? 0x1F : step.length == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < step.length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return {cp, step.length};
}

/// UTF-8 without validation: every caller passes scalar values produced by the tables.
using data::detail::append_utf8_unchecked;

}  // namespace detail

/// The whole of BERT's uncased normaliser applied to `text` (CJK ideographs padded with spaces).
[[nodiscard]] inline std::string bert_normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char32_t buf[3];
  for (std::size_t i = 0; i < text.size();) {
    const detail::decoded_char d = detail::decode_utf8(text, i);
    i += d.length;
    const bool cjk = is_cjk_ideograph(d.cp);
    const std::size_t n = bert_normalize(d.cp, buf);
    if (cjk && n > 0) out += ' ';
    for (std::size_t k = 0; k < n; ++k) detail::append_utf8_unchecked(out, buf[k]);
    if (cjk && n > 0) out += ' ';
  }
  return out;
}

}  // namespace gpta::text
