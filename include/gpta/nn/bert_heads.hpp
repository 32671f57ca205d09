// Task heads on top of a BERT-family encoder: sequence classification, span extraction (SQuAD) and
// multiple choice (RACE), each with its loss and backward pass into the encoder's last hidden state.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <gpta/nn/bert_batch.hpp>
#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/bert_parameters.hpp>

namespace gpta::nn {

/// How one vector per sequence is taken from the token states: the [CLS] row or the mean of the
/// real tokens (what sentence-transformers trained all-MiniLM-L6-v2 with).
enum class bert_pooling { cls, mean };

/// Dropout sites of heads sit far above the encoder's (which uses 0 .. 4 x layers).
inline constexpr std::uint64_t head_dropout_site = 1u << 20;

template <class Scalar>
void pool_forward(const row_matrix<Scalar>& hidden, const bert_batch& batch, bert_pooling mode,
                  row_matrix<Scalar>& pooled) {
  ensure_shape(pooled, batch.batch_size, hidden.cols());
  for (Eigen::Index b = 0; b < batch.batch_size; ++b) {
    const Eigen::Index n = batch.lengths[static_cast<std::size_t>(b)];
    if (mode == bert_pooling::cls)
      pooled.row(b) = hidden.row(batch.row(b, 0));
    else
      pooled.row(b) = hidden.middleRows(batch.row(b, 0), n).colwise().sum() / static_cast<Scalar>(n);
  }
}

/// d_hidden is overwritten: zero except at the rows the pooling read.
template <class Scalar>
void pool_backward(const row_matrix<Scalar>& d_pooled, const bert_batch& batch, bert_pooling mode,
                   row_matrix<Scalar>& d_hidden) {
  ensure_shape(d_hidden, batch.tokens(), d_pooled.cols());
  d_hidden.setZero();
  for (Eigen::Index b = 0; b < batch.batch_size; ++b) {
    const Eigen::Index n = batch.lengths[static_cast<std::size_t>(b)];
    if (mode == bert_pooling::cls)
      d_hidden.row(batch.row(b, 0)) = d_pooled.row(b);
    else
      d_hidden.middleRows(batch.row(b, 0), n).rowwise() = d_pooled.row(b) / static_cast<Scalar>(n);
  }
}

/// Mean over rows of -log softmax(logits[r, :valid[r]])[target[r]]; writes the gradient of that
/// mean into d_logits (zero in excluded columns) when d_logits is not null. `valid` empty = all.
template <class Scalar>
double softmax_cross_entropy_rows(const row_matrix<Scalar>& logits, std::span<const int> targets,
                                  row_matrix<Scalar>* d_logits, std::span<const Eigen::Index> valid = {}) {
  const Eigen::Index rows = logits.rows(), cols = logits.cols();
  if (static_cast<Eigen::Index>(targets.size()) != rows || (!valid.empty() && static_cast<Eigen::Index>(valid.size()) != rows))
    throw std::invalid_argument("gpta::nn::softmax_cross_entropy_rows: one target (and valid count) per row");
  if (d_logits) {
    ensure_shape(*d_logits, rows, cols);
    d_logits->setZero();
  }
  double total = 0;
  for (Eigen::Index r = 0; r < rows; ++r) {
    const Eigen::Index n = valid.empty() ? cols : valid[static_cast<std::size_t>(r)];
    const int t = targets[static_cast<std::size_t>(r)];
    if (n <= 0 || n > cols || t < 0 || t >= n)
      throw std::invalid_argument("gpta::nn::softmax_cross_entropy_rows: target " + std::to_string(t) + " of row " +
                                  std::to_string(r) + " outside [0, " + std::to_string(n) + ")");
    const auto z = logits.row(r).head(n).array();
    const Scalar mx = z.maxCoeff();
    const Scalar lse = mx + std::log((z - mx).exp().sum());
    total += static_cast<double>(lse - z(t));
    if (d_logits) {
      auto d = d_logits->row(r).head(n).array();
      d = (z - lse).exp() / static_cast<Scalar>(rows);
      d(t) -= Scalar(1) / static_cast<Scalar>(rows);
    }
  }
  return rows == 0 ? 0.0 : total / static_cast<double>(rows);
}

/// pooled -> dropout -> linear [labels x hidden] (HF's "classifier" names, so fine-tuned
/// BertForSequenceClassification checkpoints load). logits are [batch x labels].
template <class Scalar>
class sequence_classification_head {
 public:
  struct workspace {
    row_matrix<Scalar> pooled, dropped, logits, d_pooled;
  };

