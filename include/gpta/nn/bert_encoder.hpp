// BERT-family encoder (embeddings, N x [self-attention, FFN] with post-LayerNorm) forward and backward.
// Parameters live in a parameter_store under the checkpoint's names; activations are [tokens x hidden].
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <gpta/nn/bert_batch.hpp>
#include <gpta/nn/bert_config.hpp>
#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/bert_parameters.hpp>

namespace gpta::nn {

/// What one layer's backward pass needs from its forward pass. In inference only one of these
/// exists and is overwritten layer after layer.
template <class Scalar>
struct bert_layer_activations {
  row_matrix<Scalar> qkv;        ///< [T x 3H] fused query | key | value
  row_matrix<Scalar> probs;      ///< [B*heads*L x L] softmax(QK^T) per (sequence, head), valid n x n corner
  row_matrix<Scalar> context;    ///< [T x H] attention output before the output dense
  row_matrix<Scalar> attn_sum;   ///< [T x H] dense(context) + input (LayerNorm input)
  row_matrix<Scalar> ln1_hat;    ///< [T x H]
  row_matrix<Scalar> h1;         ///< [T x H] after the attention block
  row_matrix<Scalar> ffn_pre;    ///< [T x I] before GELU
  row_matrix<Scalar> ffn_act;    ///< [T x I] after GELU
  row_matrix<Scalar> ffn_sum;    ///< [T x H] dense(ffn_act) + h1
  row_matrix<Scalar> ln2_hat;    ///< [T x H]
  row_matrix<Scalar> out;        ///< [T x H] layer output
  column_vector<Scalar> ln1_rstd, ln2_rstd;
};

/// Forward activations plus backward scratch, reused across steps (no reallocation when shapes repeat).
template <class Scalar>
struct bert_encoder_workspace {
  row_matrix<Scalar> embed_sum, embed_hat, embed_out;
  column_vector<Scalar> embed_rstd;
  std::vector<bert_layer_activations<Scalar>> layers;
  bool kept_activations = false;
  // backward scratch
  row_matrix<Scalar> d_a, d_b, d_c, d_ctx, d_qkv, d_ffn;

  /// The encoder's last hidden state [tokens x hidden] of the latest forward pass.
  [[nodiscard]] const row_matrix<Scalar>& output() const {
    return layers.empty() ? embed_out : (kept_activations ? layers.back().out : layers.front().out);
  }
};

/// Slot ids of one transformer layer. Query/key/value weights (and biases) are registered back to
/// back so one [3H x H] GEMM computes all three.
struct bert_layer_slots {
  std::size_t qkv_weight, qkv_bias, attn_out_weight, attn_out_bias, ln1_gain, ln1_bias;
  std::size_t ffn_in_weight, ffn_in_bias, ffn_out_weight, ffn_out_bias, ln2_gain, ln2_bias;
};

template <class Scalar>
class bert_encoder {
 public:
  using scalar_type = Scalar;

  bert_encoder() = default;

