// The BERT encoder of the backend models: parameters, gradients and AdamW moments in a backend's
// memory, the encoder's forward and backward through the backend kernels and `bert_gemm<Backend>`.
//
// Heads derive from it: bert_classifier.hpp (sequence classification), bert_span_extractor.hpp
// (SQuAD start/end). No Eigen and no CUDA here: include gpta/backend/bert_model.hpp (Eigen products,
// host-readable systems) or gpta/backend/bert_model.cuh (cuBLAS). The order of operations mirrors
// nn::bert_encoder and bert_fine_tuning::step, so float results stay close to the host students and
// dropout masks are the host's, bit for bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <thrust/copy.h>

#include <gpta/backend/adamw.hpp>
#include <gpta/backend/bert_model_kernels.hpp>
#include <gpta/backend/bert_model_options.hpp>
#include <gpta/backend/bias.hpp>
#include <gpta/backend/dropout.hpp>
#include <gpta/backend/embedding.hpp>
#include <gpta/backend/gelu.hpp>
#include <gpta/backend/gemm_op.hpp>
#include <gpta/backend/grad_clip.hpp>
#include <gpta/backend/layer_norm.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/reduce.hpp>
#include <gpta/backend/softmax.hpp>
#include <gpta/backend/thrust_backend.hpp>
#include <gpta/detail/random.hpp>
#include <gpta/nn/lr_schedule.hpp>

namespace gpta::backend {

/// The matrix products of the backend BERT models: `gemm` (BLAS semantics, row-major, as
/// backend::gemm) and `attention_gemm` (one product per (sequence, head) at two strides). Defined
/// for host-readable backends in bert_model.hpp and for CUDA in bert_model.cuh.
template <class Backend, bool HostAccessible = Backend::host_accessible>
struct bert_gemm;

/// The encoder and the optimiser state of every parameter (the head's too: the store holds all of
/// them, in the host's slot order). A head derives from it, finds its tensors with find_tensor(),
/// fills d_hidden_ after encoder_forward() and calls encoder_backward().
template <class Backend>
class bert_encoder_model {
  static_assert(is_thrust_backend_v<Backend>,
                "gpta::backend::bert_encoder_model: Backend must be a thrust_backend<System> (the kernels of "
                "gpta/backend/kernels.hpp run on Thrust) - see gpta/backend/backend.hpp");

 public:
  using backend_type = Backend;
  using scalar_type = float;
  template <class T>
  using vector = typename Backend::template vector<T>;

  /// Clipping, schedule and AdamW from the gradient buffer; then the next step's dropout keys.
  void apply_gradients() {
    last_grad_norm_ = training_.max_grad_norm > 0 ? clip_global_norm(be_, view(grads_), training_.max_grad_norm)
                                                  : std::sqrt(sum_of_squares(be_, view(grads_)));
    ++step_;
    const adam_options o{schedule()(step_), training_.adam_beta1, training_.adam_beta2, training_.adam_epsilon,
                         training_.weight_decay};
    const auto k = make_adamw_coefficients<float>(o, step_);
    for (const run& r : runs_)
      adamw_update(be_, k, slice(values_, r.offset, r.size), slice(grads_, r.offset, r.size),
                   slice(first_moment_, r.offset, r.size), slice(second_moment_, r.offset, r.size), r.decay);
  }

  void zero_gradients() { fill_values(be_, view(grads_), 0.0f); }

  /// The gradient buffer in host memory (CPP/OMP systems; under CUDA an NCCL reducer takes the
  /// device buffer instead).
  [[nodiscard]] std::span<float> gradient_buffer() noexcept
    requires Backend::host_accessible
  {
    return {thrust::raw_pointer_cast(grads_.data()), grads_.size()};
  }

  /// Every parameter in the host store's slot order (the layout of nn::parameter_store::values()).
  [[nodiscard]] std::vector<float> parameter_values() const { return to_host(values_); }

