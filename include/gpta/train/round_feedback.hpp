// A round's record turned into what the strategy is told (the aggregate part of round_feedback):
// dev scores, losses, per-class rows and diagnostics, each diagnostic beside its previous value.
#pragma once

#include <optional>
#include <utility>

#include <gpta/core/feedback.hpp>
#include <gpta/core/records.hpp>

namespace gpta {

namespace detail {

/// The aggregate part of a round's feedback: the dev scores, losses, per-class rows and
/// diagnostics of `rec`, each diagnostic with its value in `previous` (the round before, if any).
[[nodiscard]] inline round_feedback feedback_for_round(const round_record& rec, const round_record* previous) {
  round_feedback fb;
  fb.round = rec.round;
  fb.incumbent = rec.prefix;
  fb.dev_score = rec.dev.score;
  if (previous) fb.previous_dev_score = previous->dev.score;
  fb.train_loss = rec.train_loss;
  fb.dev_loss = rec.dev.loss;
  fb.metric_name = rec.dev.metric;
  for (const auto& c : rec.dev.per_class) fb.per_class.push_back({c.label, c.f1});
  fb.breakdown = rec.dev.breakdown;
  for (const auto& d : rec.dev.diagnostics) {
    feedback_diagnostic f{d.name, d.value, std::nullopt};
    if (previous)
      for (const auto& p : previous->dev.diagnostics)
        if (p.name == d.name) f.previous = p.value;
    fb.diagnostics.push_back(std::move(f));
  }
  return fb;
}

}  // namespace detail

}  // namespace gpta