  /// Registers every encoder tensor in `params` under its checkpoint name (no "bert." prefix).
  bert_encoder(const gpta::bert_config& config, parameter_store<Scalar>& params) : config_(config) {
    hidden_ = static_cast<Eigen::Index>(config.hidden_size);
    heads_ = static_cast<Eigen::Index>(config.num_attention_heads);
    inter_ = static_cast<Eigen::Index>(config.intermediate_size);
    vocab_ = static_cast<Eigen::Index>(config.vocab_size);
    positions_ = static_cast<Eigen::Index>(config.max_position_embeddings);
    types_ = static_cast<Eigen::Index>(config.type_vocab_size);
    const char* who = "gpta::nn::bert_encoder: ";
    if (hidden_ <= 0 || heads_ <= 0 || inter_ <= 0 || vocab_ <= 0 || positions_ <= 0 || types_ <= 0 ||
        config.num_hidden_layers == 0)
      throw std::invalid_argument(std::string(who) + "every size in the config must be positive");
    if (hidden_ % heads_ != 0)
      throw std::invalid_argument(std::string(who) + "hidden_size " + std::to_string(hidden_) +
                                  " is not a multiple of num_attention_heads " + std::to_string(heads_));
    if (config.hidden_act != "gelu")
      throw std::invalid_argument(std::string(who) + "hidden_act '" + config.hidden_act +
                                  "' is not supported (only BERT's erf \"gelu\")");
    if (!(config.layer_norm_eps > 0)) throw std::invalid_argument(std::string(who) + "layer_norm_eps must be > 0");
    word_ = params.add("embeddings.word_embeddings.weight", vocab_, hidden_, true);
    position_ = params.add("embeddings.position_embeddings.weight", positions_, hidden_, true);
    type_ = params.add("embeddings.token_type_embeddings.weight", types_, hidden_, true);
    embed_ln_gain_ = params.add("embeddings.LayerNorm.weight", 1, hidden_, false);
    embed_ln_bias_ = params.add("embeddings.LayerNorm.bias", 1, hidden_, false);
    for (std::size_t l = 0; l < config.num_hidden_layers; ++l) {
      const std::string p = "encoder.layer." + std::to_string(l) + ".";
      bert_layer_slots s{};
      s.qkv_weight = params.add(p + "attention.self.query.weight", hidden_, hidden_, true);
      params.add(p + "attention.self.key.weight", hidden_, hidden_, true);
      params.add(p + "attention.self.value.weight", hidden_, hidden_, true);
      s.qkv_bias = params.add(p + "attention.self.query.bias", 1, hidden_, false);
      params.add(p + "attention.self.key.bias", 1, hidden_, false);
      params.add(p + "attention.self.value.bias", 1, hidden_, false);
      s.attn_out_weight = params.add(p + "attention.output.dense.weight", hidden_, hidden_, true);
      s.attn_out_bias = params.add(p + "attention.output.dense.bias", 1, hidden_, false);
      s.ln1_gain = params.add(p + "attention.output.LayerNorm.weight", 1, hidden_, false);
      s.ln1_bias = params.add(p + "attention.output.LayerNorm.bias", 1, hidden_, false);
      s.ffn_in_weight = params.add(p + "intermediate.dense.weight", inter_, hidden_, true);
      s.ffn_in_bias = params.add(p + "intermediate.dense.bias", 1, inter_, false);
      s.ffn_out_weight = params.add(p + "output.dense.weight", hidden_, inter_, true);
      s.ffn_out_bias = params.add(p + "output.dense.bias", 1, hidden_, false);
      s.ln2_gain = params.add(p + "output.LayerNorm.weight", 1, hidden_, false);
      s.ln2_bias = params.add(p + "output.LayerNorm.bias", 1, hidden_, false);
      layers_.push_back(s);
    }
  }

  [[nodiscard]] const gpta::bert_config& config() const noexcept { return config_; }
  [[nodiscard]] Eigen::Index hidden_size() const noexcept { return hidden_; }
  [[nodiscard]] std::size_t num_layers() const noexcept { return layers_.size(); }

  /// Multiply-adds x 2 of one forward pass over `batch` (GEMMs only: what GFLOP/s figures count).
  [[nodiscard]] double forward_flops(const bert_batch& batch) const {
    const double t = static_cast<double>(batch.tokens()), h = static_cast<double>(hidden_),
                 i = static_cast<double>(inter_);
    double attn = 0;
    for (Eigen::Index n : batch.lengths) attn += 2.0 * 2.0 * static_cast<double>(n * n) * h;  // QK^T and PV
    return static_cast<double>(layers_.size()) * (2.0 * t * (4.0 * h * h + 2.0 * h * i) + attn);
  }

