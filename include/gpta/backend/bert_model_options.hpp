// What every backend BERT model (bert_encoder_model and its heads) is configured with and reads:
// the optimisation and dropout hyper-parameters, and a padded token batch without Eigen.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include <gpta/backend/host_device.hpp>
#include <gpta/nn/lr_schedule.hpp>

namespace gpta::backend {

/// The fields of gpta::bert_fine_tuning_options (and bert_student_options) that training reads
/// (see training_options_from in bert_from_student.hpp), same defaults and meaning.
struct bert_training_options {
  double learning_rate = 5e-5;  ///< peak of the warm-up/decay schedule
  double weight_decay = 0.01;   ///< only on tensors the host registered with decay (not biases, LayerNorm)
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 0;  ///< 0: no decay after warm-up
  double max_grad_norm = 1.0;    ///< 0: no clipping
  bool dropout = true;           ///< false: no dropout anywhere
  std::uint64_t seed = 0;        ///< dropout masks (keys as nn::dropout_context)

  /// std::invalid_argument naming `who` for values no optimiser step can use.
  void validate_training(const std::string& who) const {
    if (!(max_grad_norm >= 0)) throw std::invalid_argument(who + ": max_grad_norm must be >= 0");
    nn::linear_warmup_decay{learning_rate, warmup_steps, total_steps}.validate();
  }
};

/// A padded batch as the encoder reads it: the fields of nn::bert_batch, without Eigen.
struct token_batch_ref {
  index_t batch_size = 0;
  index_t seq_len = 0;
  std::span<const std::int32_t> input_ids;
  std::span<const std::int32_t> token_type_ids;
  std::span<const index_t> lengths;  ///< real tokens per sequence (right padding)
};

/// Any nn::bert_batch-like value as a token_batch_ref (no copy). The backends take the padded
/// layout only: a packed nn::bert_batch is refused.
template <class Batch>
[[nodiscard]] token_batch_ref batch_ref(const Batch& b) {
  if constexpr (requires { b.packed(); })
    if (b.packed())
      throw std::invalid_argument("gpta::backend: packed batches are not supported by the backend models; "
                                  "encode with nn::bert_layout::padded");
  return {static_cast<index_t>(b.batch_size), static_cast<index_t>(b.seq_len),
          std::span<const std::int32_t>(b.input_ids),
          std::span<const std::int32_t>(b.token_type_ids), std::span<const index_t>(b.lengths)};
}

}  // namespace gpta::backend
