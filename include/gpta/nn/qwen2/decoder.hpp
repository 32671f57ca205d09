// Qwen2 decoder on the host (Eigen): forward pass, logits at chosen positions, and the LoRA backward pass.
// Templated on the scalar so the double-precision gradient checks run the code float training runs.
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

#include <Eigen/Core>

#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/lora.hpp>
#include <gpta/nn/qwen2/batch.hpp>
#include <gpta/nn/qwen2/config.hpp>
#include <gpta/nn/qwen2/gemm.hpp>
#include <gpta/nn/qwen2/weights.hpp>
#include <gpta/nn/rms_norm.hpp>
#include <gpta/nn/rope.hpp>

namespace gpta::nn {

/// Everything one block's backward pass needs from its forward pass (recomputed per layer in
/// training, so only one of these exists at a time).
template <class Scalar>
struct qwen2_layer_cache {
  row_matrix<Scalar> a1, q, k, v, ctx, h, a2, gate, up, m;  ///< q, k rotated; m = silu(gate) * up
  column_vector<Scalar> r1, r2;                             ///< 1 / rms of x and h
  std::vector<row_matrix<Scalar>> probs;                    ///< per (sequence, head): causal softmax
  lora_activation<Scalar> lora[lora_module_count];
  row_matrix<Scalar> attn_out, mlp_out;                     ///< scratch
};

/// Rotated keys and values of every layer for the tokens decoded so far (one sequence). Rows grow
/// geometrically, so decoding n tokens one at a time copies O(n) rows, not O(n^2).
template <class Scalar>
struct qwen2_kv_cache {
  std::vector<row_matrix<Scalar>> k, v;  ///< per layer [capacity x kv_dim]; rows [0, length) valid
  Eigen::Index length = 0;

  void clear() noexcept { length = 0; }
};

/// The decoder owns its frozen base weights; LoRA adapters are passed per call (nullptr = the base
/// model), so one base model can serve several adapter sets. Calls reuse an internal workspace:
/// one decoder is not to be used from several threads at once.
template <class Scalar>
class qwen2_decoder {
 public:
  using scalar_type = Scalar;
  using matrix = row_matrix<Scalar>;
  using adapters_type = basic_lora_adapters<Scalar>;

  qwen2_decoder(qwen2_config config, qwen2_weights<Scalar> weights)
      : config_(std::move(config)), weights_(std::move(weights)) {
    config_.validate();
    H_ = static_cast<Eigen::Index>(config_.hidden_size);
    I_ = static_cast<Eigen::Index>(config_.intermediate_size);
    V_ = static_cast<Eigen::Index>(config_.vocab_size);
    D_ = static_cast<Eigen::Index>(config_.head_dim());
    KV_ = static_cast<Eigen::Index>(config_.kv_dim());
    heads_ = static_cast<Eigen::Index>(config_.num_heads);
    kv_heads_ = static_cast<Eigen::Index>(config_.num_kv_heads);
    check_weights();
    rope_.reset(D_, config_.rope_theta, 64);
  }

  [[nodiscard]] const qwen2_config& config() const noexcept { return config_; }
  [[nodiscard]] const qwen2_weights<Scalar>& weights() const noexcept { return weights_; }
  [[nodiscard]] qwen2_weights<Scalar>& weights() noexcept { return weights_; }

  /// Adapters shaped for this model (A random, B zero: the adapted model equals the base model).
  [[nodiscard]] adapters_type make_lora(const lora_options& options, std::uint64_t seed) const {
    auto a = make_qwen2_lora<Scalar>(config_, options);
    a.init(seed);
    return a;
  }

