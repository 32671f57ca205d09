// UTF-8 validation, repair and encoding for text read from dataset files.
// Follows the Unicode well-formedness table (no overlongs, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace gpta::data {

namespace detail {

/// Result of looking at one sequence: `valid` and its byte length, or the length of the
/// maximal ill-formed subpart (Unicode 3.9, "U+FFFD substitution of maximal subparts"), which
/// is what gets replaced by one U+FFFD so that repairs match other conforming decoders.
struct utf8_step {
  bool valid;
  std::size_t length;
};

[[nodiscard]] constexpr utf8_step utf8_next(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return {true, 1};
  std::size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;       // overlong below U+0800
    if (b0 == 0xED) hi = 0x9F;       // surrogates U+D800..DFFF
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;       // overlong below U+10000
    if (b0 == 0xF4) hi = 0x8F;       // above U+10FFFF
  } else {
    return {false, 1};               // continuation byte, C0/C1 or F5..FF as a lead
  }
  std::size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) return {false, k};
    const unsigned char b = byte(i + k);
    const bool ok = (k == 1) ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return {false, k};
  }
  return {true, need + 1};
}

/// UTF-8 encoding of a code point the caller knows to be a scalar value (no check).
inline void append_utf8_unchecked(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace detail

/// Byte offset of the first ill-formed sequence in `s`, or std::string_view::npos if `s` is valid.
[[nodiscard]] constexpr std::size_t utf8_invalid_offset(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const detail::utf8_step step = detail::utf8_next(s, i);
    if (!step.valid) return i;
    i += step.length;
  }
  return std::string_view::npos;
}

[[nodiscard]] constexpr bool is_valid_utf8(std::string_view s) noexcept {
  return utf8_invalid_offset(s) == std::string_view::npos;
}

/// Append code point `cp` as UTF-8. Surrogates and values above U+10FFFF are not characters:
/// std::invalid_argument, since passing one is the caller's bug.
inline void append_utf8(std::string& out, char32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    throw std::invalid_argument("gpta::data::append_utf8: not a Unicode scalar value: " +
                                std::to_string(static_cast<std::uint32_t>(cp)));
  }
  detail::append_utf8_unchecked(out, cp);
}

/// Replace every maximal ill-formed subpart of `s` with U+FFFD, in place. Returns how many
/// replacements were made (0 leaves `s` untouched, without copying).
inline std::size_t utf8_replace_invalid(std::string& s) {
  std::size_t first = utf8_invalid_offset(s);
  if (first == std::string::npos) return 0;
  std::string out(s, 0, first);
  out.reserve(s.size() + 8);
  std::size_t replaced = 0;
  std::size_t i = first;
  while (i < s.size()) {
    const detail::utf8_step step = detail::utf8_next(s, i);
    if (step.valid) {
      out.append(s, i, step.length);
    } else {
      out += "\xEF\xBF\xBD";
      ++replaced;
    }
    i += step.length;
  }
  s = std::move(out);
  return replaced;
}

}  // namespace gpta::data