  sequence_classification_head() = default;
  sequence_classification_head(parameter_store<Scalar>& params, Eigen::Index hidden, Eigen::Index num_labels,
                               bert_pooling pooling, double dropout, const std::string& prefix = "classifier")
      : pooling_(pooling), dropout_(dropout) {
    if (num_labels < 1) throw std::invalid_argument("gpta::nn::sequence_classification_head: num_labels must be >= 1");
    (void)dropout_threshold(dropout);
    weight_ = params.add(prefix + ".weight", num_labels, hidden, true);
    bias_ = params.add(prefix + ".bias", 1, num_labels, false);
  }

  [[nodiscard]] Eigen::Index num_labels(const parameter_store<Scalar>& params) const {
    return params.slot(weight_).rows;
  }
  [[nodiscard]] bert_pooling pooling() const noexcept { return pooling_; }

  void forward(const row_matrix<Scalar>& hidden, const bert_batch& batch, const parameter_store<Scalar>& params,
               const dropout_context& dropout, workspace& ws) const {
    pool_forward(hidden, batch, pooling_, ws.pooled);
    ws.dropped = ws.pooled;
    if (dropout.training && dropout_ > 0) dropout_apply<Scalar>(ws.dropped, dropout_, dropout.site_key(head_dropout_site));
    ensure_shape(ws.logits, batch.batch_size, params.slot(weight_).rows);
    linear_forward<Scalar>(ws.dropped, params.value(weight_), params.value(bias_), ws.logits);
  }

  /// Accumulates the head's parameter gradients; overwrites d_hidden [tokens x hidden].
  void backward(const bert_batch& batch, parameter_store<Scalar>& params, const dropout_context& dropout,
                workspace& ws, const row_matrix<Scalar>& d_logits, row_matrix<Scalar>& d_hidden) const {
    linear_backward_params<Scalar>(ws.dropped, d_logits, params.grad(weight_), params.grad(bias_));
    ensure_shape(ws.d_pooled, batch.batch_size, ws.dropped.cols());
    linear_backward_input<Scalar>(d_logits, params.value(weight_), ws.d_pooled, false);
    if (dropout.training && dropout_ > 0) dropout_apply<Scalar>(ws.d_pooled, dropout_, dropout.site_key(head_dropout_site));
    pool_backward(ws.d_pooled, batch, pooling_, d_hidden);
  }

 private:
  bert_pooling pooling_ = bert_pooling::mean;
  double dropout_ = 0.1;
  std::size_t weight_ = 0, bias_ = 0;
};

/// Per-token start/end logits from one linear [2 x hidden] ("qa_outputs", as HF's
/// BertForQuestionAnswering). start/end are [batch x seq_len]; padded positions never win.
template <class Scalar>
class span_extraction_head {
 public:
  struct workspace {
    row_matrix<Scalar> token_logits, start_logits, end_logits, d_token_logits;
  };

  span_extraction_head() = default;
  span_extraction_head(parameter_store<Scalar>& params, Eigen::Index hidden, const std::string& prefix = "qa_outputs") {
    weight_ = params.add(prefix + ".weight", 2, hidden, true);
    bias_ = params.add(prefix + ".bias", 1, 2, false);
  }

  void forward(const row_matrix<Scalar>& hidden, const bert_batch& batch, const parameter_store<Scalar>& params,
               workspace& ws) const {
    ensure_shape(ws.token_logits, batch.tokens(), 2);
    linear_forward<Scalar>(hidden, params.value(weight_), params.value(bias_), ws.token_logits);
    ensure_shape(ws.start_logits, batch.batch_size, batch.seq_len);
    ensure_shape(ws.end_logits, batch.batch_size, batch.seq_len);
    const Scalar masked = std::numeric_limits<Scalar>::lowest();
    for (Eigen::Index b = 0; b < batch.batch_size; ++b)
      for (Eigen::Index l = 0; l < batch.seq_len; ++l) {
        const bool real = l < batch.lengths[static_cast<std::size_t>(b)];
        ws.start_logits(b, l) = real ? ws.token_logits(batch.row(b, l), 0) : masked;
        ws.end_logits(b, l) = real ? ws.token_logits(batch.row(b, l), 1) : masked;
      }
  }

  /// (CE(start) + CE(end)) / 2, averaged over the batch, as HF computes it; fills the gradients
  /// wrt start/end logits when the pointers are set.
  [[nodiscard]] static double loss(const bert_batch& batch, const workspace& ws, std::span<const int> start,
                                   std::span<const int> end, row_matrix<Scalar>* d_start, row_matrix<Scalar>* d_end) {
    const double ls = softmax_cross_entropy_rows<Scalar>(ws.start_logits, start, d_start, batch.lengths);
    const double le = softmax_cross_entropy_rows<Scalar>(ws.end_logits, end, d_end, batch.lengths);
    if (d_start) *d_start *= Scalar(0.5);
    if (d_end) *d_end *= Scalar(0.5);
    return 0.5 * (ls + le);
  }