  /// Runs the encoder; the last hidden state is `ws.output()`. Dropout is active iff
  /// `dropout.training`. `keep_activations` keeps every layer's activations for backward().
  void forward(const bert_batch& batch, const parameter_store<Scalar>& params, const dropout_context& dropout,
               bert_encoder_workspace<Scalar>& ws, bool keep_activations) const {
    validate(batch);
    const Eigen::Index T = batch.tokens(), H = hidden_;
    const bool train = dropout.training;
    const double p_hidden = train ? config_.hidden_dropout_prob : 0.0;
    ws.kept_activations = keep_activations;
    ws.layers.resize(keep_activations ? layers_.size() : 1);

    ensure_shape(ws.embed_sum, T, H);
    ensure_shape(ws.embed_hat, T, H);
    ensure_shape(ws.embed_out, T, H);
    ws.embed_rstd.resize(T);
    const auto word = params.value(word_), pos = params.value(position_), type = params.value(type_);
    const std::vector<std::int32_t> position = batch.positions();
    GPTA_BERT_PARALLEL_FOR(T * H)
    for (Eigen::Index t = 0; t < T; ++t) {
      const auto idx = static_cast<std::size_t>(t);
      ws.embed_sum.row(t) = word.row(batch.input_ids[idx]) + pos.row(position[idx]) + type.row(batch.token_type_ids[idx]);
    }
    layer_norm_forward<Scalar>(ws.embed_sum, params.value(embed_ln_gain_), params.value(embed_ln_bias_),
                               config_.layer_norm_eps, ws.embed_out, ws.embed_hat, ws.embed_rstd);
    if (p_hidden > 0) hidden_dropout(batch, ws.embed_out, p_hidden, dropout.site_key(0));

    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const bert_layer_slots& s = layers_[l];
      auto& a = ws.layers[keep_activations ? l : 0];
      const row_matrix<Scalar>& x = l == 0 ? ws.embed_out : ws.layers[keep_activations ? l - 1 : 0].out;
      ensure_shape(a.qkv, T, 3 * H);
      linear_forward<Scalar>(x, params.fused_value(s.qkv_weight, 3), bias_view(params, s.qkv_bias, 3 * H), a.qkv);
      attention_forward(batch, a, train ? config_.attention_probs_dropout_prob : 0.0, dropout.site_key(1 + 4 * l));

      ensure_shape(a.attn_sum, T, H);
      linear_forward<Scalar>(a.context, params.value(s.attn_out_weight), params.value(s.attn_out_bias), a.attn_sum);
      if (p_hidden > 0) hidden_dropout(batch, a.attn_sum, p_hidden, dropout.site_key(2 + 4 * l));
      a.attn_sum += x;
      ensure_shape(a.ln1_hat, T, H);
      ensure_shape(a.h1, T, H);
      a.ln1_rstd.resize(T);
      layer_norm_forward<Scalar>(a.attn_sum, params.value(s.ln1_gain), params.value(s.ln1_bias),
                                 config_.layer_norm_eps, a.h1, a.ln1_hat, a.ln1_rstd);

      ensure_shape(a.ffn_pre, T, inter_);
      ensure_shape(a.ffn_act, T, inter_);
      linear_forward<Scalar>(a.h1, params.value(s.ffn_in_weight), params.value(s.ffn_in_bias), a.ffn_pre);
      gelu_forward<Scalar>(a.ffn_pre, a.ffn_act);
      ensure_shape(a.ffn_sum, T, H);
      linear_forward<Scalar>(a.ffn_act, params.value(s.ffn_out_weight), params.value(s.ffn_out_bias), a.ffn_sum);
      if (p_hidden > 0) hidden_dropout(batch, a.ffn_sum, p_hidden, dropout.site_key(3 + 4 * l));
      a.ffn_sum += a.h1;
      ensure_shape(a.ln2_hat, T, H);
      ensure_shape(a.out, T, H);
      a.ln2_rstd.resize(T);
      layer_norm_forward<Scalar>(a.ffn_sum, params.value(s.ln2_gain), params.value(s.ln2_bias),
                                 config_.layer_norm_eps, a.out, a.ln2_hat, a.ln2_rstd);
    }
  }

