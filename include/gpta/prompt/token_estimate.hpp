// Cheap length measures for text that crosses the TA boundary, used where no tokenizer is at hand:
// words stand in for student tokens, and roughly four bytes make one TA (BPE) token.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace gpta {

/// A user-supplied length measure (e.g. the student tokenizer's token count of a prefix).
using token_counter = std::function<std::size_t(std::string_view)>;

/// Whitespace-separated runs. The default proxy for student tokens: a WordPiece vocabulary splits
/// a common English word into about 1.0-1.4 tokens, so a budget of B words admits somewhat more
/// than B student tokens. That is acceptable because the student cuts the prefix to its token
/// budget anyway (GPTA_METHOD step 2); pass a token_counter where the exact count matters.
[[nodiscard]] inline std::size_t count_words(std::string_view s) noexcept {
  std::size_t words = 0;
  bool in_word = false;
  for (const char c : s) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

/// Approximate TA tokens: the larger of the word count and ceil(bytes / 4). Four bytes per token
/// is the usual figure for English under GPT-style BPE; the word floor keeps text of short words
/// from being undercounted. Only conversation and history budgets use it, never correctness.
[[nodiscard]] inline std::size_t approx_ta_tokens(std::string_view s) noexcept {
  const std::size_t by_bytes = (s.size() + 3) / 4;
  const std::size_t words = count_words(s);
  return words > by_bytes ? words : by_bytes;
}

/// Length in the counter's unit, or in words when no counter is given.
[[nodiscard]] inline std::size_t measure_prefix(std::string_view s, const token_counter& count) {
  return count ? count(s) : count_words(s);
}

}  // namespace gpta
