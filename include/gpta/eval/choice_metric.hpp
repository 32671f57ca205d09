// Accuracy of multiple-choice predictions (option indices), overall, per RACE level
// (middle/high) and per question kind (cloze vs question); the Metric policy for choice students.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/data/choice_example.hpp>
#include <gpta/eval/classification_metrics.hpp>

namespace gpta {

/// Right answers out of questions, for one group of questions.
struct choice_tally {
  std::size_t correct = 0;
  std::size_t count = 0;
  [[nodiscard]] double accuracy() const noexcept {
    return count ? static_cast<double>(correct) / static_cast<double>(count) : 0.0;
  }
};

struct choice_scores {
  choice_tally overall;
  std::array<choice_tally, 2> by_level;  ///< index static_cast<int>(choice_level): middle, high
  choice_tally cloze;                    ///< questions with a `_` blank
  choice_tally question;                 ///< the others
};

/// Tallies of predicted option indices against the examples' answers. A prediction outside the
/// question's options (e.g. -1 for "no answer") counts as wrong. std::invalid_argument when the
/// sizes differ.
[[nodiscard]] inline choice_scores choice_score(std::span<const int> predicted, std::span<const choice_example> examples) {
  if (predicted.size() != examples.size())
    throw std::invalid_argument("gpta::choice_score: " + std::to_string(predicted.size()) + " predictions for " +
                                std::to_string(examples.size()) + " questions");
  choice_scores s;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const choice_example& e = examples[i];
    const std::size_t right = predicted[i] == e.label ? 1 : 0;
    for (choice_tally* t : {&s.overall, &s.by_level[static_cast<std::size_t>(e.level)], is_cloze(e.question) ? &s.cloze : &s.question}) {
      t->correct += right;
      ++t->count;
    }
  }
  return s;
}

namespace detail {

/// Words of an option, split on ASCII whitespace (the options are shown to the TA by length only).
[[nodiscard]] inline std::size_t choice_word_count(std::string_view text) noexcept {
  std::size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || (c >= '\t' && c <= '\r');
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

}  // namespace detail

/// The Metric policy for multiple-choice students predicting option indices. eval_result:
/// metric "accuracy", score = accuracy = right answers / questions; macro_f1 over the option
/// letters as classes (label_names, "A".."D" for RACE; a prediction outside them counts as wrong
/// and lowers no class's precision); per_class holds one entry per level present, labelled
/// "middle" / "high", then one per question kind present, "cloze" / "question" (is_cloze), so
/// breakdown is "level or question kind"; each row's precision, recall and f1 are all that
/// group's accuracy (the per-group score the TA's feedback shows) and support its question count.
/// diagnostics, over the wrong predictions that name one of the question's options (and whose
/// answer is one of them; none when there are no such predictions): "wrong answers: mean chosen
/// option length (words)" and "wrong answers: mean correct option length (words)", in
/// whitespace-separated words, so the TA can tell whether the student is drawn to long or short
/// options.
struct choice_metric {
  eval_result operator()(std::span<const int> predicted, std::span<const choice_example> examples,
                         const std::vector<std::string>& label_names) const {
    const choice_scores s = choice_score(predicted, examples);
    std::vector<std::string> names = label_names;
    std::size_t most = 0;
    for (const auto& e : examples) most = std::max(most, e.options.size());
    for (std::size_t k = names.size(); k < most; ++k) names.push_back(option_letter(k));

    eval_result r;
    r.metric = "accuracy";
    r.accuracy = s.overall.accuracy();
    r.score = r.accuracy;
    r.count = examples.size();
    for (std::size_t i = 0; i < examples.size(); ++i) r.per_example.push_back(predicted[i] == examples[i].label ? 1.0 : 0.0);
    if (!names.empty() && !examples.empty()) {
      // Out-of-range predictions become "some other wrong option" so they cost recall only.
      std::vector<std::size_t> tp(names.size()), fp(names.size()), fn(names.size());
      for (std::size_t i = 0; i < examples.size(); ++i) {
        const int g = examples[i].label, p = predicted[i];
        if (g < 0 || static_cast<std::size_t>(g) >= names.size())
          throw std::invalid_argument("gpta::choice_metric: answer index out of range at row " + std::to_string(i));
        const bool valid = p >= 0 && static_cast<std::size_t>(p) < names.size();
        if (p == g) {
          ++tp[static_cast<std::size_t>(g)];
        } else {
          ++fn[static_cast<std::size_t>(g)];
          if (valid) ++fp[static_cast<std::size_t>(p)];
        }
      }
      double sum = 0.0;
      for (std::size_t c = 0; c < names.size(); ++c) {
        const double prec = tp[c] + fp[c] ? static_cast<double>(tp[c]) / static_cast<double>(tp[c] + fp[c]) : 0.0;
        const double rec = tp[c] + fn[c] ? static_cast<double>(tp[c]) / static_cast<double>(tp[c] + fn[c]) : 0.0;
        sum += prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0.0;
      }
      r.macro_f1 = sum / static_cast<double>(names.size());
    }
    for (choice_level l : {choice_level::middle, choice_level::high}) {
      const choice_tally& t = s.by_level[static_cast<std::size_t>(l)];
      if (t.count == 0) continue;
      class_report c;
      c.label = std::string(to_string(l));
      c.precision = c.recall = c.f1 = t.accuracy();
      c.support = t.count;
      r.per_class.push_back(c);
    }
    for (const choice_tally* t : {&s.cloze, &s.question}) {
      if (t->count == 0) continue;
      class_report c;
      c.label = t == &s.cloze ? "cloze" : "question";
      c.precision = c.recall = c.f1 = t->accuracy();
      c.support = t->count;
      r.per_class.push_back(c);
    }
    r.breakdown = "level or question kind";

    std::size_t wrong = 0;
    double chosen_words = 0.0, correct_words = 0.0;
    for (std::size_t i = 0; i < examples.size(); ++i) {
      const choice_example& e = examples[i];
      const int p = predicted[i], g = e.label;
      const auto in_range = [&e](int k) { return k >= 0 && static_cast<std::size_t>(k) < e.options.size(); };
      if (p == g || !in_range(p) || !in_range(g)) continue;
      ++wrong;
      chosen_words += static_cast<double>(detail::choice_word_count(e.options[static_cast<std::size_t>(p)]));
      correct_words += static_cast<double>(detail::choice_word_count(e.options[static_cast<std::size_t>(g)]));
    }
    if (wrong > 0) {
      r.diagnostics.push_back({"wrong answers: mean chosen option length (words)", chosen_words / static_cast<double>(wrong)});
      r.diagnostics.push_back({"wrong answers: mean correct option length (words)", correct_words / static_cast<double>(wrong)});
    }
    return r;
  }
};

}  // namespace gpta