  /// Accumulates parameter gradients into `params.grads()` from `d_output`, the loss gradient wrt
  /// ws.output(). Needs the forward pass of the same batch with keep_activations and the same
  /// dropout context. `d_output` is used as scratch.
  void backward(const bert_batch& batch, parameter_store<Scalar>& params, const dropout_context& dropout,
                bert_encoder_workspace<Scalar>& ws, row_matrix<Scalar>& d_output) const {
    if (!ws.kept_activations || ws.layers.size() != layers_.size())
      throw std::invalid_argument("gpta::nn::bert_encoder::backward: forward() must run with keep_activations");
    const Eigen::Index T = batch.tokens(), H = hidden_;
    if (d_output.rows() != T || d_output.cols() != H)
      throw std::invalid_argument("gpta::nn::bert_encoder::backward: d_output must be tokens x hidden");
    const bool train = dropout.training;
    const double p_hidden = train ? config_.hidden_dropout_prob : 0.0;
    row_matrix<Scalar>& g = d_output;  // gradient wrt the current layer's output
    ensure_shape(ws.d_a, T, H);
    ensure_shape(ws.d_b, T, H);
    ensure_shape(ws.d_c, T, H);
    ensure_shape(ws.d_ctx, T, H);
    ensure_shape(ws.d_ffn, T, inter_);

    for (std::size_t li = layers_.size(); li-- > 0;) {
      const bert_layer_slots& s = layers_[li];
      const auto& a = ws.layers[li];
      const row_matrix<Scalar>& x = li == 0 ? ws.embed_out : ws.layers[li - 1].out;

      // out = LN2(dropout(dense(ffn_act)) + h1)
      layer_norm_backward<Scalar>(g, a.ln2_hat, a.ln2_rstd, params.value(s.ln2_gain), ws.d_a, params.grad(s.ln2_gain),
                                  params.grad(s.ln2_bias));
      ws.d_b = ws.d_a;  // residual into h1
      if (p_hidden > 0) hidden_dropout(batch, ws.d_a, p_hidden, dropout.site_key(3 + 4 * li));
      linear_backward_params<Scalar>(a.ffn_act, ws.d_a, params.grad(s.ffn_out_weight), params.grad(s.ffn_out_bias));
      linear_backward_input<Scalar>(ws.d_a, params.value(s.ffn_out_weight), ws.d_ffn, false);
      gelu_backward<Scalar>(a.ffn_pre, ws.d_ffn, ws.d_ffn);
      linear_backward_params<Scalar>(a.h1, ws.d_ffn, params.grad(s.ffn_in_weight), params.grad(s.ffn_in_bias));
      linear_backward_input<Scalar>(ws.d_ffn, params.value(s.ffn_in_weight), ws.d_b, true);

      // h1 = LN1(dropout(dense(context)) + x)
      layer_norm_backward<Scalar>(ws.d_b, a.ln1_hat, a.ln1_rstd, params.value(s.ln1_gain), ws.d_a,
                                  params.grad(s.ln1_gain), params.grad(s.ln1_bias));
      ws.d_c = ws.d_a;
      if (p_hidden > 0) hidden_dropout(batch, ws.d_c, p_hidden, dropout.site_key(2 + 4 * li));
      linear_backward_params<Scalar>(a.context, ws.d_c, params.grad(s.attn_out_weight), params.grad(s.attn_out_bias));
      linear_backward_input<Scalar>(ws.d_c, params.value(s.attn_out_weight), ws.d_ctx, false);
      attention_backward(batch, a, ws.d_ctx, ws.d_qkv, train ? config_.attention_probs_dropout_prob : 0.0,
                         dropout.site_key(1 + 4 * li));
      linear_backward_params<Scalar>(x, ws.d_qkv, params.fused_grad(s.qkv_weight, 3),
                                     bias_grad_view(params, s.qkv_bias, 3 * H));
      g = ws.d_a;
      linear_backward_input<Scalar>(ws.d_qkv, params.fused_value(s.qkv_weight, 3), g, true);
    }

    if (p_hidden > 0) hidden_dropout(batch, g, p_hidden, dropout.site_key(0));
    layer_norm_backward<Scalar>(g, ws.embed_hat, ws.embed_rstd, params.value(embed_ln_gain_), ws.d_a,
                                params.grad(embed_ln_gain_), params.grad(embed_ln_bias_));
    auto d_word = params.grad(word_);
    auto d_pos = params.grad(position_);
    auto d_type = params.grad(type_);
    // Serial scatter: repeated token ids would race; it is O(tokens x hidden), small next to the GEMMs.
    // Padded rows are included: their gradient is zero unless the caller's loss reads them.
    const std::vector<std::int32_t> position = batch.positions();
    for (Eigen::Index t = 0; t < T; ++t) {
      const auto idx = static_cast<std::size_t>(t);
      d_word.row(batch.input_ids[idx]) += ws.d_a.row(t);
      d_pos.row(position[idx]) += ws.d_a.row(t);
      d_type.row(batch.token_type_ids[idx]) += ws.d_a.row(t);
    }
  }