  void backward(const row_matrix<Scalar>& hidden, const bert_batch& batch, parameter_store<Scalar>& params,
                workspace& ws, const row_matrix<Scalar>& d_start, const row_matrix<Scalar>& d_end,
                row_matrix<Scalar>& d_hidden) const {
    ensure_shape(ws.d_token_logits, batch.tokens(), 2);
    ws.d_token_logits.setZero();
    for (Eigen::Index b = 0; b < batch.batch_size; ++b)
      for (Eigen::Index l = 0; l < batch.lengths[static_cast<std::size_t>(b)]; ++l) {
        ws.d_token_logits(batch.row(b, l), 0) = d_start(b, l);
        ws.d_token_logits(batch.row(b, l), 1) = d_end(b, l);
      }
    linear_backward_params<Scalar>(hidden, ws.d_token_logits, params.grad(weight_), params.grad(bias_));
    ensure_shape(d_hidden, batch.tokens(), hidden.cols());
    linear_backward_input<Scalar>(ws.d_token_logits, params.value(weight_), d_hidden, false);
  }

 private:
  std::size_t weight_ = 0, bias_ = 0;
};

/// One score per option: each option is its own sequence (example e, option c -> sequence
/// e * options + c), pooled -> dropout -> linear [1 x hidden]; softmax over an example's options.
/// scores are [examples x options].
template <class Scalar>
class multiple_choice_head {
 public:
  struct workspace {
    row_matrix<Scalar> pooled, dropped, option_scores, scores, d_option_scores, d_pooled;
  };

  multiple_choice_head() = default;
  multiple_choice_head(parameter_store<Scalar>& params, Eigen::Index hidden, Eigen::Index options,
                       bert_pooling pooling, double dropout, const std::string& prefix = "classifier")
      : options_(options), pooling_(pooling), dropout_(dropout) {
    if (options < 2) throw std::invalid_argument("gpta::nn::multiple_choice_head: need at least 2 options");
    (void)dropout_threshold(dropout);
    weight_ = params.add(prefix + ".weight", 1, hidden, true);
    bias_ = params.add(prefix + ".bias", 1, 1, false);
  }

  [[nodiscard]] Eigen::Index options() const noexcept { return options_; }

  void forward(const row_matrix<Scalar>& hidden, const bert_batch& batch, const parameter_store<Scalar>& params,
               const dropout_context& dropout, workspace& ws) const {
    if (batch.batch_size % options_ != 0)
      throw std::invalid_argument("gpta::nn::multiple_choice_head: batch of " + std::to_string(batch.batch_size) +
                                  " sequences is not a multiple of " + std::to_string(options_) + " options");
    pool_forward(hidden, batch, pooling_, ws.pooled);
    ws.dropped = ws.pooled;
    if (dropout.training && dropout_ > 0) dropout_apply<Scalar>(ws.dropped, dropout_, dropout.site_key(head_dropout_site));
    ensure_shape(ws.option_scores, batch.batch_size, 1);
    linear_forward<Scalar>(ws.dropped, params.value(weight_), params.value(bias_), ws.option_scores);
    ws.scores = Eigen::Map<const row_matrix<Scalar>>(ws.option_scores.data(), batch.batch_size / options_, options_);
  }

  void backward(const bert_batch& batch, parameter_store<Scalar>& params, const dropout_context& dropout,
                workspace& ws, const row_matrix<Scalar>& d_scores, row_matrix<Scalar>& d_hidden) const {
    ws.d_option_scores = Eigen::Map<const row_matrix<Scalar>>(d_scores.data(), batch.batch_size, 1);
    linear_backward_params<Scalar>(ws.dropped, ws.d_option_scores, params.grad(weight_), params.grad(bias_));
    ensure_shape(ws.d_pooled, batch.batch_size, ws.dropped.cols());
    linear_backward_input<Scalar>(ws.d_option_scores, params.value(weight_), ws.d_pooled, false);
    if (dropout.training && dropout_ > 0) dropout_apply<Scalar>(ws.d_pooled, dropout_, dropout.site_key(head_dropout_site));
    pool_backward(ws.d_pooled, batch, pooling_, d_hidden);
  }

 private:
  Eigen::Index options_ = 4;
  bert_pooling pooling_ = bert_pooling::mean;
  double dropout_ = 0.1;
  std::size_t weight_ = 0, bias_ = 0;
};

}  // namespace gpta::nn