  /// Everything a probe needs to go back - parameters, AdamW moments, step - kept in backend
  /// memory (a device-to-device copy under CUDA, no host round trip).
  struct state_type {
    vector<float> values, first_moment, second_moment;
    std::int64_t step = 0;
  };
  [[nodiscard]] state_type snapshot() const { return {values_, first_moment_, second_moment_, step_}; }
  void restore(const state_type& s) {
    if (static_cast<index_t>(s.values.size()) != size_ || s.first_moment.size() != s.values.size() ||
        s.second_moment.size() != s.values.size())
      throw std::invalid_argument(who_ + "::restore: snapshot of a differently shaped model");
    values_ = s.values;
    first_moment_ = s.first_moment;
    second_moment_ = s.second_moment;
    step_ = s.step;
  }

  /// Writes the parameters back into the store they came from (or one of the same layout).
  template <class Params>
  void copy_parameters_to(Params& params) const {
    if (static_cast<index_t>(params.size()) != size_)
      throw std::invalid_argument(who_ + "::copy_parameters_to: store of a different size");
    const std::vector<float> v = to_host(values_);
    std::copy(v.begin(), v.end(), params.values().data());
  }

  [[nodiscard]] nn::linear_warmup_decay schedule() const {
    return {training_.learning_rate, training_.warmup_steps, training_.total_steps};
  }
  [[nodiscard]] std::int64_t steps() const noexcept { return step_; }
  [[nodiscard]] double last_grad_norm() const noexcept { return last_grad_norm_; }
  [[nodiscard]] std::size_t num_layers() const noexcept { return layers_.size(); }
  [[nodiscard]] std::size_t num_parameters() const noexcept { return static_cast<std::size_t>(size_); }
  [[nodiscard]] Backend backend() const noexcept { return be_; }
  /// The matrix-product engine (a cuBLAS handle under CUDA: set its stream there).
  [[nodiscard]] bert_gemm<Backend>& gemm_engine() noexcept { return gemm_; }

 protected:
  struct tensor {
    index_t offset = 0, rows = 0, cols = 0;
  };
  struct layer_tensors {
    tensor qkv_weight, qkv_bias, attn_out_weight, attn_out_bias, ln1_gain, ln1_bias;
    tensor ffn_in_weight, ffn_in_bias, ffn_out_weight, ffn_out_bias, ln2_gain, ln2_bias;
  };
  struct run {
    index_t offset = 0, size = 0;
    bool decay = true;
  };
  struct adam_options {  // the fields make_adamw_coefficients reads (nn::adamw_options)
    double learning_rate, beta1, beta2, epsilon, weight_decay;
  };
  struct layer_activations {  // nn::bert_layer_activations
    vector<float> qkv, probs, context, attn_sum, ln1_hat, h1, ffn_pre, ffn_act, ffn_sum, ln2_hat, out;
    vector<float> ln1_rstd, ln2_rstd;
  };

