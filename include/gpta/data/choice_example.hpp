// Example type for multiple-choice reading comprehension (RACE): a passage, one question (a
// cloze with `_` blanks or a plain question), its options and the index of the right one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/data/example.hpp>

namespace gpta {

/// RACE's two exam levels: middle school (RACE-M) and high school (RACE-H).
enum class choice_level : int { middle = 0, high = 1 };

[[nodiscard]] constexpr std::string_view to_string(choice_level l) noexcept {
  return l == choice_level::middle ? "middle" : "high";
}

/// One question over one passage. The answer index is called `label` so choice examples are
/// labelled_example: stratified sampling and classification_metric (options as classes A, B,
/// ...) work on them unchanged.
struct choice_example {
  std::string id;                    ///< unique per question: "<passage id>:<question index>", e.g. "middle10.txt:2"
  std::string passage_id;            ///< the file's `id`, e.g. "middle10.txt"
  std::string article;               ///< the passage, unchanged
  std::string question;              ///< `_` marks a cloze blank (see is_cloze)
  std::vector<std::string> options;  ///< in file order; RACE always has 4
  int label = -1;                    ///< index of the right option (RACE answer "A" -> 0)
  choice_level level = choice_level::middle;
  std::size_t passage = 0;           ///< 0-based passage index in load order: the unit splits keep together

  friend bool operator==(const choice_example&, const choice_example&) = default;
};

using choice_dataset = dataset<choice_example>;

/// Whether the question is a cloze (fill in the `_` blank) rather than a question proper.
[[nodiscard]] inline bool is_cloze(std::string_view question) noexcept {
  return question.find('_') != std::string_view::npos;
}

/// "A", "B", ... for option index i (i < 26).
[[nodiscard]] inline std::string option_letter(std::size_t i) { return std::string(1, static_cast<char>('A' + i)); }

}  // namespace gpta
