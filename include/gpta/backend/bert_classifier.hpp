// A BERT encoder with a sequence-classification head whose tensors live in a backend's memory and
// whose forward, backward, clipping and AdamW run only through the backend kernels and matrix products.
//
// This header has no Eigen and no CUDA: the matrix products come from `bert_gemm<Backend>`, which
// gpta/backend/bert_model.hpp (Eigen, host-readable systems) or gpta/backend/bert_model.cuh
// (cuBLAS, CUDA) defines. Include one of those, not this header. The order of operations mirrors
// nn::bert_encoder + nn::sequence_classification_head + basic_bert_student::train_step, so float
// results stay close to the host student and dropout masks are the host's, bit for bit. The
// encoder and the optimiser are bert_encoder_model (bert_encoder_model.hpp), shared with the span head.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gpta/backend/bert_classifier_options.hpp>
#include <gpta/backend/bert_encoder_model.hpp>
#include <gpta/backend/cross_entropy.hpp>

namespace gpta::backend {

/// Dropout site of the classification head: nn::head_dropout_site.
inline constexpr std::uint64_t bert_head_dropout_site = std::uint64_t{1} << 20;

template <class Backend>
class bert_classifier : public bert_encoder_model<Backend> {
  using base = bert_encoder_model<Backend>;
  using typename base::tensor;
  using base::be_, base::batch_, base::seq_, base::tokens_, base::hidden_, base::lengths_, base::d_hidden_;
  using base::ensure, base::mat, base::view;

 public:
  using typename base::backend_type;
  using typename base::scalar_type;
  using typename base::state_type;
  template <class T>
  using vector = typename Backend::template vector<T>;

  /// Copies `params` (an nn::parameter_store<float> holding the encoder under its checkpoint names
  /// and "classifier.weight"/"classifier.bias") into backend memory. `config` is a gpta::bert_config.
  /// With options.dropout false no dropout is applied, whatever the config says (as the student).
  template <class Config, class Params>
  bert_classifier(const Config& config, const Params& params, bert_classifier_options options, Backend be = {})
      : base(config, params, (options.validate(), options), "gpta::backend::bert_classifier", be),
        options_(std::move(options)) {
    p_head_ = options_.dropout ? options_.classifier_dropout : 0.0;
    (void)dropout_threshold(p_head_);
    labels_ = static_cast<index_t>(options_.num_labels);
    head_weight_ = this->find_tensor(params, "classifier.weight", labels_, hidden_);
    head_bias_ = this->find_tensor(params, "classifier.bias", 1, labels_);
  }

  /// One AdamW step on `batch`; the batch's mean loss before the update (basic_bert_student::train_step).
  double train_step(const token_batch_ref& batch, std::span<const int> labels) {
    const double loss = compute_gradients(batch, labels, 1.0);
    this->apply_gradients();
    return loss;
  }

  /// Forward and backward only: the gradient of the batch's mean loss times `weight` in the
  /// backend's gradient buffer (data-parallel training sums it across processes in between).
  double compute_gradients(const token_batch_ref& batch, std::span<const int> labels, double weight) {
    if (static_cast<index_t>(labels.size()) != batch.batch_size)
      throw std::invalid_argument("gpta::backend::bert_classifier::train_step: one label per sequence");
    for (int y : labels)
      if (y < 0 || static_cast<index_t>(y) >= labels_)
        throw std::invalid_argument("gpta::backend::bert_classifier::train_step: label " + std::to_string(y) +
                                    " outside [0, " + std::to_string(labels_) + ")");
    this->upload(batch);
    targets_.assign(labels.begin(), labels.end());
    const bool train = options_.dropout;
    this->zero_gradients();
    forward(train);
    ensure(d_logits_, batch_ * labels_);
    const double loss = softmax_cross_entropy_rows(be_, mat(logits_, batch_, labels_), view(targets_), {},
                                                   mat(d_logits_, batch_, labels_));
    if (weight != 1.0) scale(be_, view(d_logits_), static_cast<float>(weight));
    backward(train);
    return loss;
  }

  /// The same step on an nn::bert_batch (or any type with its fields).
  template <class Batch>
    requires(!std::same_as<Batch, token_batch_ref>)
  double train_step(const Batch& batch, std::span<const int> labels) {
    return train_step(batch_ref(batch), labels);
  }

  /// Logits [sequences x labels], row-major, inference mode (no dropout), copied to the host.
  [[nodiscard]] std::vector<float> logits(const token_batch_ref& batch) {
    this->upload(batch);
    forward(false);
    return base::to_host(logits_);
  }
  template <class Batch>
    requires(!std::same_as<Batch, token_batch_ref>)
  [[nodiscard]] std::vector<float> logits(const Batch& batch) {
    return logits(batch_ref(batch));
  }

  [[nodiscard]] const bert_classifier_options& options() const noexcept { return options_; }

 private:
  void forward(bool train) {
    this->encoder_forward(train);
    // Head: pooled -> dropout -> linear (nn::sequence_classification_head::forward).
    const index_t H = hidden_;
    ensure(pooled_, batch_ * H);
    ensure(dropped_, batch_ * H);
    ensure(logits_, batch_ * labels_);
    pool_forward(be_, this->encoder_output(), view(lengths_), seq_, options_.pooling, mat(pooled_, batch_, H));
    copy_values(be_, view(pooled_), view(dropped_));
    if (train && p_head_ > 0)
      dropout_apply(be_, mat(dropped_, batch_, H), p_head_, this->site_key(bert_head_dropout_site));
    this->linear_forward(mat(dropped_, batch_, H), head_weight_, head_bias_, mat(logits_, batch_, labels_));
  }

  void backward(bool train) {
    const index_t T = tokens_, H = hidden_, B = batch_;
    // Head (nn::sequence_classification_head::backward).
    ensure(d_pooled_, B * H);
    ensure(d_hidden_, T * H);
    this->linear_backward_params(mat(dropped_, B, H), mat(d_logits_, B, labels_), head_weight_, head_bias_);
    this->linear_backward_input(mat(d_logits_, B, labels_), head_weight_, mat(d_pooled_, B, H), false);
    if (train && p_head_ > 0)
      dropout_apply(be_, mat(d_pooled_, B, H), p_head_, this->site_key(bert_head_dropout_site));
    pool_backward(be_, mat(d_pooled_, B, H), view(lengths_), seq_, options_.pooling, mat(d_hidden_, T, H));
    this->encoder_backward(train);
  }

  bert_classifier_options options_;
  index_t labels_ = 0;
  double p_head_ = 0;
  tensor head_weight_, head_bias_;
  vector<int> targets_;
  vector<float> pooled_, dropped_, logits_, d_logits_, d_pooled_;
};

}  // namespace gpta::backend