  /// Throws std::invalid_argument naming the offending field when `batch` does not fit this model.
  void validate(const bert_batch& batch) const {
    const char* who = "gpta::nn::bert_encoder: ";
    const auto total = static_cast<std::size_t>(batch.tokens());
    if (batch.batch_size <= 0 || batch.seq_len <= 0)
      throw std::invalid_argument(std::string(who) + "empty batch");
    if (batch.seq_len > positions_)
      throw std::invalid_argument(std::string(who) + "sequence length " + std::to_string(batch.seq_len) +
                                  " exceeds max_position_embeddings " + std::to_string(positions_));
    if (batch.input_ids.size() != total || batch.token_type_ids.size() != total ||
        batch.lengths.size() != static_cast<std::size_t>(batch.batch_size))
      throw std::invalid_argument(std::string(who) + "batch arrays do not match batch_size x seq_len");
    for (Eigen::Index n : batch.lengths)
      if (n <= 0 || n > batch.seq_len) throw std::invalid_argument(std::string(who) + "sequence length out of range");
    if (batch.packed()) {  // sequences back to back, in order, covering every row
      if (batch.starts.size() != batch.lengths.size())
        throw std::invalid_argument(std::string(who) + "packed batch: one start per sequence");
      Eigen::Index next = 0;
      for (std::size_t b = 0; b < batch.lengths.size(); next += batch.lengths[b], ++b)
        if (batch.starts[b] != next)
          throw std::invalid_argument(std::string(who) + "packed batch: starts[" + std::to_string(b) +
                                      "] does not follow the previous sequence");
      if (next != batch.tokens())
        throw std::invalid_argument(std::string(who) + "packed batch: lengths do not add up to the rows");
    }
    for (std::size_t i = 0; i < total; ++i) {
      if (batch.input_ids[i] < 0 || batch.input_ids[i] >= vocab_)
        throw std::invalid_argument(std::string(who) + "input_ids[" + std::to_string(i) + "] = " +
                                    std::to_string(batch.input_ids[i]) + " outside the vocabulary");
      if (batch.token_type_ids[i] < 0 || batch.token_type_ids[i] >= types_)
        throw std::invalid_argument(std::string(who) + "token_type_ids[" + std::to_string(i) + "] = " +
                                    std::to_string(batch.token_type_ids[i]) + " outside type_vocab_size");
    }
  }

 private:
  static Eigen::Map<const row_matrix<Scalar>> bias_view(const parameter_store<Scalar>& params, std::size_t first,
                                                        Eigen::Index width) {
    return Eigen::Map<const row_matrix<Scalar>>(params.values().data() + params.slot(first).offset, 1, width);
  }
  static Eigen::Map<row_matrix<Scalar>> bias_grad_view(parameter_store<Scalar>& params, std::size_t first,
                                                       Eigen::Index width) {
    return Eigen::Map<row_matrix<Scalar>>(params.grads().data() + params.slot(first).offset, 1, width);
  }

  // Dropout on [tokens x hidden] activations, the mask keyed by the padded layout's element
  // index, so a packed batch draws at each real token exactly the mask the padded batch draws.
  static void hidden_dropout(const bert_batch& batch, row_matrix<Scalar>& m, double p, std::uint64_t key) {
    if (!batch.packed()) {
      dropout_apply<Scalar>(m, p, key);
      return;
    }
    const auto cols = static_cast<std::uint64_t>(m.cols());
    for (Eigen::Index b = 0; b < batch.batch_size; ++b)
      dropout_apply<Scalar>(m.middleRows(batch.row(b, 0), batch.lengths[static_cast<std::size_t>(b)]), p, key,
                            static_cast<std::uint64_t>(b * batch.seq_len) * cols, cols);
  }