  /// Packs `batch` (validates ids and lengths against the config).
  [[nodiscard]] qwen2_layout layout(const qwen2_sequences& batch) {
    qwen2_layout L;
    L.offsets.push_back(0);
    for (std::size_t s = 0; s < batch.size(); ++s) {
      const auto& seq = batch[s];
      if (seq.empty()) throw std::invalid_argument("gpta::nn::qwen2_decoder: sequence " + std::to_string(s) + " is empty");
      if (seq.size() > config_.context_length)
        throw std::invalid_argument("gpta::nn::qwen2_decoder: sequence " + std::to_string(s) + " has " +
                                    std::to_string(seq.size()) + " tokens, context_length is " +
                                    std::to_string(config_.context_length));
      for (std::size_t i = 0; i < seq.size(); ++i) {
        if (seq[i] < 0 || seq[i] >= V_)
          throw std::out_of_range("gpta::nn::qwen2_decoder: token id " + std::to_string(seq[i]) + " outside [0, " +
                                  std::to_string(V_) + ")");
        L.positions.push_back(static_cast<std::int32_t>(i));
        L.ids.push_back(seq[i]);
      }
      L.offsets.push_back(L.offsets.back() + static_cast<Eigen::Index>(seq.size()));
      rope_.grow(static_cast<Eigen::Index>(seq.size()));
    }
    if (L.rows() == 0) throw std::invalid_argument("gpta::nn::qwen2_decoder: empty batch");
    return L;
  }

  /// Logits [queries x vocab], row i for queries[i]; the LM head runs only on those rows.
  [[nodiscard]] matrix logits(const qwen2_sequences& batch, std::span<const qwen2_query> queries,
                              const adapters_type* lora = nullptr) {
    const auto L = layout(batch);
    const auto rows = query_rows(L, queries);
    matrix x = run_forward(L, lora, dropout_context{}, nullptr);
    matrix n = final_norm_rows(x, rows);
    matrix z(static_cast<Eigen::Index>(rows.size()), V_);
    lm_head_forward(n, z);
    return z;
  }

  /// Mean cross-entropy over every target of every sequence (no gradients).
  [[nodiscard]] double loss(const qwen2_sequences& batch, const qwen2_targets& targets,
                            const adapters_type* lora = nullptr, const dropout_context& drop = {}) {
    const auto L = layout(batch);
    const auto rows = target_rows(L, targets);
    matrix x = run_forward(L, lora, drop, nullptr);
    return head_loss(x, rows, nullptr);
  }

  /// Mean cross-entropy, and its gradient w.r.t. every adapter value added to lora.grads() (call
  /// zero_grad() first). Only each layer's input is kept from the forward pass; the layer is
  /// recomputed during the backward pass, so activation memory is [layers x tokens x hidden] plus
  /// one layer's intermediates.
  double loss_and_grad(const qwen2_sequences& batch, const qwen2_targets& targets, adapters_type& lora,
                       const dropout_context& drop = {}) {
    const auto L = layout(batch);
    const auto rows = target_rows(L, targets);
    std::vector<matrix> inputs;
    matrix x = run_forward(L, &lora, drop, &inputs);
    matrix dx = matrix::Zero(x.rows(), x.cols());
    const double l = head_loss(x, rows, &dx);
    x.resize(0, 0);
    matrix d_in;
    for (std::size_t li = config_.num_layers; li-- > 0;) {
      layer_forward(li, L, inputs[li], &lora, drop, cache_);
      layer_backward(li, L, inputs[li], dx, &lora, drop, cache_, d_in);
      dx.swap(d_in);
      inputs[li].resize(0, 0);  // free as we go: the peak is the forward's stored inputs
    }
    return l;
  }

  // -------------------------------------------------------------------------------------------
  // One block, public so tests can check the block's input gradient (attention, RoPE, RMSNorm).
  // -------------------------------------------------------------------------------------------

