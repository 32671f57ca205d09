// Cleans a prefix before it reaches a student: control characters out, whitespace collapsed,
// invalid UTF-8 replaced - whatever the TA or a file produced, the student sees printable text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <gpta/data/utf8.hpp>

namespace gpta {

namespace detail {
/// Length of the valid UTF-8 sequence at s[i], or 0 if it is ill-formed (data/utf8.hpp decides).
[[nodiscard]] constexpr std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const data::detail::utf8_step step = data::detail::utf8_next(s, i);
  return step.valid ? step.length : 0;
}

/// Byte offset of the first invalid UTF-8 sequence, or npos.
[[nodiscard]] constexpr std::size_t first_invalid_utf8(std::string_view s) noexcept {
  return data::utf8_invalid_offset(s);
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
    const data::detail::utf8_step step = data::detail::utf8_next(in, i);
    const std::size_t len = step.length;
    if (!step.valid) {  // one U+FFFD per maximal ill-formed subpart, as conforming decoders do
      emit("\xEF\xBF\xBD");
      i += len;
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
