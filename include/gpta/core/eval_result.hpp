// The scores of one evaluation, as every layer speaks them: the loop maximises `score`, records
// store the rest, the teaching assistant is told the aggregates. Metric policies (eval/) fill it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gpta {

struct class_report {
  std::string label;
  double precision = 0.0, recall = 0.0, f1 = 0.0;
  std::size_t support = 0;
};

/// An aggregate figure of one evaluation beyond the per-class table (mean summary length, share
/// of novel bigrams, ...). Figures are what the teaching assistant may be told: numbers over the
/// whole split, never the text of an example.
struct eval_diagnostic {
  std::string name;  ///< a phrase the TA reads, e.g. "mean predicted length (words)"
  double value = 0.0;
};

/// Scores of one evaluation. `score` is the primary metric the loop maximises.
struct eval_result {
  std::string metric = "accuracy";
  double score = 0.0;
  double accuracy = 0.0;
  double macro_f1 = 0.0;
  double loss = 0.0;
  std::size_t count = 0;
  std::vector<class_report> per_class;
  /// What a per_class row is a score of, in the TA's words ("answer" for classifiers,
  /// "question word" for SQuAD, "ROUGE variant" for summaries).
  std::string breakdown = "answer";
  std::vector<eval_diagnostic> diagnostics;
  /// Each example's share of `score`, in example order (1/0 for accuracy, the question's token F1
  /// for SQuAD, the summary's ROUGE F1), so that score is their mean: what paired tests between
  /// two runs on the same examples resample. Empty when a metric does not provide it.
  std::vector<double> per_example;
};

}  // namespace gpta