  /// out = block(x) (when `out` is given); `c` is left holding what layer_backward needs (it is
  /// also the block's only workspace, so inference reuses one cache for every layer).
  void layer_forward(std::size_t li, const qwen2_layout& L, const const_matrix_ref<Scalar>& x, const adapters_type* lora,
                     const dropout_context& drop, qwen2_layer_cache<Scalar>& c, matrix* out = nullptr) {
    const auto& w = weights_.layers.at(li);
    const Eigen::Index T = x.rows();
    ensure_shape(c.a1, T, H_);
    c.r1.resize(T);
    rms_norm_forward<Scalar>(x, w.attn_norm, config_.rms_norm_eps, c.a1, c.r1);
    project(li, lora_module::q, c.a1, w.q, &w.q_bias, lora, drop, c, c.q);
    project(li, lora_module::k, c.a1, w.k, &w.k_bias, lora, drop, c, c.k);
    project(li, lora_module::v, c.a1, w.v, &w.v_bias, lora, drop, c, c.v);
    rope_.apply(c.q, L.positions);
    rope_.apply(c.k, L.positions);
    attention_forward(L, c);
    project(li, lora_module::o, c.ctx, w.o, nullptr, lora, drop, c, c.attn_out);
    c.h = x + c.attn_out;
    ensure_shape(c.a2, T, H_);
    c.r2.resize(T);
    rms_norm_forward<Scalar>(c.h, w.ffn_norm, config_.rms_norm_eps, c.a2, c.r2);
    project(li, lora_module::gate, c.a2, w.gate, nullptr, lora, drop, c, c.gate);
    project(li, lora_module::up, c.a2, w.up, nullptr, lora, drop, c, c.up);
    ensure_shape(c.m, T, I_);
    detail::for_row_chunks(T, I_, [&](Eigen::Index r, Eigen::Index n) {
      const auto g = c.gate.middleRows(r, n).array();
      c.m.middleRows(r, n).array() = g / (Scalar(1) + (-g).exp()) * c.up.middleRows(r, n).array();
    });
    project(li, lora_module::down, c.m, w.down, nullptr, lora, drop, c, c.mlp_out);
    if (out) *out = c.h + c.mlp_out;
  }

  /// dx = d block / d x applied to dy; adds the block's adapter gradients to lora->grads().
  void layer_backward(std::size_t li, const qwen2_layout& L, const const_matrix_ref<Scalar>& x,
                      const const_matrix_ref<Scalar>& dy, adapters_type* lora, const dropout_context& drop,
                      qwen2_layer_cache<Scalar>& c, matrix& dx) {
    const auto& w = weights_.layers.at(li);
    const Eigen::Index T = x.rows();
    // MLP branch: y = h + down(silu(gate) * up).
    matrix dm(T, I_);
    project_backward(li, lora_module::down, c.m, w.down, dy, lora, drop, c, dm, false);
    matrix dgate(T, I_), dup(T, I_);
    detail::for_row_chunks(T, I_, [&](Eigen::Index r, Eigen::Index n) {
      const auto g = c.gate.middleRows(r, n).array();
      const auto sig = (Scalar(1) / (Scalar(1) + (-g).exp())).eval();
      const auto d = dm.middleRows(r, n).array();
      dup.middleRows(r, n).array() = d * g * sig;
      dgate.middleRows(r, n).array() = d * c.up.middleRows(r, n).array() * sig * (Scalar(1) + g * (Scalar(1) - sig));
    });
    dm.resize(0, 0);
    matrix da(T, H_);
    project_backward(li, lora_module::gate, c.a2, w.gate, dgate, lora, drop, c, da, false);
    project_backward(li, lora_module::up, c.a2, w.up, dup, lora, drop, c, da, true);
    matrix dh = dy;
    rms_norm_backward<Scalar>(c.h, c.r2, w.ffn_norm, da, dh, true);
    // Attention branch: h = x + o(attention(rope(q), rope(k), v)).
    matrix dctx(T, H_);
    project_backward(li, lora_module::o, c.ctx, w.o, dh, lora, drop, c, dctx, false);
    matrix dq(T, H_), dk(T, KV_), dv(T, KV_);
    attention_backward(L, c, dctx, dq, dk, dv);
    rope_.apply(dq, L.positions, true);
    rope_.apply(dk, L.positions, true);
    project_backward(li, lora_module::q, c.a1, w.q, dq, lora, drop, c, da, false);
    project_backward(li, lora_module::k, c.a1, w.k, dk, lora, drop, c, da, true);
    project_backward(li, lora_module::v, c.a1, w.v, dv, lora, drop, c, da, true);
    dx = std::move(dh);
    rms_norm_backward<Scalar>(x, c.r1, w.attn_norm, da, dx, true);
  }

