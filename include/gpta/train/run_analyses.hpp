// Analyses over finished runs (run_result): is a strategy's difference from a baseline real, and
// does the teaching assistant's accuracy track the student's gain? Pure functions over records,
// so `gpta compare` and a user's own driver compute the same numbers.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gpta/core/records.hpp>
#include <gpta/eval/correlation.hpp>
#include <gpta/eval/paired_statistics.hpp>

namespace gpta {

/// A strategy against a baseline on the same splits and seeds (treatment[i] and baseline[i] ran
/// with the same seed, so they differ only in the strategy).
struct paired_comparison {
  paired_difference seeds;                 ///< over seeds: test score differences, t interval
  std::optional<bootstrap_result> examples;  ///< over test examples pooled across seeds (per_example scores)
};

/// `seeds` pairs the runs' test scores; `examples` resamples their per-example test scores pooled
/// over seeds (absent when a run has none or two paired runs scored different numbers).
/// std::invalid_argument when the lists differ in length, are empty, or a run has no test result.
[[nodiscard]] inline paired_comparison compare_paired(std::span<const run_result* const> treatment,
                                                      std::span<const run_result* const> baseline,
                                                      std::size_t resamples = 10000, std::uint64_t seed = 0) {
  if (treatment.size() != baseline.size() || treatment.empty())
    throw std::invalid_argument("gpta::compare_paired: " + std::to_string(treatment.size()) + " runs against " +
                                std::to_string(baseline.size()) + " baseline runs (one per seed each, at least one)");
  std::vector<double> t, b, t_ex, b_ex;
  bool paired_examples = true;
  for (std::size_t i = 0; i < treatment.size(); ++i) {
    if (!treatment[i]->test || !baseline[i]->test)
      throw std::invalid_argument("gpta::compare_paired: run " + std::to_string(i) + " has no test result");
    const eval_result& x = *treatment[i]->test;
    const eval_result& y = *baseline[i]->test;
    t.push_back(x.score);
    b.push_back(y.score);
    paired_examples = paired_examples && !x.per_example.empty() && x.per_example.size() == y.per_example.size();
    t_ex.insert(t_ex.end(), x.per_example.begin(), x.per_example.end());
    b_ex.insert(b_ex.end(), y.per_example.begin(), y.per_example.end());
  }
  paired_comparison out;
  out.seeds = paired_mean_difference(t, b);
  if (paired_examples) out.examples = paired_bootstrap(t_ex, b_ex, resamples, seed);
  return out;
}

/// Round-level TA accuracy against the student's gain (GPTA_METHOD: the TA's accuracy should
/// track the student's improvement, and rise over rounds).
struct ta_gain_analysis {
  std::vector<double> ta_accuracy;  ///< per pair: share of round r's candidates that beat the incumbent
  std::vector<double> dev_gain;     ///< per pair: dev score of round r + 1 minus that of round r
  correlation_result pearson, spearman;
  std::vector<mean_spread> ta_accuracy_by_round;  ///< index r: over the runs that have a TA accuracy in round r
};

/// Every round r (of every run) with a TA accuracy and a next round is a pair: the candidates
/// proposed after round r are probed then, and round r + 1 trains with the one accepted (or the
/// incumbent), so its dev change is the gain those candidates bought. Runs without a TA add nothing.
[[nodiscard]] inline ta_gain_analysis analyse_ta_gain(std::span<const run_result* const> runs) {
  ta_gain_analysis a;
  std::vector<std::vector<double>> by_round;
  for (const run_result* r : runs)
    for (std::size_t i = 0; i < r->rounds.size(); ++i) {
      const auto& acc = r->rounds[i].ta_accuracy;
      if (!acc) continue;
      if (by_round.size() <= i) by_round.resize(i + 1);
      by_round[i].push_back(*acc);
      if (i + 1 < r->rounds.size()) {
        a.ta_accuracy.push_back(*acc);
        a.dev_gain.push_back(r->rounds[i + 1].dev.score - r->rounds[i].dev.score);
      }
    }
  a.pearson = pearson(a.ta_accuracy, a.dev_gain);
  a.spearman = spearman(a.ta_accuracy, a.dev_gain);
  for (const auto& v : by_round) a.ta_accuracy_by_round.push_back(summarize_values(v));
  return a;
}

}  // namespace gpta
