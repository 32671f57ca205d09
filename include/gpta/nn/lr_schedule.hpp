// Learning-rate schedule for fine-tuning pretrained encoders: linear warm-up, then linear decay.
// What BERT fine-tuning recipes use (HF's get_linear_schedule_with_warmup), as a pure function of the step.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace gpta::nn {

/// lr(step) for optimiser steps 1, 2, ...: rises linearly from peak/warmup to `peak` over
/// `warmup_steps`, then falls linearly to 0 at `total_steps`. total_steps == 0 means no decay
/// (constant after warm-up): GPTA rounds often do not know their total step count in advance.
struct linear_warmup_decay {
  double peak = 5e-5;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 0;

  void validate() const {
    if (!(peak >= 0)) throw std::invalid_argument("gpta::nn::linear_warmup_decay: peak must be >= 0");
    if (warmup_steps < 0 || total_steps < 0)
      throw std::invalid_argument("gpta::nn::linear_warmup_decay: step counts must be >= 0");
    if (total_steps > 0 && warmup_steps > total_steps)
      throw std::invalid_argument("gpta::nn::linear_warmup_decay: warmup_steps " + std::to_string(warmup_steps) +
                                  " exceeds total_steps " + std::to_string(total_steps));
  }

  /// Rate for the `step`-th update (1-based, as AdamW counts); steps past total_steps get 0.
  [[nodiscard]] double operator()(std::int64_t step) const {
    if (step <= 0) step = 1;
    if (warmup_steps > 0 && step <= warmup_steps)
      return peak * static_cast<double>(step) / static_cast<double>(warmup_steps);
    if (total_steps == 0) return peak;
    if (step >= total_steps) return 0.0;
    return peak * static_cast<double>(total_steps - step) / static_cast<double>(total_steps - warmup_steps);
  }
};

}  // namespace gpta::nn