  // -------------------------------------------------------------------------------------------
  // Incremental decoding with a KV cache (inference only: adapters apply, dropout does not).
  // -------------------------------------------------------------------------------------------

  /// Appends `ids` to the sequence in `cache` and returns the logits [1 x vocab] after its last
  /// token. The first call passes the whole prompt (one batched pass), later calls one token each.
  [[nodiscard]] matrix extend(qwen2_kv_cache<Scalar>& cache, std::span<const std::int32_t> ids,
                              const adapters_type* lora = nullptr) {
    const auto n = static_cast<Eigen::Index>(ids.size()), past = cache.length;
    if (n == 0) throw std::invalid_argument("gpta::nn::qwen2_decoder::extend: no tokens");
    if (static_cast<std::size_t>(past + n) > config_.context_length)
      throw std::invalid_argument("gpta::nn::qwen2_decoder::extend: " + std::to_string(past + n) +
                                  " tokens exceed context_length " + std::to_string(config_.context_length));
    rope_.grow(past + n);
    if (cache.k.size() != config_.num_layers) {
      cache.k.assign(config_.num_layers, matrix(0, KV_));
      cache.v.assign(config_.num_layers, matrix(0, KV_));
      cache.length = past;
    }
    std::vector<std::int32_t> pos(static_cast<std::size_t>(n));
    matrix x(n, H_);
    for (Eigen::Index r = 0; r < n; ++r) {
      const std::int32_t id = ids[static_cast<std::size_t>(r)];
      if (id < 0 || id >= V_)
        throw std::out_of_range("gpta::nn::qwen2_decoder::extend: token id " + std::to_string(id) + " outside the vocabulary");
      pos[static_cast<std::size_t>(r)] = static_cast<std::int32_t>(past + r);
      x.row(r) = weights_.token_embd.row(id);
    }
    const dropout_context drop{};
    auto& c = cache_;
    const Eigen::Index total = past + n, group = heads_ / kv_heads_;
    const Scalar scale = Scalar(1) / std::sqrt(static_cast<Scalar>(D_));
    for (std::size_t li = 0; li < config_.num_layers; ++li) {
      const auto& w = weights_.layers[li];
      ensure_shape(c.a1, n, H_);
      c.r1.resize(n);
      rms_norm_forward<Scalar>(x, w.attn_norm, config_.rms_norm_eps, c.a1, c.r1);
      project(li, lora_module::q, c.a1, w.q, &w.q_bias, lora, drop, c, c.q);
      project(li, lora_module::k, c.a1, w.k, &w.k_bias, lora, drop, c, c.k);
      project(li, lora_module::v, c.a1, w.v, &w.v_bias, lora, drop, c, c.v);
      rope_.apply(c.q, pos);
      rope_.apply(c.k, pos);
      auto& K = cache.k[li];
      auto& Vc = cache.v[li];
      if (K.rows() < total) {
        const Eigen::Index cap = std::max<Eigen::Index>(total, 2 * K.rows());
        K.conservativeResize(cap, KV_);
        Vc.conservativeResize(cap, KV_);
      }
      K.middleRows(past, n) = c.k;
      Vc.middleRows(past, n) = c.v;
      ensure_shape(c.ctx, n, H_);
      for (Eigen::Index h = 0; h < heads_; ++h) {
        const Eigen::Index g = h / group;
        matrix p = c.q.middleCols(h * D_, D_) * K.topRows(total).middleCols(g * D_, D_).transpose();
        for (Eigen::Index i = 0; i < n; ++i) {
          auto row = p.row(i).head(past + i + 1);
          row *= scale;
          const Scalar mx = row.maxCoeff();
          row = (row.array() - mx).exp().matrix();
          row /= row.sum();
          p.row(i).tail(n - i - 1).setZero();
        }
        c.ctx.middleCols(h * D_, D_).noalias() = p * Vc.topRows(total).middleCols(g * D_, D_);
      }
      project(li, lora_module::o, c.ctx, w.o, nullptr, lora, drop, c, c.attn_out);
      c.h = x + c.attn_out;
      ensure_shape(c.a2, n, H_);
      c.r2.resize(n);
      rms_norm_forward<Scalar>(c.h, w.ffn_norm, config_.rms_norm_eps, c.a2, c.r2);
      project(li, lora_module::gate, c.a2, w.gate, nullptr, lora, drop, c, c.gate);
      project(li, lora_module::up, c.a2, w.up, nullptr, lora, drop, c, c.up);
      c.m = (c.gate.array() / (Scalar(1) + (-c.gate.array()).exp()) * c.up.array()).matrix();
      project(li, lora_module::down, c.m, w.down, nullptr, lora, drop, c, c.mlp_out);
      x = c.h + c.mlp_out;
    }
    cache.length = total;
    const std::vector<Eigen::Index> last{n - 1};
    matrix nrm = final_norm_rows(x, last);
    matrix z(1, V_);
    lm_head_forward(nrm, z);
    return z;
  }

