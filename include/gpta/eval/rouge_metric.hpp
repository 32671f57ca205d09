// The trainer's Metric policy for summaries: ROUGE (rouge.hpp) as the score, the summary
// statistics (summary_statistics.hpp) as the figures the teaching assistant is shown.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gpta/data/seq2seq_example.hpp>
#include <gpta/eval/classification_metrics.hpp>
#include <gpta/eval/rouge.hpp>
#include <gpta/eval/summary_statistics.hpp>

namespace gpta {

/// The trainer's Metric policy for text predictions of seq2seq examples (basic_trainer calls
/// `metric(predictions, examples, label_names)`). `score` is the mean F1 of `primary`; per_class
/// carries one row per ROUGE measure (label "rouge1" ..., P/R/F1 means, support = examples) so
/// run records keep all four without a summarisation-specific result type. Stemming is on by
/// default, as in most summarisation papers' use of rouge-score. `diagnostics` are
/// summary_diagnostics of the predictions (lengths, lead copying, repetition, novel bigrams),
/// figures the TA may see; `lead_sentences` is the lead they are checked against.
struct rouge_metric {
  rouge_options options{.use_stemmer = true};
  rouge_measure primary = rouge_measure::rouge_l;
  std::size_t lead_sentences = 3;  ///< lead-3 for CNN/DailyMail; 1 for XSum

  eval_result operator()(std::span<const std::string> predicted, std::span<const seq2seq_example> examples,
                         const std::vector<std::string>& /*label_names*/ = {}) const {
    if (predicted.size() != examples.size())
      throw std::invalid_argument("gpta::rouge_metric: " + std::to_string(predicted.size()) + " predictions for " +
                                  std::to_string(examples.size()) + " examples");
    std::vector<rouge_scores> per;
    per.reserve(examples.size());
    for (std::size_t i = 0; i < examples.size(); ++i)
      per.push_back(rouge_multi(predicted[i], examples[i].references, options));
    const rouge_scores mean = rouge_mean(per);
    eval_result r;
    r.metric = std::string(rouge_measure_name(primary));
    r.score = rouge_get(mean, primary).f1;
    r.count = examples.size();
    for (const auto& p : per) r.per_example.push_back(rouge_get(p, primary).f1);
    for (rouge_measure m : rouge_all_measures) {
      class_report row;
      row.label = std::string(rouge_measure_name(m));
      row.precision = rouge_get(mean, m).precision;
      row.recall = rouge_get(mean, m).recall;
      row.f1 = rouge_get(mean, m).f1;
      row.support = examples.size();
      r.per_class.push_back(row);
    }
    r.breakdown = "ROUGE variant";
    r.diagnostics = summary_diagnostics(summarise_outputs(predicted, examples, lead_sentences));
    return r;
  }
};

}  // namespace gpta
