// `gpta compare`'s analyses under its table, formatted from gpta/train/run_analyses.hpp: every
// strategy paired against a baseline run on the same splits and seeds (t interval over seeds,
// paired bootstrap over the pooled test examples), and the TA-accuracy / student-gain correlation
// over every round of every run that asked the TA, with TA accuracy by round index.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <gpta/train/run_analyses.hpp>

#include "plot.hpp"

namespace gpta::cli {

/// A number for compare.json: NaN and infinities (an undefined interval, a constant series) are
/// not JSON, so they are written as null.
[[nodiscard]] inline boost::json::value json_number(double v) {
  return std::isfinite(v) ? boost::json::value(v) : boost::json::value(nullptr);
}

struct analysis_report {
  boost::json::value record;       ///< for compare.json (null when there is nothing to report)
  std::vector<std::string> lines;  ///< printed under the main table
};

[[nodiscard]] inline analysis_report compare_against(const plot_series& series, const std::string& baseline,
                                                     const std::vector<std::string>& strategies) {
  analysis_report out;
  const auto base = series.find(baseline);
  if (base == series.end()) return out;
  boost::json::array records;
  for (const auto& s : strategies) {
    const auto it = series.find(s);
    if (s == baseline || it == series.end() || it->second.size() != base->second.size()) continue;
    const paired_comparison c = compare_paired(it->second, base->second);
    const paired_difference& d = c.seeds;
    boost::json::object rec{{"strategy", s},       {"baseline", baseline},
                            {"seeds", d.n},        {"mean_difference", json_number(d.mean)},
                            {"ci95", boost::json::array{json_number(d.ci_low), json_number(d.ci_high)}}, {"p_seeds", json_number(d.p_two_sided)}};
    char line[240];
    if (c.examples) {
      const bootstrap_result& b = *c.examples;
      rec["bootstrap"] = {{"examples", b.n}, {"difference", json_number(b.observed)}, {"ci95", boost::json::array{json_number(b.ci_low), json_number(b.ci_high)}},
                          {"p", json_number(b.p_value)},  {"resamples", b.resamples}};
      std::snprintf(line, sizeof line, "%-11s %+8.4f [%+.4f, %+.4f] %6.3f%-2s   %6zu %+8.4f [%+.4f, %+.4f] %7.4f%-2s",
                    s.c_str(), d.mean, d.ci_low, d.ci_high, d.p_two_sided, significance_mark(d.p_two_sided).c_str(), b.n,
                    b.observed, b.ci_low, b.ci_high, b.p_value, significance_mark(b.p_value).c_str());
    } else {
      std::snprintf(line, sizeof line, "%-11s %+8.4f [%+.4f, %+.4f] %6.3f%-2s   (no per-example scores)", s.c_str(),
                    d.mean, d.ci_low, d.ci_high, d.p_two_sided, significance_mark(d.p_two_sided).c_str());
    }
    records.push_back(std::move(rec));
    out.lines.push_back(line);
  }
  out.record = std::move(records);
  return out;
}

[[nodiscard]] inline analysis_report ta_gain_correlation(const plot_series& series) {
  analysis_report out;
  std::vector<const run_result*> runs;
  for (const auto& [strategy, rs] : series) runs.insert(runs.end(), rs.begin(), rs.end());
  const ta_gain_analysis a = analyse_ta_gain(runs);
  if (a.ta_accuracy_by_round.empty()) return out;  // no run asked the TA after a round
  const auto obj = [](const correlation_result& c) {
    return boost::json::object{{"r", json_number(c.r)},
                               {"ci95", boost::json::array{json_number(c.ci_low), json_number(c.ci_high)}},
                               {"p", json_number(c.p_two_sided)}};
  };
  boost::json::array rounds;
  std::string per_round;
  for (std::size_t i = 0; i < a.ta_accuracy_by_round.size(); ++i) {
    const mean_spread& m = a.ta_accuracy_by_round[i];
    rounds.push_back({{"round", i}, {"runs", m.n}, {"mean", json_number(m.mean)}, {"sd", json_number(m.sd)}});
    char b[80];
    std::snprintf(b, sizeof b, "  round %zu: %.2f ± %.2f (%zu runs)", i + 1, m.mean, m.sd, m.n);
    per_round += b;
  }
  out.record = boost::json::object{{"pairs", a.ta_accuracy.size()}, {"pearson", obj(a.pearson)},
                                   {"spearman", obj(a.spearman)}, {"ta_accuracy_by_round", rounds}};
  char line[260];
  if (std::isnan(a.pearson.r))
    std::snprintf(line, sizeof line,
                  "TA accuracy after round r vs the dev change of round r+1 (%zu pairs): no correlation defined "
                  "(fewer than 2 pairs, or one side constant)",
                  a.ta_accuracy.size());
  else
    std::snprintf(line, sizeof line,
                  "TA accuracy after round r vs the dev change of round r+1 (%zu pairs): Pearson %+.2f [%+.2f, %+.2f] "
                  "p %.3f; Spearman %+.2f [%+.2f, %+.2f] p %.3f",
                  a.ta_accuracy.size(), a.pearson.r, a.pearson.ci_low, a.pearson.ci_high, a.pearson.p_two_sided,
                  a.spearman.r, a.spearman.ci_low, a.spearman.ci_high, a.spearman.p_two_sided);
  out.lines.push_back(line);
  out.lines.push_back("TA accuracy by round (mean ± sd over runs):" + per_round);
  return out;
}

}  // namespace gpta::cli
