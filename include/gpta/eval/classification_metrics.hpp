// Accuracy, macro-F1 and per-class precision/recall/F1 from predicted and gold class ids.
// The trainer's default metric for classifiers; accuracy is the primary score.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gpta/core/eval_result.hpp>
#include <gpta/data/example.hpp>

namespace gpta {

/// Confusion-based metrics. F1 of a class with no predictions and no support counts as 0 and
/// is still averaged in (sklearn's `zero_division=0`), so a collapsed classifier is not flattered.
[[nodiscard]] inline eval_result classification_metrics(std::span<const int> predicted, std::span<const int> gold,
                                                       const std::vector<std::string>& label_names) {
  if (predicted.size() != gold.size())
    throw std::invalid_argument("gpta::classification_metrics: " + std::to_string(predicted.size()) +
                                " predictions for " + std::to_string(gold.size()) + " gold labels");
  const std::size_t k = label_names.size();
  if (k == 0) throw std::invalid_argument("gpta::classification_metrics: no label names");
  std::vector<std::size_t> tp(k, 0), fp(k, 0), fn(k, 0);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < gold.size(); ++i) {
    const int g = gold[i], p = predicted[i];
    if (g < 0 || static_cast<std::size_t>(g) >= k || p < 0 || static_cast<std::size_t>(p) >= k)
      throw std::invalid_argument("gpta::classification_metrics: class id out of range at row " + std::to_string(i));
    if (g == p) {
      ++correct;
      ++tp[static_cast<std::size_t>(g)];
    } else {
      ++fp[static_cast<std::size_t>(p)];
      ++fn[static_cast<std::size_t>(g)];
    }
  }
  eval_result r;
  r.count = gold.size();
  r.per_example.reserve(gold.size());
  for (std::size_t i = 0; i < gold.size(); ++i) r.per_example.push_back(gold[i] == predicted[i] ? 1.0 : 0.0);
  r.accuracy = gold.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(gold.size());
  r.score = r.accuracy;
  double f1_sum = 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    class_report cr;
    cr.label = label_names[c];
    cr.support = tp[c] + fn[c];
    cr.precision = tp[c] + fp[c] ? static_cast<double>(tp[c]) / static_cast<double>(tp[c] + fp[c]) : 0.0;
    cr.recall = cr.support ? static_cast<double>(tp[c]) / static_cast<double>(cr.support) : 0.0;
    cr.f1 = cr.precision + cr.recall > 0 ? 2 * cr.precision * cr.recall / (cr.precision + cr.recall) : 0.0;
    f1_sum += cr.f1;
    r.per_class.push_back(cr);
  }
  r.macro_f1 = f1_sum / static_cast<double>(k);
  return r;
}

/// The default metric policy for students predicting class ids of labelled examples.
struct classification_metric {
  template <labelled_example E>
  eval_result operator()(std::span<const int> predicted, std::span<const E> examples,
                         const std::vector<std::string>& label_names) const {
    std::vector<int> gold;
    gold.reserve(examples.size());
    for (const auto& e : examples) gold.push_back(e.label);
    return classification_metrics(predicted, gold, label_names);
  }
};

}  // namespace gpta
