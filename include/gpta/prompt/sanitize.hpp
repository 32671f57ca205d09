// Cleans a prefix before it reaches a student: control characters out, whitespace collapsed,
// invalid UTF-8 replaced - whatever the TA or a file produced, the student sees printable text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gpta {

namespace detail {
/// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid.
[[nodiscard]] inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  char32_t cp = 0;
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) len = 2, cp = b & 0x1F;
  else if ((b & 0xF0) == 0xE0) len = 3, cp = b & 0x0F;
  else if ((b & 0xF8) == 0xF0) len = 4, cp = b & 0x07;
  else return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}
}  // namespace detail

/// Strip C0/C1 controls and DEL, turn tabs/newlines into spaces, collapse runs of spaces, trim,
/// and replace invalid UTF-8 with U+FFFD.
[[nodiscard]] inline std::string sanitize_prefix(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  bool pending_space = false;
  auto emit = [&](std::string_view piece) {
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += piece;
  };
  for (std::size_t i = 0; i < in.size();) {
    const std::size_t len = detail::utf8_sequence_length(in, i);
    if (len == 0) {
      emit("\xEF\xBF\xBD");
      ++i;
      continue;
    }
    const auto b = static_cast<unsigned char>(in[i]);
    if (len == 1) {
      if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f') pending_space = true;
      else if (b >= 0x20 && b != 0x7F) emit(in.substr(i, 1));
    } else if (len == 2 && b == 0xC2 && static_cast<unsigned char>(in[i + 1]) < 0xA0) {
      // C1 control characters U+0080..U+009F: dropped.
    } else {
      emit(in.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace gpta
