// What a run produces, round by round: the values callbacks see and run.json stores.
// Plain structs; JSON mapping lives in train/run_record.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <gpta/core/chat.hpp>
#include <gpta/core/eval_result.hpp>

namespace gpta {

/// A candidate prefix proposed after a round, with its probe. Under the paired-loss probe
/// (the default) it beats the incumbent when its mean per-example dev-loss gain exceeds `margin`
/// (the larger of the configured margin and z standard errors of the paired differences).
struct candidate_record {
  std::string prefix;
  double probe_score = 0.0;     ///< the probe's primary metric (accuracy), reported beside the loss
  bool beat_incumbent = false;
  bool accepted = false;
  double probe_loss = 0.0;      ///< mean dev loss after the probe
  double paired_gain = 0.0;     ///< mean over dev examples of (incumbent loss - candidate loss)
  double paired_se = 0.0;       ///< standard error of that mean
  double margin = 0.0;          ///< the gain it had to exceed
};

/// What the TA's answers were worth in a round (or, summed, a run): format compliance, novelty
/// and latency. An answer is one choice of a reply; items are the prefixes inside answers.
struct ta_round_stats {
  std::size_t answers = 0;           ///< answers received
  std::size_t answers_usable = 0;    ///< answers with at least one usable new prefix
  std::size_t schema_answers = 0;    ///< read as {"prefixes": [...]} (the schema was honoured)
  std::size_t fallback_answers = 0;  ///< read by the <prefix> tag parser
  std::size_t new_candidates = 0;    ///< distinct new prefixes handed to the loop
  std::size_t duplicates = 0;        ///< items dropped as repeats
  std::size_t unusable = 0;          ///< items refused as empty, placeholder or echo
  std::size_t over_budget = 0;       ///< items refused for length
  std::size_t repaired = 0;          ///< over-long items cut to the budget
  std::size_t corrections = 0;       ///< corrective turns sent
  std::size_t exhausted = 0;         ///< exchanges that ended without any prefix
  std::vector<double> latency_seconds;  ///< one per TA request

  ta_round_stats& operator+=(const ta_round_stats& o) {
    answers += o.answers, answers_usable += o.answers_usable, schema_answers += o.schema_answers;
    fallback_answers += o.fallback_answers, new_candidates += o.new_candidates, duplicates += o.duplicates;
    unusable += o.unusable, over_budget += o.over_budget, repaired += o.repaired, corrections += o.corrections;
    exhausted += o.exhausted;
    latency_seconds.insert(latency_seconds.end(), o.latency_seconds.begin(), o.latency_seconds.end());
    return *this;
  }
  [[nodiscard]] double latency_mean() const {
    double s = 0.0;
    for (const double x : latency_seconds) s += x;
    return latency_seconds.empty() ? 0.0 : s / static_cast<double>(latency_seconds.size());
  }
  /// Nearest-rank 95th percentile (0 without requests).
  [[nodiscard]] double latency_p95() const {
    if (latency_seconds.empty()) return 0.0;
    std::vector<double> v = latency_seconds;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(v.size())));
    return v[rank == 0 ? 0 : rank - 1];
  }
};

struct round_record {
  int round = 0;
  std::string prefix;        ///< the prefix the student trained with in this round
  double train_loss = 0.0;   ///< mean loss over the round's training steps
  eval_result dev;           ///< dev evaluation after the round's student phase
  std::size_t steps = 0;     ///< optimiser steps taken in the round
  std::optional<double> incumbent_probe_score;
  std::optional<double> incumbent_probe_loss;
  std::vector<candidate_record> candidates;
  std::optional<double> ta_accuracy;  ///< share of candidates that beat the incumbent (none proposed: empty)
  token_usage ta_tokens;              ///< TA tokens spent after this round
  std::size_t ta_requests = 0;
  std::string ta_error;               ///< why the TA gave no candidates (kept incumbent), if it failed
  ta_round_stats ta_stats;            ///< the answers received after this round
  double ta_wait_seconds = 0.0;       ///< time the loop waited for the TA (overlap: what training did not hide)
  /// Whose feedback proposed this round's candidates: this round (sequential) or, with overlap,
  /// the previous one (empty when the round probed nothing from the TA).
  std::optional<int> candidates_from_round;
  double seconds = 0.0;               ///< wall time of the round
  std::string next_prefix;            ///< the incumbent for the next round
};

enum class run_status { running, complete, stopped_patience, stopped_budget };

[[nodiscard]] inline const char* to_string(run_status s) noexcept {
  switch (s) {
    case run_status::running: return "running";
    case run_status::complete: return "complete";
    case run_status::stopped_patience: return "stopped_patience";
    case run_status::stopped_budget: return "stopped_budget";
  }
  return "unknown";
}

struct run_result {
  std::string strategy;
  run_status status = run_status::running;
  std::vector<round_record> rounds;
  int best_round = -1;
  std::string best_prefix;
  eval_result best_dev;
  std::optional<eval_result> test;  ///< evaluated once, with the best (prefix, weights)
  token_usage ta_tokens;
  std::size_t ta_requests = 0;
  std::optional<double> ta_accuracy;  ///< over all candidates of the run
  ta_round_stats ta_stats;            ///< every answer of the run, round 0 included
  std::string ta_model;               ///< the model id the TA's replies named
  /// Why round 0 trains with the empty prefix although the strategy consults the TA (it gave no
  /// usable prefix); empty when it did not happen. Never silent: tables mark such runs.
  std::string empty_prefix_reason;
  /// The best round's weights, relative to the run folder ("best/student.ckpt"); empty when the
  /// run was not recorded or its student cannot write weights.
  std::string best_weights;
  double seconds = 0.0;
};

// Callback contexts: one object per hook, so hook signatures cannot drift as fields are added.
struct run_context {
  const run_result& run;
};
struct epoch_context {
  int round = 0;
  int epoch = 0;
  double train_loss = 0.0;
  std::size_t steps = 0;
  const std::string& prefix;
};
struct round_context {
  const round_record& record;
  const run_result& run;
};

}  // namespace gpta