  /// Copies `params` (an nn::parameter_store<float> holding the encoder under its checkpoint names
  /// and the head's tensors) into backend memory. `config` is a gpta::bert_config; `who` names the
  /// model in errors. With training.dropout false no dropout is applied, whatever the config says.
  template <class Config, class Params>
  bert_encoder_model(const Config& config, const Params& params, const bert_training_options& training,
                     std::string who, Backend be)
      : be_(be), training_(training), who_(std::move(who)) {
    const std::string prefix = who_ + ": ";
    hidden_ = static_cast<index_t>(config.hidden_size);
    heads_ = static_cast<index_t>(config.num_attention_heads);
    inter_ = static_cast<index_t>(config.intermediate_size);
    vocab_ = static_cast<index_t>(config.vocab_size);
    positions_ = static_cast<index_t>(config.max_position_embeddings);
    types_ = static_cast<index_t>(config.type_vocab_size);
    eps_ = config.layer_norm_eps;
    p_hidden_ = training_.dropout ? config.hidden_dropout_prob : 0.0;
    p_attn_ = training_.dropout ? config.attention_probs_dropout_prob : 0.0;
    if (hidden_ <= 0 || heads_ <= 0 || inter_ <= 0 || vocab_ <= 0 || positions_ <= 0 || types_ <= 0 ||
        config.num_hidden_layers == 0)
      throw std::invalid_argument(prefix + "every size in the config must be positive");
    if (hidden_ % heads_ != 0) throw std::invalid_argument(prefix + "hidden_size % num_attention_heads != 0");
    if (!(eps_ > 0)) throw std::invalid_argument(prefix + "layer_norm_eps must be > 0");
    if constexpr (requires { config.hidden_act; }) {
      if (config.hidden_act != "gelu")
        throw std::invalid_argument(prefix + "only BERT's erf \"gelu\" activation is supported");
    }
    (void)dropout_threshold(p_hidden_);
    (void)dropout_threshold(p_attn_);

    // Query, key and value sit back to back in the store: one [3H x H] product computes all three.
    auto fused = [&](const std::string& layer, const char* suffix, index_t rows, index_t cols) {
      const tensor q = find_tensor(params, layer + "query" + suffix, rows, cols),
                   k = find_tensor(params, layer + "key" + suffix, rows, cols),
                   v = find_tensor(params, layer + "value" + suffix, rows, cols);
      if (k.offset != q.offset + rows * cols || v.offset != k.offset + rows * cols)
        throw std::invalid_argument(prefix + layer + "query/key/value" + suffix + " are not adjacent");
      return tensor{q.offset, 3 * rows, cols};
    };
    word_ = find_tensor(params, "embeddings.word_embeddings.weight", vocab_, hidden_);
    position_ = find_tensor(params, "embeddings.position_embeddings.weight", positions_, hidden_);
    type_ = find_tensor(params, "embeddings.token_type_embeddings.weight", types_, hidden_);
    embed_ln_gain_ = find_tensor(params, "embeddings.LayerNorm.weight", 1, hidden_);
    embed_ln_bias_ = find_tensor(params, "embeddings.LayerNorm.bias", 1, hidden_);
    for (std::size_t l = 0; l < static_cast<std::size_t>(config.num_hidden_layers); ++l) {
      const std::string p = "encoder.layer." + std::to_string(l) + ".";
      layer_tensors t;
      t.qkv_weight = fused(p + "attention.self.", ".weight", hidden_, hidden_);
      t.qkv_bias = fused(p + "attention.self.", ".bias", 1, hidden_);
      t.qkv_bias = {t.qkv_bias.offset, 1, 3 * hidden_};
      t.attn_out_weight = find_tensor(params, p + "attention.output.dense.weight", hidden_, hidden_);
      t.attn_out_bias = find_tensor(params, p + "attention.output.dense.bias", 1, hidden_);
      t.ln1_gain = find_tensor(params, p + "attention.output.LayerNorm.weight", 1, hidden_);
      t.ln1_bias = find_tensor(params, p + "attention.output.LayerNorm.bias", 1, hidden_);
      t.ffn_in_weight = find_tensor(params, p + "intermediate.dense.weight", inter_, hidden_);
      t.ffn_in_bias = find_tensor(params, p + "intermediate.dense.bias", 1, inter_);
      t.ffn_out_weight = find_tensor(params, p + "output.dense.weight", hidden_, inter_);
      t.ffn_out_bias = find_tensor(params, p + "output.dense.bias", 1, hidden_);
      t.ln2_gain = find_tensor(params, p + "output.LayerNorm.weight", 1, hidden_);
      t.ln2_bias = find_tensor(params, p + "output.LayerNorm.bias", 1, hidden_);
      layers_.push_back(t);
    }

    // AdamW runs over maximal stretches of adjacent tensors that share the decay flag.
    size_ = static_cast<index_t>(params.size());
    for (const auto& s : params.slots()) {
      const auto offset = static_cast<index_t>(s.offset), n = static_cast<index_t>(s.rows * s.cols);
      if (!runs_.empty() && runs_.back().decay == s.decay && runs_.back().offset + runs_.back().size == offset)
        runs_.back().size += n;
      else
        runs_.push_back({offset, n, static_cast<bool>(s.decay)});
    }
    const float* host = params.values().data();
    values_ = vector<float>(host, host + size_);
    grads_ = vector<float>(static_cast<std::size_t>(size_), 0.0f);
    first_moment_ = vector<float>(static_cast<std::size_t>(size_), 0.0f);
    second_moment_ = vector<float>(static_cast<std::size_t>(size_), 0.0f);
  }

