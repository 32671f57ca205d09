// What one exchange with the teaching assistant cost and gave (requests, tokens, latency, answer
// statistics), gathered by the trainer so it can run on another thread and be applied later.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>

#include <gpta/core/chat.hpp>
#include <gpta/core/records.hpp>
#include <gpta/prompt/ta_settings.hpp>

namespace gpta {

/// A strategy's answer counters now (all zero for strategies that keep none).
template <class Strategy>
[[nodiscard]] ta_counters counters_of(const Strategy& s) {
  if constexpr (requires { { s.counters() } -> std::convertible_to<const ta_counters&>; })
    return s.counters();
  else
    return {};
}

/// What one exchange with the TA cost and gave: requests, tokens, latency, answer statistics.
struct ta_tally {
  std::size_t requests = 0;
  token_usage tokens;
  ta_round_stats stats;
  std::string model;

  /// The answer statistics of the exchange: the strategy's counters after minus before.
  void stats_from(const ta_counters& a, const ta_counters& b) {
    stats.answers = b.answers - a.answers;
    stats.answers_usable = b.answers_usable - a.answers_usable;
    stats.schema_answers = b.schema_answers - a.schema_answers;
    stats.fallback_answers = b.fallback_answers - a.fallback_answers;
    stats.new_candidates = b.prefixes_accepted - a.prefixes_accepted;
    stats.duplicates = b.duplicates - a.duplicates;
    stats.unusable = b.unusable - a.unusable;
    stats.over_budget = b.over_budget - a.over_budget;
    stats.repaired = b.repaired - a.repaired;
    stats.corrections = b.corrections_sent - a.corrections_sent;
    stats.exhausted = b.exhausted - a.exhausted;
  }
};

}  // namespace gpta
