// What bert_classifier<Backend> is configured with and reads: its hyper-parameters and a padded
// token batch without Eigen (any nn::bert_batch-like value through batch_ref).
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include <gpta/backend/bert_model_kernels.hpp>
#include <gpta/backend/host_device.hpp>
#include <gpta/nn/lr_schedule.hpp>

namespace gpta::backend {

/// Hyper-parameters: the fields of gpta::bert_student_options that training reads (see
/// classifier_options_from in bert_model.hpp), same defaults and meaning.
struct bert_classifier_options {
  std::size_t num_labels = 2;
  bert_pooling_mode pooling = bert_pooling_mode::mean;
  double learning_rate = 5e-5;  ///< peak of the warm-up/decay schedule
  double weight_decay = 0.01;   ///< only on tensors the host registered with decay (not biases, LayerNorm)
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 0;  ///< 0: no decay after warm-up
  double max_grad_norm = 1.0;    ///< 0: no clipping
  double classifier_dropout = 0.1;
  bool dropout = true;     ///< false: no dropout anywhere
  std::uint64_t seed = 0;  ///< dropout masks (keys as nn::dropout_context)

  void validate() const {
    auto bad = [](const std::string& what) { throw std::invalid_argument("gpta::backend::bert_classifier: " + what); };
    if (num_labels < 2) bad("num_labels must be >= 2");
    if (!(max_grad_norm >= 0)) bad("max_grad_norm must be >= 0");
    if (!(classifier_dropout >= 0 && classifier_dropout < 1)) bad("classifier_dropout must be in [0, 1)");
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

/// Any nn::bert_batch-like value as a token_batch_ref (no copy).
template <class Batch>
[[nodiscard]] token_batch_ref batch_ref(const Batch& b) {
  return {static_cast<index_t>(b.batch_size), static_cast<index_t>(b.seq_len),
          std::span<const std::int32_t>(b.input_ids),
          std::span<const std::int32_t>(b.token_type_ids), std::span<const index_t>(b.lengths)};
}

}  // namespace gpta::backend
