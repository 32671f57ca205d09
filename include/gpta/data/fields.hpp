// Field-level helpers shared by the dataset loaders: trimming, strict label parsing and short
// quotes of offending text for error messages. Kept in one place so every loader is equally strict.
#pragma once

#include <charconv>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <gpta/data/example.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data::detail {

[[nodiscard]] constexpr bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// Strip ASCII whitespace at both ends (GLUE rows end in " ", tweets in runs of spaces); inner
/// whitespace is the text's own business.
[[nodiscard]] constexpr std::string_view trim_ascii(std::string_view s) noexcept {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

/// A non-negative decimal integer written with digits only ("1", not "+1", "1.0" or " 1"),
/// or nullopt. Strict on purpose: a label column that holds anything else is a different file.
[[nodiscard]] inline std::optional<int> parse_label_token(std::string_view s) noexcept {
  if (s.empty() || s.size() > 9) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

/// `text` in single quotes for an error message, cut to `max_bytes` on a UTF-8 boundary.
[[nodiscard]] inline std::string quoted_excerpt(std::string_view text, std::size_t max_bytes = 60) {
  if (text.size() <= max_bytes) return "'" + std::string(text) + "'";
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(text.substr(0, cut)) + "...'";
}

/// Loaders end with this: a file that parsed but produced nothing is an error, not an empty run.
inline void require_examples(const text_dataset& d, const std::filesystem::path& file) {
  if (!d.empty()) return;
  std::string why = "no examples";
  if (d.skipped > 0) why += " (all " + std::to_string(d.skipped) + " rows were skipped by the mode)";
  throw data_error(errc::empty_dataset, file, 0, why);
}

/// Record `replacements` U+FFFD substitutions (line_reader's `replace` policy) in the notes.
inline void note_replacements(text_dataset& d, std::size_t replacements, const std::filesystem::path& file) {
  if (replacements == 0) return;
  d.notes.push_back(std::to_string(replacements) + " invalid UTF-8 sequence(s) in " + file.string() +
                    " replaced by U+FFFD");
}

}  // namespace gpta::data::detail