  /// Greedy continuation of `prompt`: at most `max_new_tokens` ids, ending early after (and
  /// including) the first id listed in `stop`, as transformers' generate(do_sample=False) does.
  [[nodiscard]] std::vector<std::int32_t> generate_greedy(const std::vector<std::int32_t>& prompt,
                                                          std::size_t max_new_tokens,
                                                          std::span<const std::int32_t> stop = {},
                                                          const adapters_type* lora = nullptr) {
    std::vector<std::int32_t> out;
    if (max_new_tokens == 0) return out;
    qwen2_kv_cache<Scalar> cache;
    matrix z = extend(cache, prompt, lora);
    for (;;) {
      Eigen::Index arg = 0;
      z.row(0).maxCoeff(&arg);  // first maximum on ties, as torch.argmax
      const auto id = static_cast<std::int32_t>(arg);
      out.push_back(id);
      if (out.size() >= max_new_tokens || std::find(stop.begin(), stop.end(), id) != stop.end()) break;
      z = extend(cache, std::span<const std::int32_t>(&out.back(), 1), lora);
    }
    return out;
  }

  /// Hidden states after the last block (before the final norm), [rows x hidden]: what a KV cache
  /// or a pooled head would read.
  [[nodiscard]] matrix hidden_states(const qwen2_layout& L, const adapters_type* lora = nullptr) {
    return run_forward(L, lora, dropout_context{}, nullptr);
  }

 private:
  void check_weights() const {
    const auto& w = weights_;
    auto need = [](const matrix& m, Eigen::Index r, Eigen::Index c, const std::string& name) {
      if (m.rows() != r || m.cols() != c)
        throw std::invalid_argument("gpta::nn::qwen2_decoder: " + name + " is " + std::to_string(m.rows()) + "x" +
                                    std::to_string(m.cols()) + ", the config needs " + std::to_string(r) + "x" +
                                    std::to_string(c));
    };
    need(w.token_embd, V_, H_, "token_embd.weight");
    need(w.output_norm, 1, H_, "output_norm.weight");
    if (w.output.size() != 0) need(w.output, V_, H_, "output.weight");
    if (w.layers.size() != config_.num_layers)
      throw std::invalid_argument("gpta::nn::qwen2_decoder: weights have " + std::to_string(w.layers.size()) +
                                  " layers, the config " + std::to_string(config_.num_layers));
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
      const auto& b = w.layers[l];
      const std::string p = "blk." + std::to_string(l) + ".";
      need(b.attn_norm, 1, H_, p + "attn_norm.weight");
      need(b.q, H_, H_, p + "attn_q.weight");
      need(b.k, KV_, H_, p + "attn_k.weight");
      need(b.v, KV_, H_, p + "attn_v.weight");
      need(b.o, H_, H_, p + "attn_output.weight");
      need(b.q_bias, 1, H_, p + "attn_q.bias");
      need(b.k_bias, 1, KV_, p + "attn_k.bias");
      need(b.v_bias, 1, KV_, p + "attn_v.bias");
      need(b.ffn_norm, 1, H_, p + "ffn_norm.weight");
      need(b.gate, I_, H_, p + "ffn_gate.weight");
      need(b.up, I_, H_, p + "ffn_up.weight");
      need(b.down, H_, I_, p + "ffn_down.weight");
    }
  }