  /// Where `name` lies in the flat store; std::invalid_argument when it is missing or not rows x cols.
  template <class Params>
  [[nodiscard]] tensor find_tensor(const Params& params, const std::string& name, index_t rows, index_t cols) const {
    const auto id = params.find(name);
    if (!id) throw std::invalid_argument(who_ + ": parameter " + name + " is missing");
    const auto& s = params.slot(*id);
    if (static_cast<index_t>(s.rows) != rows || static_cast<index_t>(s.cols) != cols)
      throw std::invalid_argument(who_ + ": parameter " + name + " is " + std::to_string(s.rows) + "x" +
                                  std::to_string(s.cols) + ", expected " + std::to_string(rows) + "x" +
                                  std::to_string(cols));
    return tensor{static_cast<index_t>(s.offset), rows, cols};
  }

  /// The last hidden state of the latest encoder_forward(), [tokens x hidden].
  [[nodiscard]] matrix_view<float> encoder_output() { return mat(acts_.back().out, tokens_, hidden_); }

  template <class T>
  static void ensure(vector<T>& v, index_t n) {
    if (static_cast<index_t>(v.size()) != n) v.resize(static_cast<std::size_t>(n));
  }
  template <class T>
  static matrix_view<T> mat(vector<T>& v, index_t rows, index_t cols) {
    return backend::view(v, rows, cols);
  }
  template <class T>
  static vector_view<T> view(vector<T>& v) {
    return backend::view(v);
  }
  static vector_view<float> slice(vector<float>& v, index_t offset, index_t n) { return {raw_data(v) + offset, n}; }
  template <class T>
  static std::vector<T> to_host(const vector<T>& v) {
    std::vector<T> out(v.size());
    if constexpr (Backend::host_accessible) {
      const T* p = raw_data(const_cast<vector<T>&>(v));
      std::copy(p, p + v.size(), out.begin());
    } else {
      thrust::copy(v.begin(), v.end(), out.begin());
    }
    return out;
  }

  matrix_view<float> value(const tensor& t) { return {raw_data(values_) + t.offset, t.rows, t.cols}; }
  matrix_view<float> grad(const tensor& t) { return {raw_data(grads_) + t.offset, t.rows, t.cols}; }
  vector_view<float> value_vector(const tensor& t) { return {raw_data(values_) + t.offset, t.rows * t.cols}; }
  vector_view<float> grad_vector(const tensor& t) { return {raw_data(grads_) + t.offset, t.rows * t.cols}; }

  /// nn::dropout_context::site_key of this step.
  [[nodiscard]] std::uint64_t site_key(std::uint64_t site) const noexcept {
    return gpta::detail::mix_seed(gpta::detail::mix_seed(training_.seed, static_cast<std::uint64_t>(step_)), site);
  }

  // y = x W^T + b (nn::linear_forward)
  void linear_forward(matrix_view<const float> x, const tensor& w, const tensor& b, matrix_view<float> y) {
    gemm_.gemm(be_, gemm_op::none, gemm_op::transpose, x.rows, w.rows, x.cols, 1.0f, x.data, x.cols,
               raw_data(values_) + w.offset, w.cols, 0.0f, y.data, y.cols);
    add_bias_rows(be_, value_vector(b), y);
  }
  // dW += dy^T x, db += column sums of dy (nn::linear_backward_params)
  void linear_backward_params(matrix_view<const float> x, matrix_view<const float> dy, const tensor& w,
                              const tensor& b) {
    gemm_.gemm(be_, gemm_op::transpose, gemm_op::none, w.rows, w.cols, dy.rows, 1.0f, dy.data, dy.cols, x.data,
               x.cols, 1.0f, raw_data(grads_) + w.offset, w.cols);
    bias_backward(be_, dy, grad_vector(b));
  }
  // dx = dy W or dx += dy W (nn::linear_backward_input)
  void linear_backward_input(matrix_view<const float> dy, const tensor& w, matrix_view<float> dx, bool accumulate) {
    gemm_.gemm(be_, gemm_op::none, gemm_op::none, dy.rows, w.cols, w.rows, 1.0f, dy.data, dy.cols,
               raw_data(values_) + w.offset, w.cols, accumulate ? 1.0f : 0.0f, dx.data, dx.cols);
  }

