// What a strategy is told between rounds: aggregate signals only, never an example.
// The dialogue gradient is built from exactly these fields.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <gpta/core/chat.hpp>

namespace gpta {

/// One prefix that has been tried, with what it scored.
struct scored_prefix {
  std::string prefix;
  double score = 0.0;  ///< dev score (primary metric) or probe score
  int round = 0;
};

struct class_score {
  std::string label;
  double score = 0.0;  ///< per-class F1 for classifiers
};

/// An aggregate figure of the dev evaluation (eval_diagnostic) with its value one round earlier.
struct feedback_diagnostic {
  std::string name;
  double value = 0.0;
  std::optional<double> previous;
};

struct round_feedback {
  int round = 0;                       ///< the round that just ended (0-based)
  std::string incumbent;               ///< prefix the student trained with this round
  double dev_score = 0.0;              ///< primary metric on dev
  std::optional<double> previous_dev_score;
  double train_loss = 0.0;
  double dev_loss = 0.0;
  std::string metric_name;             ///< e.g. "accuracy"
  std::vector<class_score> per_class;  ///< per-class (or per-bucket) scores
  std::string breakdown = "answer";    ///< what a per_class row is a score of
  std::vector<feedback_diagnostic> diagnostics;  ///< further dev figures (eval_result::diagnostics)
  std::vector<scored_prefix> history;  ///< every prefix tried so far, best first
  std::size_t candidates_wanted = 1;
  std::size_t prefix_token_budget = 32;
};

/// Every prefix the feedback names (history and incumbent): a TA candidate equal to one of them
/// is a duplicate, not a new idea.
[[nodiscard]] inline std::vector<std::string> tried_prefixes(const round_feedback& fb) {
  std::vector<std::string> out{fb.incumbent};
  for (const auto& h : fb.history) out.push_back(h.prefix);
  return out;
}

/// A strategy's answer: prefixes ready to try and/or a request for the teaching assistant.
/// When `request` is set, the trainer sends it and hands the reply to the strategy's on_reply().
struct prefix_proposal {
  std::vector<std::string> candidates;
  std::optional<chat_request> request;

  [[nodiscard]] static prefix_proposal ready(std::vector<std::string> c) { return {std::move(c), std::nullopt}; }
  [[nodiscard]] static prefix_proposal ask(chat_request r) { return {{}, std::move(r)}; }
  [[nodiscard]] static prefix_proposal none() { return {}; }
};

}  // namespace gpta