  [[nodiscard]] std::uint64_t site(std::size_t li, lora_module m) const noexcept {
    return static_cast<std::uint64_t>(li) * lora_module_count + static_cast<unsigned>(m);
  }

  /// y = x W^T (+ b) (+ the adapter of (li, m) when there is one).
  void project(std::size_t li, lora_module m, const matrix& x, const matrix& W, const matrix* bias,
               const adapters_type* lora, const dropout_context& drop, qwen2_layer_cache<Scalar>& c, matrix& y) {
    ensure_shape(y, x.rows(), W.rows());
    detail::qwen2_gemm<Scalar>(y, x, W.transpose(), false);
    if (bias) y.rowwise() += bias->row(0);
    if (lora) {
      const std::size_t a = lora->find(li, m);
      if (a != adapters_type::npos)
        lora->forward(a, x, y, c.lora[static_cast<unsigned>(m)], drop.site_key(site(li, m)), drop.training);
    }
  }

  /// dx (=|+=) dy W, plus the adapter's input share and its parameter gradients.
  void project_backward(std::size_t li, lora_module m, const matrix& x, const matrix& W,
                        const const_matrix_ref<Scalar>& dy, adapters_type* lora, const dropout_context& drop,
                        qwen2_layer_cache<Scalar>& c, matrix& dx, bool accumulate) {
    detail::qwen2_gemm<Scalar>(dx, dy, W, accumulate);
    if (lora) {
      const std::size_t a = lora->find(li, m);
      if (a != adapters_type::npos)
        lora->backward(a, x, dy, c.lora[static_cast<unsigned>(m)], dx, drop.site_key(site(li, m)), drop.training);
    }
  }

  /// Causal grouped-query attention per (sequence, head): head h reads kv head h / (heads / kv_heads).
  void attention_forward(const qwen2_layout& L, qwen2_layer_cache<Scalar>& c) const {
    const Eigen::Index S = static_cast<Eigen::Index>(L.sequences()), group = heads_ / kv_heads_;
    const Scalar scale = Scalar(1) / std::sqrt(static_cast<Scalar>(D_));
    c.probs.resize(static_cast<std::size_t>(S * heads_));
    ensure_shape(c.ctx, L.rows(), H_);
    const Eigen::Index work = L.rows() * H_ * 8;
    (void)work;
    GPTA_BERT_PARALLEL_FOR_DYNAMIC(work)
    for (Eigen::Index job = 0; job < S * heads_; ++job) {
      const Eigen::Index s = job / heads_, h = job % heads_, g = h / group;
      const Eigen::Index off = L.offsets[static_cast<std::size_t>(s)], n = L.length(static_cast<std::size_t>(s));
      auto& p = c.probs[static_cast<std::size_t>(job)];
      p.resize(n, n);
      p.noalias() = c.q.block(off, h * D_, n, D_) * c.k.block(off, g * D_, n, D_).transpose();
      for (Eigen::Index i = 0; i < n; ++i) {
        auto row = p.row(i).head(i + 1);
        row *= scale;
        const Scalar mx = row.maxCoeff();
        row = (row.array() - mx).exp().matrix();
        row /= row.sum();
        p.row(i).tail(n - i - 1).setZero();
      }
      c.ctx.block(off, h * D_, n, D_).noalias() = p * c.v.block(off, g * D_, n, D_);
    }
  }

