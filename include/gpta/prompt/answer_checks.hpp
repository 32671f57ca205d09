// Checks on prefixes a teaching assistant proposed, beyond well-formedness: duplicates under a
// normalised comparison, echoes of the prompt, placeholder-like items, and cutting to a budget.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/prompt/token_estimate.hpp>

namespace gpta {

/// The comparison form of a prefix: ASCII letters lower-cased, every run of characters that are
/// not letters or digits (ASCII punctuation, spaces) collapsed to one space, trimmed. Non-ASCII
/// bytes are kept, so two prefixes in another script are still told apart.
[[nodiscard]] inline std::string normalize_for_comparison(std::string_view s) {
  std::string out;
  bool gap = false;
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    const bool word = b >= 0x80 || (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
    if (!word) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    out += (b >= 'A' && b <= 'Z') ? static_cast<char>(b | 0x20) : ch;
  }
  return out;
}

/// Why a well-formed item is still unusable as a prefix, or nothing when it is usable.
/// - placeholder: an identifier rather than prose (`task_instruction_1`, `prefix 2`, `{{x}}`,
///   `[insert ...]`, `<instruction>`, `...`), as small TAs write when they copy the answer shape;
/// - echo: a copy of a sentence of the prompt itself (`prompt` holds the TA's turns), at least
///   five words long, or of the whole dataset description;
/// - restatement: any run of `restatement_words` (8) words in a row taken from `instructions`, the
///   TA's system turn, which tells the TA how to write a prefix ("A good instruction says what
///   the task is, ..."): a prefix built from it addresses a TA, not the model. The task's own
///   turn is not searched this way, since a good prefix may well restate its output format.
inline constexpr std::size_t restatement_words = 8;

[[nodiscard]] inline std::optional<std::string> unusable_reason(std::string_view item, std::string_view prompt,
                                                                std::string_view instructions = {}) {
  const std::string n = normalize_for_comparison(item);
  if (n.empty()) return "it has no words";
  const std::string_view raw = item;
  if (raw.find("{{") != std::string_view::npos || raw.find("[insert") != std::string_view::npos ||
      raw.find("...") != std::string_view::npos || raw.find("\xE2\x80\xA6") != std::string_view::npos ||
      (raw.front() == '<' && raw.back() == '>') || (raw.front() == '[' && raw.back() == ']'))
    return "it is a placeholder, not an instruction";
  if (raw.find(' ') == std::string_view::npos && raw.find('_') != std::string_view::npos)
    return "it is a placeholder, not an instruction";
  // "prefix 1", "instruction 2", "first instruction": a label, not prose.
  // The answer shape gpta shows the TA ("the instruction", "first instruction") is among them.
  static constexpr std::string_view labels[] = {"prefix", "instruction", "the instruction", "your instruction",
                                                "new instruction", "first instruction", "second instruction",
                                                "the first instruction", "the second instruction", "revised prefix",
                                                "new prefix", "the prefix", "instruction text", "prefix text"};
  std::string_view core = n;
  while (!core.empty() && ((core.back() >= '0' && core.back() <= '9') || core.back() == ' ')) core.remove_suffix(1);
  for (const auto l : labels)
    if (core == l) return "it is a placeholder, not an instruction";
  const std::string p = normalize_for_comparison(prompt);
  if (count_words(n) >= 5 && p.find(n) != std::string::npos) return "it repeats the prompt instead of answering it";
  if (!instructions.empty()) {
    const std::string hay = " " + normalize_for_comparison(instructions) + " ";
    std::vector<std::string_view> words;
    for (std::size_t i = 0; i < n.size();) {
      const std::size_t end = std::min(n.find(' ', i), n.size());
      words.emplace_back(std::string_view(n).substr(i, end - i));
      i = end + 1;
    }
    for (std::size_t i = 0; i + restatement_words <= words.size(); ++i) {
      std::string run = " ";
      for (std::size_t k = i; k < i + restatement_words; ++k) run.append(words[k]).push_back(' ');
      if (hay.find(run) != std::string::npos)
        return "it restates the instructions you were given (\"" + run.substr(1, run.size() - 2) +
               "\") instead of telling the model what to do";
    }
  }
  return std::nullopt;
}

/// True when `item` equals one of `seen` under normalize_for_comparison.
[[nodiscard]] inline bool is_repeat(std::string_view item, const std::vector<std::string>& seen) {
  const std::string n = normalize_for_comparison(item);
  for (const auto& s : seen)
    if (normalize_for_comparison(s) == n) return true;
  return false;
}

/// Where a cut may end: at a sentence end ('.', '!', '?') or only at a word boundary.
enum class cut_at { sentence, word };

/// `s` cut to at most `budget` units of `count` (words when empty): with cut_at::sentence at the
/// last sentence end that fits, else (or with cut_at::word) at the last word boundary that fits.
/// Empty when not even one word fits. Used only after the TA was asked to shorten and did not
/// (recorded as a repair).
[[nodiscard]] inline std::string cut_to_budget(std::string_view s, std::size_t budget, const token_counter& count = {},
                                               cut_at where = cut_at::sentence) {
  if (budget == 0 || measure_prefix(s, count) <= budget) return std::string(s);
  std::size_t best_word = 0, best_sentence = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    const bool boundary = i == s.size() || s[i] == ' ';
    if (!boundary || i == 0 || s[i - 1] == ' ') continue;
    if (measure_prefix(s.substr(0, i), count) > budget) break;
    best_word = i;
    const char last = s[i - 1];
    if (last == '.' || last == '!' || last == '?') best_sentence = i;
  }
  const std::size_t end = best_sentence != 0 && where == cut_at::sentence ? best_sentence : best_word;
  std::string_view cut = s.substr(0, end);
  while (!cut.empty() && (cut.back() == ',' || cut.back() == ';' || cut.back() == ':')) cut.remove_suffix(1);
  return std::string(cut);
}

}  // namespace gpta