  // Per (sequence, head): softmax(Q K^T / sqrt(d)) V over the sequence's real tokens only, so
  // padded keys need no -inf mask; padded query rows get a zero context (they feed nothing real).
  // A packed batch has no padded rows: the same loop, each sequence at its own first row.
  void attention_forward(const bert_batch& batch, bert_layer_activations<Scalar>& a, double p_attn,
                         std::uint64_t key) const {
    const Eigen::Index H = hidden_, L = batch.seq_len, dh = H / heads_, pairs = batch.batch_size * heads_;
    const auto scale = static_cast<Scalar>(1.0 / std::sqrt(static_cast<double>(dh)));
    ensure_shape(a.context, batch.tokens(), H);
    ensure_shape(a.probs, pairs * L, L);
    a.context.setZero();
    GPTA_BERT_PARALLEL_FOR_DYNAMIC(batch.tokens() * L)
    for (Eigen::Index idx = 0; idx < pairs; ++idx) {
      const Eigen::Index b = idx / heads_, h = idx % heads_, n = batch.lengths[static_cast<std::size_t>(b)];
      const Eigen::Index r0 = batch.row(b, 0);
      const auto q = a.qkv.block(r0, h * dh, n, dh);
      const auto k = a.qkv.block(r0, H + h * dh, n, dh);
      const auto v = a.qkv.block(r0, 2 * H + h * dh, n, dh);
      auto p = a.probs.block(idx * L, 0, n, n);
      p.noalias() = q * k.transpose();
      for (Eigen::Index i = 0; i < n; ++i) {
        auto row = p.row(i).array();
        row = ((row - row.maxCoeff()) * scale).exp();
        row /= row.sum();
      }
      auto ctx = a.context.block(r0, h * dh, n, dh);
      if (p_attn > 0) {
        row_matrix<Scalar> dropped = p;
        dropout_apply<Scalar>(dropped, p_attn, key, static_cast<std::uint64_t>(idx * L * L),
                              static_cast<std::uint64_t>(L));
        ctx.noalias() = dropped * v;
      } else {
        ctx.noalias() = p * v;
      }
    }
  }

  void attention_backward(const bert_batch& batch, const bert_layer_activations<Scalar>& a,
                          const row_matrix<Scalar>& d_ctx, row_matrix<Scalar>& d_qkv, double p_attn,
                          std::uint64_t key) const {
    const Eigen::Index H = hidden_, L = batch.seq_len, dh = H / heads_, pairs = batch.batch_size * heads_;
    const auto scale = static_cast<Scalar>(1.0 / std::sqrt(static_cast<double>(dh)));
    ensure_shape(d_qkv, batch.tokens(), 3 * H);
    d_qkv.setZero();
    GPTA_BERT_PARALLEL_FOR_DYNAMIC(batch.tokens() * L)
    for (Eigen::Index idx = 0; idx < pairs; ++idx) {
      const Eigen::Index b = idx / heads_, h = idx % heads_, n = batch.lengths[static_cast<std::size_t>(b)];
      const Eigen::Index r0 = batch.row(b, 0);
      const auto q = a.qkv.block(r0, h * dh, n, dh);
      const auto k = a.qkv.block(r0, H + h * dh, n, dh);
      const auto v = a.qkv.block(r0, 2 * H + h * dh, n, dh);
      const auto p = a.probs.block(idx * L, 0, n, n);
      const auto dc = d_ctx.block(r0, h * dh, n, dh);
      row_matrix<Scalar> dp = dc * v.transpose();
      if (p_attn > 0) {
        row_matrix<Scalar> dropped = p;
        dropout_apply<Scalar>(dropped, p_attn, key, static_cast<std::uint64_t>(idx * L * L),
                              static_cast<std::uint64_t>(L));
        d_qkv.block(r0, 2 * H + h * dh, n, dh).noalias() = dropped.transpose() * dc;
        dropout_apply<Scalar>(dp, p_attn, key, static_cast<std::uint64_t>(idx * L * L), static_cast<std::uint64_t>(L));
      } else {
        d_qkv.block(r0, 2 * H + h * dh, n, dh).noalias() = p.transpose() * dc;
      }
      // softmax backward: dS = P * (dP - rowsum(dP * P)), then the 1/sqrt(d) scale.
      for (Eigen::Index i = 0; i < n; ++i) {
        const Scalar dot = (dp.row(i).array() * p.row(i).array()).sum();
        dp.row(i).array() = p.row(i).array() * (dp.row(i).array() - dot) * scale;
      }
      d_qkv.block(r0, h * dh, n, dh).noalias() = dp * k;
      d_qkv.block(r0, H + h * dh, n, dh).noalias() = dp.transpose() * q;
    }
  }

  gpta::bert_config config_{};
  Eigen::Index hidden_ = 0, heads_ = 0, inter_ = 0, vocab_ = 0, positions_ = 0, types_ = 0;
  std::size_t word_ = 0, position_ = 0, type_ = 0, embed_ln_gain_ = 0, embed_ln_bias_ = 0;
  std::vector<bert_layer_slots> layers_;
};

}  // namespace gpta::nn