  /// Gradients of the rotated q, k and of v from d ctx. Jobs are (sequence, kv head), so the heads
  /// that share a kv head add into it without a race.
  void attention_backward(const qwen2_layout& L, const qwen2_layer_cache<Scalar>& c, const matrix& dctx, matrix& dq,
                          matrix& dk, matrix& dv) const {
    const Eigen::Index S = static_cast<Eigen::Index>(L.sequences()), group = heads_ / kv_heads_;
    const Scalar scale = Scalar(1) / std::sqrt(static_cast<Scalar>(D_));
    dk.setZero();
    dv.setZero();
    const Eigen::Index work = L.rows() * H_ * 8;
    (void)work;
    GPTA_BERT_PARALLEL_FOR_DYNAMIC(work)
    for (Eigen::Index job = 0; job < S * kv_heads_; ++job) {
      const Eigen::Index s = job / kv_heads_, g = job % kv_heads_;
      const Eigen::Index off = L.offsets[static_cast<std::size_t>(s)], n = L.length(static_cast<std::size_t>(s));
      matrix dp(n, n);
      for (Eigen::Index h = g * group; h < (g + 1) * group; ++h) {
        const auto& p = c.probs[static_cast<std::size_t>(s * heads_ + h)];
        const auto dc = dctx.block(off, h * D_, n, D_);
        dv.block(off, g * D_, n, D_).noalias() += p.transpose() * dc;
        dp.noalias() = dc * c.v.block(off, g * D_, n, D_).transpose();
        // dS = P o (dP - rowsum(dP o P)), then the 1/sqrt(d) of the scores.
        for (Eigen::Index i = 0; i < n; ++i) {
          const Scalar dot = (dp.row(i).head(i + 1).array() * p.row(i).head(i + 1).array()).sum();
          dp.row(i).head(i + 1) = (p.row(i).head(i + 1).array() * (dp.row(i).head(i + 1).array() - dot) * scale).matrix();
          dp.row(i).tail(n - i - 1).setZero();
        }
        dq.block(off, h * D_, n, D_).noalias() = dp * c.k.block(off, g * D_, n, D_);
        dk.block(off, g * D_, n, D_).noalias() += dp.transpose() * c.q.block(off, h * D_, n, D_);
      }
    }
  }

  /// Embedding lookup, then every block. `inputs` (training) receives each block's input.
  matrix run_forward(const qwen2_layout& L, const adapters_type* lora, const dropout_context& drop,
                     std::vector<matrix>* inputs) {
    matrix x(L.rows(), H_);
    for (Eigen::Index r = 0; r < L.rows(); ++r) x.row(r) = weights_.token_embd.row(L.ids[static_cast<std::size_t>(r)]);
    if (inputs) inputs->resize(config_.num_layers);
    matrix next;
    for (std::size_t li = 0; li < config_.num_layers; ++li) {
      layer_forward(li, L, x, lora, drop, cache_, &next);
      if (inputs)
        (*inputs)[li] = std::move(x);
      x.swap(next);
    }
    return x;
  }

  std::vector<Eigen::Index> query_rows(const qwen2_layout& L, std::span<const qwen2_query> queries) const {
    std::vector<Eigen::Index> rows;
    for (const auto& q : queries) {
      if (q.sequence >= L.sequences() || static_cast<Eigen::Index>(q.position) >= L.length(q.sequence))
        throw std::out_of_range("gpta::nn::qwen2_decoder::logits: query (" + std::to_string(q.sequence) + ", " +
                                std::to_string(q.position) + ") is outside the batch");
      rows.push_back(L.offsets[q.sequence] + static_cast<Eigen::Index>(q.position));
    }
    return rows;
  }

  struct target_row {
    Eigen::Index row;
    std::int32_t token;
  };

  std::vector<target_row> target_rows(const qwen2_layout& L, const qwen2_targets& targets) const {
    if (targets.size() != L.sequences())
      throw std::invalid_argument("gpta::nn::qwen2_decoder: " + std::to_string(targets.size()) +
                                  " target lists for " + std::to_string(L.sequences()) + " sequences");
    std::vector<target_row> rows;
    for (std::size_t s = 0; s < targets.size(); ++s)
      for (const auto& t : targets[s]) {
        if (static_cast<Eigen::Index>(t.position) >= L.length(s))
          throw std::out_of_range("gpta::nn::qwen2_decoder: target position " + std::to_string(t.position) +
                                  " outside sequence " + std::to_string(s));
        if (t.token < 0 || t.token >= V_)
          throw std::out_of_range("gpta::nn::qwen2_decoder: target token " + std::to_string(t.token) + " outside the vocabulary");
        rows.push_back({L.offsets[s] + static_cast<Eigen::Index>(t.position), t.token});
      }
    if (rows.empty()) throw std::invalid_argument("gpta::nn::qwen2_decoder: no loss targets");
    return rows;
  }