  /// Validates on the host (as nn::bert_encoder::validate) and copies ids, positions, lengths and
  /// the key mask to the backend.
  void upload(const token_batch_ref& b) {
    const std::string who = who_ + ": ";
    const auto total = static_cast<std::size_t>(b.batch_size * b.seq_len);
    if (b.batch_size <= 0 || b.seq_len <= 0) throw std::invalid_argument(who + "empty batch");
    if (b.seq_len > positions_)
      throw std::invalid_argument(who + "sequence length " + std::to_string(b.seq_len) +
                                  " exceeds max_position_embeddings " + std::to_string(positions_));
    if (b.input_ids.size() != total || b.token_type_ids.size() != total ||
        b.lengths.size() != static_cast<std::size_t>(b.batch_size))
      throw std::invalid_argument(who + "batch arrays do not match batch_size x seq_len");
    for (index_t n : b.lengths)
      if (n <= 0 || n > b.seq_len) throw std::invalid_argument(who + "sequence length out of range");
    for (std::size_t i = 0; i < total; ++i) {
      if (b.input_ids[i] < 0 || b.input_ids[i] >= vocab_)
        throw std::invalid_argument(who + "input_ids[" + std::to_string(i) + "] outside the vocabulary");
      if (b.token_type_ids[i] < 0 || b.token_type_ids[i] >= types_)
        throw std::invalid_argument(who + "token_type_ids[" + std::to_string(i) +
                                    "] outside type_vocab_size");
    }
    batch_ = b.batch_size;
    seq_ = b.seq_len;
    tokens_ = batch_ * seq_;
    input_ids_.assign(b.input_ids.begin(), b.input_ids.end());
    type_ids_.assign(b.token_type_ids.begin(), b.token_type_ids.end());
    lengths_.assign(b.lengths.begin(), b.lengths.end());
    std::vector<std::int32_t> pos(total);
    std::vector<float> mask(total, 0.0f);
    for (index_t s = 0; s < batch_; ++s)
      for (index_t l = 0; l < seq_; ++l) {
        pos[static_cast<std::size_t>(s * seq_ + l)] = static_cast<std::int32_t>(l);
        if (l >= b.lengths[static_cast<std::size_t>(s)])
          mask[static_cast<std::size_t>(s * seq_ + l)] = -std::numeric_limits<float>::infinity();
      }
    position_ids_.assign(pos.begin(), pos.end());
    key_mask_.assign(mask.begin(), mask.end());
  }

