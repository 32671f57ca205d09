// Candidate selection that is not a coin flip: probes compared example by example on the same dev
// subset (paired differences of the loss), with the acceptance margin derived from their spread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>

#include <gpta/eval/paired_statistics.hpp>

namespace gpta {

/// How a candidate probe is scored against the incumbent's.
enum class probe_scoring {
  /// Mean per-example dev-loss gain over the incumbent, accepted past z standard errors of the
  /// paired differences (and past trainer_options::accept_margin). The default: on a few dozen
  /// dev examples accuracy moves in steps of 1/n and its standard error (~6 points at 64) is
  /// larger than any plausible prefix effect, while the paired loss difference cancels what the
  /// two probes share (the same snapshot, batches and examples).
  paired_loss,
  /// Probe accuracy, accepted past trainer_options::accept_margin (the behaviour before paired
  /// probes; kept to measure how often its decisions flip).
  accuracy
};

/// Mean and standard error of gain_i = incumbent_i - candidate_i over paired losses (the paired t
/// analysis of eval/paired_statistics.hpp). With fewer than two examples the standard error is
/// 0, so only the floor margin applies; no examples: n = 0, mean 0.
[[nodiscard]] inline paired_difference paired_gain(std::span<const double> incumbent, std::span<const double> candidate) {
  if (incumbent.size() != candidate.size())
    throw std::invalid_argument("gpta::paired_gain: the two probes scored different numbers of examples");
  if (incumbent.empty()) return {};
  paired_difference d = paired_mean_difference(incumbent, candidate);
  if (d.n < 2) d.standard_error = 0.0;
  return d;
}

/// The gain a candidate must exceed: `z` standard errors (one-sided; 1.645 ~ 95%), at least
/// `floor` (the user's fixed margin).
[[nodiscard]] inline double acceptance_margin(const paired_difference& d, double z, double floor) noexcept {
  return std::max(floor, z * d.standard_error);
}

}  // namespace gpta
