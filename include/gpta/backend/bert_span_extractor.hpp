// A BERT encoder with a span-extraction head (SQuAD start/end logits, HF's "qa_outputs") whose
// tensors live in a backend's memory; forward, backward, clipping and AdamW run only through the
// backend kernels and `bert_gemm<Backend>`.
//
// No Eigen and no CUDA here: include gpta/backend/bert_model.hpp (Eigen products, CPP/OMP) or
// gpta/backend/bert_model.cuh (cuBLAS). The order of operations mirrors nn::bert_encoder +
// nn::span_extraction_head + bert_span_student::train_step, so losses stay close to the host
// student's and dropout masks are the host's, bit for bit.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gpta/backend/bert_encoder_model.hpp>
#include <gpta/backend/bert_model_kernels.hpp>
#include <gpta/backend/bert_model_options.hpp>
#include <gpta/backend/cross_entropy.hpp>
#include <gpta/backend/grad_clip.hpp>

namespace gpta::backend {

/// Start and end logits of a batch, row-major [batch_size x seq_len], in host memory; padded
/// positions hold the most negative float (as nn::span_extraction_head's).
struct bert_span_logits {
  std::vector<float> start, end;
  index_t batch_size = 0, seq_len = 0;

  [[nodiscard]] std::span<const float> start_row(index_t b) const {
    return {start.data() + b * seq_len, static_cast<std::size_t>(seq_len)};
  }
  [[nodiscard]] std::span<const float> end_row(index_t b) const {
    return {end.data() + b * seq_len, static_cast<std::size_t>(seq_len)};
  }
};

/// Loss of a batch: (CE(start) + CE(end)) / 2 over each sequence's real positions, averaged over the
/// sequences (nn::span_extraction_head::loss, HF's BertForQuestionAnswering).
template <class Backend>
class bert_span_extractor : public bert_encoder_model<Backend> {
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
  /// and "qa_outputs.weight" [2 x hidden] / "qa_outputs.bias" [1 x 2]) into backend memory.
  /// `config` is a gpta::bert_config. With options.dropout false no dropout is applied.
  template <class Config, class Params>
  bert_span_extractor(const Config& config, const Params& params, bert_training_options options, Backend be = {})
      : base(config, params, (options.validate_training("gpta::backend::bert_span_extractor"), options),
             "gpta::backend::bert_span_extractor", be),
        options_(std::move(options)) {
    weight_ = this->find_tensor(params, "qa_outputs.weight", 2, hidden_);
    bias_ = this->find_tensor(params, "qa_outputs.bias", 1, 2);
  }

  /// One AdamW step on `batch` towards the target positions (sequence positions, [CLS] = 0); the
  /// batch's loss before the update (bert_span_student::train_step on encoded windows).
  double train_step(const token_batch_ref& batch, std::span<const int> starts, std::span<const int> ends) {
    const double loss = compute_gradients(batch, starts, ends, 1.0);
    this->apply_gradients();
    return loss;
  }
  template <class Batch>
    requires(!std::same_as<Batch, token_batch_ref>)
  double train_step(const Batch& batch, std::span<const int> starts, std::span<const int> ends) {
    return train_step(batch_ref(batch), starts, ends);
  }

  /// Forward and backward only: the gradient of the batch's loss times `weight` in the backend's
  /// gradient buffer (data-parallel training sums it across processes in between).
  double compute_gradients(const token_batch_ref& batch, std::span<const int> starts, std::span<const int> ends,
                           double weight) {
    const std::string who = "gpta::backend::bert_span_extractor::train_step: ";
    if (static_cast<index_t>(starts.size()) != batch.batch_size || starts.size() != ends.size())
      throw std::invalid_argument(who + "one start and end per sequence");
    this->upload(batch);  // validates the lengths read below
    for (std::size_t b = 0; b < starts.size(); ++b)
      for (const int p : {starts[b], ends[b]})
        if (p < 0 || static_cast<index_t>(p) >= batch.lengths[b])
          throw std::invalid_argument(who + "target " + std::to_string(p) + " of sequence " + std::to_string(b) +
                                      " outside [0, " + std::to_string(batch.lengths[b]) + ")");
    starts_.assign(starts.begin(), starts.end());
    ends_.assign(ends.begin(), ends.end());
    const bool train = options_.dropout;
    this->zero_gradients();
    forward(train);
    const index_t B = batch_, L = seq_;
    ensure(d_start_, B * L);
    ensure(d_end_, B * L);
    const double ls =
        softmax_cross_entropy_rows(be_, mat(start_, B, L), view(starts_), view(lengths_), mat(d_start_, B, L));
    const double le = softmax_cross_entropy_rows(be_, mat(end_, B, L), view(ends_), view(lengths_), mat(d_end_, B, L));
    scale(be_, view(d_start_), 0.5f);
    scale(be_, view(d_end_), 0.5f);
    if (weight != 1.0) {
      scale(be_, view(d_start_), static_cast<float>(weight));
      scale(be_, view(d_end_), static_cast<float>(weight));
    }
    backward(train);
    return 0.5 * (ls + le);
  }

  /// Start/end logits, inference mode (no dropout), copied to the host.
  [[nodiscard]] bert_span_logits logits(const token_batch_ref& batch) {
    this->upload(batch);
    forward(false);
    return {base::to_host(start_), base::to_host(end_), batch_, seq_};
  }
  template <class Batch>
    requires(!std::same_as<Batch, token_batch_ref>)
  [[nodiscard]] bert_span_logits logits(const Batch& batch) {
    return logits(batch_ref(batch));
  }

  [[nodiscard]] const bert_training_options& options() const noexcept { return options_; }

 private:
  // nn::span_extraction_head::forward: one [2 x H] product over every token, then split.
  void forward(bool train) {
    this->encoder_forward(train);
    const index_t T = tokens_;
    ensure(token_logits_, T * 2);
    ensure(start_, T);
    ensure(end_, T);
    this->linear_forward(this->encoder_output(), weight_, bias_, mat(token_logits_, T, 2));
    span_logits_split(be_, mat(token_logits_, T, 2), view(lengths_), mat(start_, batch_, seq_),
                      mat(end_, batch_, seq_));
  }

  // nn::span_extraction_head::backward, then the encoder.
  void backward(bool train) {
    const index_t T = tokens_, H = hidden_;
    ensure(d_token_logits_, T * 2);
    ensure(d_hidden_, T * H);
    span_logits_merge(be_, mat(d_start_, batch_, seq_), mat(d_end_, batch_, seq_), view(lengths_),
                      mat(d_token_logits_, T, 2));
    this->linear_backward_params(this->encoder_output(), mat(d_token_logits_, T, 2), weight_, bias_);
    this->linear_backward_input(mat(d_token_logits_, T, 2), weight_, mat(d_hidden_, T, H), false);
    this->encoder_backward(train);
  }

  bert_training_options options_;
  tensor weight_, bias_;
  vector<int> starts_, ends_;
  vector<float> token_logits_, start_, end_, d_start_, d_end_, d_token_logits_;
};

}  // namespace gpta::backend