  /// Embeddings and every layer; the last hidden state is encoder_output() [tokens x hidden].
  void encoder_forward(bool train) {
    const index_t T = tokens_, H = hidden_, I = inter_;
    const double p_hidden = train ? p_hidden_ : 0.0;
    ensure(embed_sum_, T * H);
    ensure(embed_hat_, T * H);
    ensure(embed_out_, T * H);
    ensure(embed_rstd_, T);
    embedding_gather(be_, value(word_), view(input_ids_), mat(embed_sum_, T, H));
    embedding_gather(be_, value(position_), view(position_ids_), mat(embed_sum_, T, H), true);
    embedding_gather(be_, value(type_), view(type_ids_), mat(embed_sum_, T, H), true);
    layer_norm_forward(be_, mat(embed_sum_, T, H), value_vector(embed_ln_gain_), value_vector(embed_ln_bias_), eps_,
                       mat(embed_out_, T, H), mat(embed_hat_, T, H), view(embed_rstd_));
    if (p_hidden > 0) dropout_apply(be_, mat(embed_out_, T, H), p_hidden, site_key(0));

    acts_.resize(layers_.size());
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const layer_tensors& s = layers_[l];
      layer_activations& a = acts_[l];
      vector<float>& x = l == 0 ? embed_out_ : acts_[l - 1].out;
      ensure(a.qkv, T * 3 * H);
      linear_forward(mat(x, T, H), s.qkv_weight, s.qkv_bias, mat(a.qkv, T, 3 * H));
      attention_forward(a, train ? p_attn_ : 0.0, site_key(1 + 4 * l));

      ensure(a.attn_sum, T * H);
      linear_forward(mat(a.context, T, H), s.attn_out_weight, s.attn_out_bias, mat(a.attn_sum, T, H));
      if (p_hidden > 0) dropout_apply(be_, mat(a.attn_sum, T, H), p_hidden, site_key(2 + 4 * l));
      add_in_place(be_, view(a.attn_sum), view(x));
      ensure(a.ln1_hat, T * H);
      ensure(a.h1, T * H);
      ensure(a.ln1_rstd, T);
      layer_norm_forward(be_, mat(a.attn_sum, T, H), value_vector(s.ln1_gain), value_vector(s.ln1_bias), eps_,
                         mat(a.h1, T, H), mat(a.ln1_hat, T, H), view(a.ln1_rstd));

      ensure(a.ffn_pre, T * I);
      ensure(a.ffn_act, T * I);
      linear_forward(mat(a.h1, T, H), s.ffn_in_weight, s.ffn_in_bias, mat(a.ffn_pre, T, I));
      gelu_forward(be_, mat(a.ffn_pre, T, I), mat(a.ffn_act, T, I));
      ensure(a.ffn_sum, T * H);
      linear_forward(mat(a.ffn_act, T, I), s.ffn_out_weight, s.ffn_out_bias, mat(a.ffn_sum, T, H));
      if (p_hidden > 0) dropout_apply(be_, mat(a.ffn_sum, T, H), p_hidden, site_key(3 + 4 * l));
      add_in_place(be_, view(a.ffn_sum), view(a.h1));
      ensure(a.ln2_hat, T * H);
      ensure(a.out, T * H);
      ensure(a.ln2_rstd, T);
      layer_norm_forward(be_, mat(a.ffn_sum, T, H), value_vector(s.ln2_gain), value_vector(s.ln2_bias), eps_,
                         mat(a.out, T, H), mat(a.ln2_hat, T, H), view(a.ln2_rstd));
    }

  }

