// Turns what a strategy may tell the TA (task description, aggregate scores, scored prefixes)
// into template values. Everything passes through here as numbers, label names or prefixes.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gpta/core/feedback.hpp>
#include <gpta/core/task_info.hpp>
#include <gpta/prompt/prompt_template.hpp>
#include <gpta/prompt/sanitize.hpp>
#include <gpta/prompt/token_estimate.hpp>

namespace gpta {

namespace detail {

/// Placeholders every TA template may use for the task itself.
inline constexpr std::string_view task_placeholders[] = {"task_name",     "domain",         "task_type", "description",
                                                         "labels",        "output_format",  "answer_guidance"};
/// Placeholders describing the answer wanted (all TA templates except the system turn).
inline constexpr std::string_view answer_placeholders[] = {"n", "prefix_words", "answer_instruction"};

/// Concatenates placeholder groups into one list for prompt_template::check_placeholders.
[[nodiscard]] inline std::vector<std::string_view> placeholder_list(
    std::initializer_list<std::span<const std::string_view>> groups,
    std::initializer_list<std::string_view> extra = {}) {
  std::vector<std::string_view> out;
  for (const auto g : groups) out.insert(out.end(), g.begin(), g.end());
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

/// Fixed notation with `digits` decimals, independent of the C locale (std::to_chars).
[[nodiscard]] inline std::string format_fixed(double v, int digits = 4, bool plus_sign = false) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, digits);
  std::string s = r.ec == std::errc{} ? std::string(buf, r.ptr) : std::string("nan");
  if (plus_sign && v >= 0.0 && s.front() != '-') s.insert(s.begin(), '+');
  return s;
}

[[nodiscard]] inline std::string or_not_given(const std::string& s) {
  std::string clean = sanitize_prefix(s);
  return clean.empty() ? std::string("(not given)") : clean;
}

/// What a good prefix says about the answer, by the kind of answer: a task with label names
/// (classification, option letters) names them and their cues; a free-form one (summaries,
/// extracted answers) says what the answer must look like.
inline constexpr std::string_view labelled_answer_guidance =
    "names the possible answers, and says which cues in the input point to each answer";
inline constexpr std::string_view free_answer_guidance =
    "says what the answer must look like (its form and length), and which parts of the input it should draw on";

/// Task fields for templates. Free text is sanitised to one line so a description cannot forge
/// conversation structure.
[[nodiscard]] inline template_values task_values(const task_info& t) {
  std::string labels;
  for (const auto& l : t.label_names) labels += (labels.empty() ? "" : ", ") + sanitize_prefix(l);
  return {{"answer_guidance", std::string(labels.empty() ? free_answer_guidance : labelled_answer_guidance)},
          {"task_name", or_not_given(t.name)},
          {"domain", or_not_given(t.domain)},
          {"task_type", or_not_given(t.task_type)},
          {"description", or_not_given(t.description)},
          {"labels", labels.empty() ? std::string("(not given)") : labels},
          {"output_format", or_not_given(t.output_format)}};
}

/// "" without exemplars (the line disappears from the default template), else a titled list.
[[nodiscard]] inline std::string exemplar_block(const std::vector<std::string>& exemplars) {
  if (exemplars.empty()) return {};
  std::string s = "Examples chosen by the user:\n";
  for (const auto& e : exemplars) s += "- " + sanitize_prefix(e) + "\n";
  return s;
}

/// Scored prefixes, best first, one per distinct prefix (its best score), cut to `max_entries`
/// (0 = all) and to `token_budget` approximate TA tokens of rendered lines; the best entry is
/// always kept unless the budget is 0. `line` renders one entry.
template <class Line>
[[nodiscard]] std::vector<std::string> trimmed_history(std::vector<scored_prefix> history, std::size_t max_entries,
                                                       std::size_t token_budget, Line line) {
  std::stable_sort(history.begin(), history.end(),
                   [](const scored_prefix& a, const scored_prefix& b) { return a.score > b.score; });
  std::vector<std::string> seen, lines;
  std::size_t used = 0;
  if (token_budget == 0) return lines;
  for (const auto& h : history) {
    std::string p = sanitize_prefix(h.prefix);
    bool dup = false;
    for (const auto& s : seen) dup = dup || s == p;
    if (dup) continue;
    seen.push_back(p);
    std::string l = line(p, h);
    const std::size_t cost = approx_ta_tokens(l);
    if (!lines.empty() && used + cost > token_budget) break;
    if (max_entries != 0 && lines.size() >= max_entries) break;
    used += cost;
    lines.push_back(std::move(l));
  }
  return lines;
}

}  // namespace detail
}  // namespace gpta