  /// Final RMSNorm of the chosen rows only (the norm is row-wise, so gathering first is exact).
  template <class Rows>
  matrix final_norm_rows(const matrix& x, const Rows& rows, matrix* gathered = nullptr,
                         column_vector<Scalar>* inv = nullptr) const {
    matrix g(static_cast<Eigen::Index>(rows.size()), H_);
    for (std::size_t i = 0; i < rows.size(); ++i) g.row(static_cast<Eigen::Index>(i)) = x.row(row_of(rows[i]));
    matrix n(g.rows(), H_);
    column_vector<Scalar> r(g.rows());
    rms_norm_forward<Scalar>(g, weights_.output_norm, config_.rms_norm_eps, n, r);
    if (gathered) *gathered = std::move(g);
    if (inv) *inv = std::move(r);
    return n;
  }
  static Eigen::Index row_of(Eigen::Index r) noexcept { return r; }
  static Eigen::Index row_of(const target_row& r) noexcept { return r.row; }

  /// z = n E^T, computed as (E n^T)^T so the vocabulary (not the few rows) is split over threads.
  void lm_head_forward(const matrix& n, matrix& z) const {
    const auto& E = weights_.lm_head();
    matrix zt(V_, n.rows());
    gemm_rows<Scalar>(zt, E, n.transpose(), false);
    z = zt.transpose();
  }

  /// Mean cross-entropy at `rows`; with `dx`, adds d loss / d (last block output) into it. The
  /// logits exist for 64 rows at a time: [64 x 151936] floats is 39 MB, all 512 rows would be 311 MB.
  double head_loss(const matrix& x, const std::vector<target_row>& rows, matrix* dx) const {
    constexpr std::size_t chunk = 64;
    const auto& E = weights_.lm_head();
    const double inv_count = 1.0 / static_cast<double>(rows.size());
    double total = 0;
    for (std::size_t b = 0; b < rows.size(); b += chunk) {
      const std::vector<target_row> part(rows.begin() + static_cast<std::ptrdiff_t>(b),
                                         rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), b + chunk)));
      matrix g;
      column_vector<Scalar> inv;
      matrix n = final_norm_rows(x, part, &g, &inv);
      matrix z;
      lm_head_forward(n, z);
      for (std::size_t i = 0; i < part.size(); ++i) {
        auto zr = z.row(static_cast<Eigen::Index>(i));
        const Scalar mx = zr.maxCoeff();
        const double sum = (zr.array() - mx).template cast<double>().exp().sum();
        const double lse = static_cast<double>(mx) + std::log(sum);
        total += lse - static_cast<double>(zr(part[i].token));
        if (dx) {  // softmax - onehot, over the number of targets
          zr = ((zr.array() - static_cast<Scalar>(lse)).exp() * static_cast<Scalar>(inv_count)).matrix();
          zr(part[i].token) -= static_cast<Scalar>(inv_count);
        }
      }
      if (!dx) continue;
      matrix dn(n.rows(), H_);
      detail::qwen2_gemm<Scalar>(dn, z, E, false);
      matrix dg(n.rows(), H_);
      rms_norm_backward<Scalar>(g, inv, weights_.output_norm, dn, dg, false);
      for (std::size_t i = 0; i < part.size(); ++i) dx->row(part[i].row) += dg.row(static_cast<Eigen::Index>(i));
    }
    return total * inv_count;
  }

  qwen2_config config_;
  qwen2_weights<Scalar> weights_;
  rope_table<Scalar> rope_;
  qwen2_layer_cache<Scalar> cache_;
  Eigen::Index H_ = 0, I_ = 0, V_ = 0, D_ = 0, KV_ = 0, heads_ = 0, kv_heads_ = 0;
};

}  // namespace gpta::nn