  // Scores of every (sequence, head) over all seq_len keys; padded keys carry -inf in the mask, so
  // they get exactly zero weight and valid rows equal the host's n x n blocks. Padded query rows
  // get a context here (zero on the host); nothing real reads them and their gradient is zero.
  void attention_forward(layer_activations& a, double p_attn, std::uint64_t key) {
    const index_t H = hidden_, L = seq_, dh = H / heads_, pairs = batch_ * heads_;
    const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dh)));
    ensure(a.probs, pairs * L * L);
    ensure(a.context, tokens_ * H);
    float* qkv = raw_data(a.qkv);
    float* probs = raw_data(a.probs);
    // S = Q K^T per (sequence, head): Q at column h*dh of the sequence's rows, K at H + h*dh.
    gemm_.attention_gemm(be_, gemm_op::none, gemm_op::transpose, L, L, dh, qkv, 3 * H, L * 3 * H, dh, qkv + H, 3 * H,
                         L * 3 * H, dh, probs, L, heads_ * L * L, L * L, batch_, heads_);
    masked_softmax_forward(be_, mat(a.probs, pairs * L, L), mat(key_mask_, batch_, L), heads_ * L, scale,
                           mat(a.probs, pairs * L, L));
    const float* weights = probs;
    if (p_attn > 0) {
      // Element (pair, i, j) has index pair*L*L + i*L + j, as the host's per-pair dropout.
      ensure(scratch_probs_, pairs * L * L);
      copy_values(be_, view(a.probs), view(scratch_probs_));
      dropout_apply(be_, mat(scratch_probs_, pairs * L, L), p_attn, key);
      weights = raw_data(scratch_probs_);
    }
    gemm_.attention_gemm(be_, gemm_op::none, gemm_op::none, L, dh, L, weights, L, heads_ * L * L, L * L, qkv + 2 * H,
                         3 * H, L * 3 * H, dh, raw_data(a.context), H, L * H, dh, batch_, heads_);
  }

  void attention_backward(layer_activations& a, double p_attn, std::uint64_t key) {
    const index_t H = hidden_, L = seq_, dh = H / heads_, pairs = batch_ * heads_;
    const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dh)));
    ensure(d_probs_, pairs * L * L);
    ensure(d_qkv_, tokens_ * 3 * H);
    const float* qkv = raw_data(a.qkv);
    const float* d_ctx = raw_data(d_ctx_);
    float* dq = raw_data(d_qkv_);
    // dP = dC V^T
    gemm_.attention_gemm(be_, gemm_op::none, gemm_op::transpose, L, L, dh, d_ctx, H, L * H, dh, qkv + 2 * H, 3 * H,
                         L * 3 * H, dh, raw_data(d_probs_), L, heads_ * L * L, L * L, batch_, heads_);
    const float* weights = raw_data(a.probs);
    if (p_attn > 0) {
      ensure(scratch_probs_, pairs * L * L);
      copy_values(be_, view(a.probs), view(scratch_probs_));
      dropout_apply(be_, mat(scratch_probs_, pairs * L, L), p_attn, key);
      weights = raw_data(scratch_probs_);
    }
    // dV = dropout(P)^T dC
    gemm_.attention_gemm(be_, gemm_op::transpose, gemm_op::none, L, dh, L, weights, L, heads_ * L * L, L * L, d_ctx, H,
                         L * H, dh, dq + 2 * H, 3 * H, L * 3 * H, dh, batch_, heads_);
    if (p_attn > 0) dropout_apply(be_, mat(d_probs_, pairs * L, L), p_attn, key);
    masked_softmax_backward(be_, mat(a.probs, pairs * L, L), mat(d_probs_, pairs * L, L), scale,
                            mat(d_probs_, pairs * L, L));
    // dQ = dS K, dK = dS^T Q
    gemm_.attention_gemm(be_, gemm_op::none, gemm_op::none, L, dh, L, raw_data(d_probs_), L, heads_ * L * L, L * L,
                         qkv + H, 3 * H, L * 3 * H, dh, dq, 3 * H, L * 3 * H, dh, batch_, heads_);
    gemm_.attention_gemm(be_, gemm_op::transpose, gemm_op::none, L, dh, L, raw_data(d_probs_), L, heads_ * L * L,
                         L * L, qkv, 3 * H, L * 3 * H, dh, dq + H, 3 * H, L * 3 * H, dh, batch_, heads_);
  }

  /// Gradients of every encoder parameter from d_hidden_ [tokens x hidden] (overwritten: it is the
  /// running gradient); the head has added its own before.
  void encoder_backward(bool train) {
    const index_t T = tokens_, H = hidden_, I = inter_;
    const double p_hidden = train ? p_hidden_ : 0.0;
    vector<float>& g = d_hidden_;  // nn::bert_encoder::backward from here
    ensure(d_a_, T * H);
    ensure(d_b_, T * H);
    ensure(d_c_, T * H);
    ensure(d_ctx_, T * H);
    ensure(d_ffn_, T * I);
    for (std::size_t li = layers_.size(); li-- > 0;) {
      const layer_tensors& s = layers_[li];
      layer_activations& a = acts_[li];
      vector<float>& x = li == 0 ? embed_out_ : acts_[li - 1].out;

      layer_norm_backward(be_, mat(g, T, H), mat(a.ln2_hat, T, H), view(a.ln2_rstd), value_vector(s.ln2_gain),
                          mat(d_a_, T, H), grad_vector(s.ln2_gain), grad_vector(s.ln2_bias));
      copy_values(be_, view(d_a_), view(d_b_));
      if (p_hidden > 0) dropout_apply(be_, mat(d_a_, T, H), p_hidden, site_key(3 + 4 * li));
      linear_backward_params(mat(a.ffn_act, T, I), mat(d_a_, T, H), s.ffn_out_weight, s.ffn_out_bias);
      linear_backward_input(mat(d_a_, T, H), s.ffn_out_weight, mat(d_ffn_, T, I), false);
      gelu_backward(be_, mat(a.ffn_pre, T, I), mat(d_ffn_, T, I), mat(d_ffn_, T, I));
      linear_backward_params(mat(a.h1, T, H), mat(d_ffn_, T, I), s.ffn_in_weight, s.ffn_in_bias);
      linear_backward_input(mat(d_ffn_, T, I), s.ffn_in_weight, mat(d_b_, T, H), true);

      layer_norm_backward(be_, mat(d_b_, T, H), mat(a.ln1_hat, T, H), view(a.ln1_rstd), value_vector(s.ln1_gain),
                          mat(d_a_, T, H), grad_vector(s.ln1_gain), grad_vector(s.ln1_bias));
      copy_values(be_, view(d_a_), view(d_c_));
      if (p_hidden > 0) dropout_apply(be_, mat(d_c_, T, H), p_hidden, site_key(2 + 4 * li));
      linear_backward_params(mat(a.context, T, H), mat(d_c_, T, H), s.attn_out_weight, s.attn_out_bias);
      linear_backward_input(mat(d_c_, T, H), s.attn_out_weight, mat(d_ctx_, T, H), false);
      attention_backward(a, train ? p_attn_ : 0.0, site_key(1 + 4 * li));
      linear_backward_params(mat(x, T, H), mat(d_qkv_, T, 3 * H), s.qkv_weight, s.qkv_bias);
      copy_values(be_, view(d_a_), view(g));
      linear_backward_input(mat(d_qkv_, T, 3 * H), s.qkv_weight, mat(g, T, H), true);
    }

    if (p_hidden > 0) dropout_apply(be_, mat(g, T, H), p_hidden, site_key(0));
    layer_norm_backward(be_, mat(g, T, H), mat(embed_hat_, T, H), view(embed_rstd_), value_vector(embed_ln_gain_),
                        mat(d_a_, T, H), grad_vector(embed_ln_gain_), grad_vector(embed_ln_bias_));
    // Deterministic scatter-adds in token order, bit-equal to the host's serial loop.
    embedding_scatter_add(be_, mat(d_a_, T, H), view(input_ids_), grad(word_), word_ws_);
    embedding_scatter_add(be_, mat(d_a_, T, H), view(position_ids_), grad(position_), position_ws_);
    embedding_scatter_add(be_, mat(d_a_, T, H), view(type_ids_), grad(type_), type_ws_);
  }

  Backend be_{};
  bert_gemm<Backend> gemm_{};
  bert_training_options training_;
  std::string who_;  ///< the model's name in errors
  index_t hidden_ = 0, heads_ = 0, inter_ = 0, vocab_ = 0, positions_ = 0, types_ = 0, size_ = 0;
  double eps_ = 1e-12, p_hidden_ = 0, p_attn_ = 0;
  tensor word_, position_, type_, embed_ln_gain_, embed_ln_bias_;
  std::vector<layer_tensors> layers_;
  std::vector<run> runs_;
  std::int64_t step_ = 0;
  double last_grad_norm_ = 0;

  vector<float> values_, grads_, first_moment_, second_moment_;
  // batch
  index_t batch_ = 0, seq_ = 0, tokens_ = 0;
  vector<std::int32_t> input_ids_, type_ids_, position_ids_;
  vector<index_t> lengths_;
  vector<float> key_mask_;  ///< [batch x seq]: 0 for real keys, -inf for padding
  // activations
  vector<float> embed_sum_, embed_hat_, embed_out_, embed_rstd_;
  std::vector<layer_activations> acts_;
  vector<float> d_hidden_;  ///< the head writes the gradient wrt encoder_output() here
  // backward scratch
  vector<float> d_a_, d_b_, d_c_, d_ctx_, d_qkv_, d_ffn_, d_probs_, scratch_probs_;
  embedding_grad_workspace<Backend> word_ws_, position_ws_, type_ws_;
};

}  // namespace gpta::backend
