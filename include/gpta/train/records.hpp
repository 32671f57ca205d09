// What a run produces, round by round: the values callbacks see and run.json stores.
// Plain structs; JSON mapping lives in train/run_record.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <gpta/eval/classification_metrics.hpp>
#include <gpta/llm/chat.hpp>

namespace gpta {

/// A candidate prefix proposed after a round, with its probe score.
struct candidate_record {
  std::string prefix;
  double probe_score = 0.0;
  bool beat_incumbent = false;
  bool accepted = false;
};

struct round_record {
  int round = 0;
  std::string prefix;        ///< the prefix the student trained with in this round
  double train_loss = 0.0;   ///< mean loss over the round's training steps
  eval_result dev;           ///< dev evaluation after the round's student phase
  std::size_t steps = 0;     ///< optimiser steps taken in the round
  std::optional<double> incumbent_probe_score;
  std::vector<candidate_record> candidates;
  std::optional<double> ta_accuracy;  ///< share of candidates that beat the incumbent (none proposed: empty)
  token_usage ta_tokens;              ///< TA tokens spent after this round
  std::size_t ta_requests = 0;
  std::string ta_error;               ///< why the TA gave no candidates (kept incumbent), if it failed
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
