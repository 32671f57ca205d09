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
#include <gpta/nn/qwen2/caches.hpp>
#include <gpta/nn/qwen2/config.hpp>
#include <gpta/nn/qwen2/gemm.hpp>
#include <gpta/nn/qwen2/lm_head.hpp>
#include <gpta/nn/qwen2/weights.hpp>
#include <gpta/nn/rms_norm.hpp>
#include <gpta/nn/rope.hpp>

namespace gpta::nn {

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
    matrix z;
    head().logits(head().norm_rows(x, rows, [](Eigen::Index r) { return r; }), z);
    return z;
  }

  /// log p(token | tokens [0, position]) of every target, sequence by sequence in list order:
  /// label words, option letters or any fixed continuation, scored in one batched pass.
  [[nodiscard]] std::vector<double> log_probs(const qwen2_sequences& batch, const qwen2_targets& targets,
                                              const adapters_type* lora = nullptr) {
    const auto L = layout(batch);
    const auto rows = target_rows(L, targets);
    const matrix x = run_forward(L, lora, dropout_context{}, nullptr);
    return head().log_probs(x, rows);
  }

  /// Mean cross-entropy over every target of every sequence (no gradients).
  [[nodiscard]] double loss(const qwen2_sequences& batch, const qwen2_targets& targets,
                            const adapters_type* lora = nullptr, const dropout_context& drop = {}) {
    const auto L = layout(batch);
    const auto rows = target_rows(L, targets);
    const matrix x = run_forward(L, lora, drop, nullptr);
    double total = 0;
    for (const double lp : head().log_probs(x, rows)) total -= lp;
    return total / static_cast<double>(rows.size());
  }

  /// Activation memory of the training calls. Off (the default): only each layer's input is kept
  /// from the forward pass and the layer is recomputed in the backward pass, so activation memory
  /// is [layers x tokens x hidden] plus one layer's intermediates (3 forward passes' work a step).
  /// On: every layer's intermediates are kept (about 20 x as much; the buffers stay allocated for
  /// the next step) and nothing is recomputed (2 passes' work). The gradients are the same.
  void keep_activations(bool on) {
    keep_activations_ = on;
    if (!on) kept_.clear();
  }
  [[nodiscard]] bool keeps_activations() const noexcept { return keep_activations_; }

  /// Mean cross-entropy, and its gradient w.r.t. every adapter value added to lora.grads() (call
  /// zero_grad() first). Activation memory: see keep_activations().
  double loss_and_grad(const qwen2_sequences& batch, const qwen2_targets& targets, adapters_type& lora,
                       const dropout_context& drop = {}) {
    const auto L = layout(batch);
    const auto rows = target_rows(L, targets);
    std::vector<matrix> inputs;
    matrix x = run_forward(L, &lora, drop, &inputs);
    matrix dx = matrix::Zero(x.rows(), x.cols());
    const std::vector<double> g(rows.size(), -1.0 / static_cast<double>(rows.size()));
    double total = 0;
    for (const double lp : head().log_probs(x, rows, g, &dx)) total -= lp;
    x.resize(0, 0);
    backward_blocks(L, inputs, dx, lora, drop);
    return total / static_cast<double>(rows.size());
  }

  /// Any differentiable function of the targets' log-probabilities (a class-level cross-entropy
  /// over label words, a sequence score): `objective(logp, dlogp)` returns the loss and writes
  /// d loss / d logp_i into dlogp. The gradient w.r.t. the adapters is added to lora.grads(). The
  /// head runs twice (once to read the log-probabilities, once with their gradient), which costs
  /// little next to the blocks when the targets are few.
  template <class Objective>
  double objective_and_grad(const qwen2_sequences& batch, const qwen2_targets& targets, adapters_type& lora,
                            const dropout_context& drop, Objective&& objective) {
    const auto L = layout(batch);
    const auto rows = target_rows(L, targets);
    std::vector<matrix> inputs;
    matrix x = run_forward(L, &lora, drop, &inputs);
    const std::vector<double> logp = head().log_probs(x, rows);
    std::vector<double> g(rows.size(), 0.0);
    const double l = objective(std::span<const double>(logp), std::span<double>(g));
    matrix dx = matrix::Zero(x.rows(), x.cols());
    (void)head().log_probs(x, rows, g, &dx);
    x.resize(0, 0);
    backward_blocks(L, inputs, dx, lora, drop);
    return l;
  }

  // -------------------------------------------------------------------------------------------
  // One block, public so tests can check the block's input gradient (attention, RoPE, RMSNorm).
  // -------------------------------------------------------------------------------------------

  /// out = block(x) (when `out` is given); `c` is left holding what layer_backward needs (it is
  /// also the block's only workspace, so inference reuses one cache for every layer).
  void layer_forward(std::size_t li, const qwen2_layout& L, const const_matrix_ref<Scalar>& x, const adapters_type* lora,
                     const dropout_context& drop, qwen2_layer_cache<Scalar>& c, matrix* out = nullptr) {
    (void)weights_.layers.at(li);  // a bad layer index is std::out_of_range, not UB
    attention_inputs(li, x, L.positions, lora, drop, c);
    attention_forward(L, c);
    block_output(li, x, lora, drop, c);
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
    if (ids.empty()) throw std::invalid_argument("gpta::nn::qwen2_decoder::extend: no tokens");
    qwen2_kv_cache<Scalar>* one[] = {&cache};
    return extend_many(one, qwen2_sequences{std::vector<std::int32_t>(ids.begin(), ids.end())}, lora);
  }

  /// Batched extend: ids[s] is appended to *caches[s] (distinct caches, e.g. one per document or
  /// per beam), all sequences in one pass, so each decoding step reads the weights once for the
  /// whole batch. Row s of the result [sequences x vocab] holds the logits after ids[s]'s last
  /// token. Equal to calling extend() on every cache in turn.
  [[nodiscard]] matrix extend_many(std::span<qwen2_kv_cache<Scalar>* const> caches, const qwen2_sequences& ids,
                                   const adapters_type* lora = nullptr) {
    if (caches.size() != ids.size())
      throw std::invalid_argument("gpta::nn::qwen2_decoder::extend_many: " + std::to_string(ids.size()) +
                                  " sequences for " + std::to_string(caches.size()) + " caches");
    const auto L = layout(ids);
    const std::vector<const qwen2_kv_cache<Scalar>*> past(caches.begin(), caches.end());
    const matrix x = run_after(past, L, lora, caches);
    std::vector<Eigen::Index> last;
    for (std::size_t s = 0; s < ids.size(); ++s) last.push_back(L.offsets[s + 1] - 1);
    matrix z;
    head().logits(head().norm_rows(x, last, [](Eigen::Index r) { return r; }), z);
    return z;
  }

  /// Shared-prompt scoring: every sequence of `suffixes` continues the tokens already in `past`
  /// (which is left unchanged), and log_probs() is read at `targets` (positions inside each
  /// suffix). Equal to scoring past + suffix in full, at the cost of the suffixes only: a
  /// template and an instruction common to a batch are computed once.
  [[nodiscard]] std::vector<double> log_probs_after(const qwen2_kv_cache<Scalar>& past, const qwen2_sequences& suffixes,
                                                    const qwen2_targets& targets, const adapters_type* lora = nullptr) {
    const auto L = layout(suffixes);
    const auto rows = target_rows(L, targets);
    const std::vector<const qwen2_kv_cache<Scalar>*> shared(L.sequences(), &past);
    const matrix x = run_after(shared, L, lora);
    return head().log_probs(x, rows);
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

  /// A block's first half: RMSNorm, q/k/v projections (with adapters), RoPE at `positions`.
  void attention_inputs(std::size_t li, const const_matrix_ref<Scalar>& x, const std::vector<std::int32_t>& positions,
                        const adapters_type* lora, const dropout_context& drop, qwen2_layer_cache<Scalar>& c) {
    const auto& w = weights_.layers[li];
    const Eigen::Index T = x.rows();
    ensure_shape(c.a1, T, H_);
    c.r1.resize(T);
    rms_norm_forward<Scalar>(x, w.attn_norm, config_.rms_norm_eps, c.a1, c.r1);
    project(li, lora_module::q, c.a1, w.q, &w.q_bias, lora, drop, c, c.q);
    project(li, lora_module::k, c.a1, w.k, &w.k_bias, lora, drop, c, c.k);
    project(li, lora_module::v, c.a1, w.v, &w.v_bias, lora, drop, c, c.v);
    rope_.apply(c.q, positions);
    rope_.apply(c.k, positions);
  }

  /// A block's second half from c.ctx: output projection, residual, RMSNorm and the SwiGLU MLP;
  /// the block's output is c.h + c.mlp_out.
  void block_output(std::size_t li, const const_matrix_ref<Scalar>& x, const adapters_type* lora,
                    const dropout_context& drop, qwen2_layer_cache<Scalar>& c) {
    const auto& w = weights_.layers[li];
    const Eigen::Index T = x.rows();
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
  }

  /// The blocks for the packed sequences of `L`, sequence s continuing the tokens already in
  /// *past[s] (positions and attention include them; a cache that was never filled holds none).
  /// With `sink` non-empty (one distinct cache per sequence, sink[s] == past[s]), each sequence's
  /// new keys and values are appended to its cache. Inference only: adapters apply, dropout does not.
  matrix run_after(std::span<const qwen2_kv_cache<Scalar>* const> past, const qwen2_layout& L,
                   const adapters_type* lora, std::span<qwen2_kv_cache<Scalar>* const> sink = {}) {
    const std::size_t S = L.sequences();
    const Eigen::Index T = L.rows();
    if (past.size() != S) throw std::invalid_argument("gpta::nn::qwen2_decoder: one cache per sequence is needed");
    if (!sink.empty()) {
      if (sink.size() != S) throw std::invalid_argument("gpta::nn::qwen2_decoder: one cache per extended sequence is needed");
      for (std::size_t s = 0; s < S; ++s) {
        if (sink[s] != past[s]) throw std::invalid_argument("gpta::nn::qwen2_decoder: sink and past caches differ");
        for (std::size_t t = 0; t < s; ++t)
          if (sink[t] == sink[s]) throw std::invalid_argument("gpta::nn::qwen2_decoder: two sequences extend one cache");
      }
    }
    auto filled = [&](const qwen2_kv_cache<Scalar>* c) { return c && c->k.size() == config_.num_layers; };
    std::vector<Eigen::Index> P(S, 0);
    Eigen::Index longest = 0;
    for (std::size_t s = 0; s < S; ++s) {
      P[s] = filled(past[s]) ? past[s]->length : 0;
      if (static_cast<std::size_t>(P[s] + L.length(s)) > config_.context_length)
        throw std::invalid_argument("gpta::nn::qwen2_decoder: " + std::to_string(P[s] + L.length(s)) +
                                    " tokens exceed context_length " + std::to_string(config_.context_length));
      longest = std::max(longest, P[s] + L.length(s));
    }
    rope_.grow(longest);
    for (auto* c : sink)
      if (!filled(c)) {
        c->k.assign(config_.num_layers, matrix(0, KV_));
        c->v.assign(config_.num_layers, matrix(0, KV_));
        c->length = 0;
      }
    std::vector<std::int32_t> pos(L.positions);
    for (std::size_t s = 0; s < S; ++s)
      for (Eigen::Index r = L.offsets[s]; r < L.offsets[s + 1]; ++r)
        pos[static_cast<std::size_t>(r)] += static_cast<std::int32_t>(P[s]);
    matrix x(T, H_);
    for (Eigen::Index r = 0; r < T; ++r) x.row(r) = weights_.token_embd.row(L.ids[static_cast<std::size_t>(r)]);
    const dropout_context drop{};
    auto& c = cache_;
    const Eigen::Index group = heads_ / kv_heads_;
    const Scalar scale = Scalar(1) / std::sqrt(static_cast<Scalar>(D_));
    for (std::size_t li = 0; li < config_.num_layers; ++li) {
      attention_inputs(li, x, pos, lora, drop, c);
      ensure_shape(c.ctx, T, H_);
      const Eigen::Index jobs = static_cast<Eigen::Index>(S) * heads_;
      const Eigen::Index work = T * longest * H_;
      (void)work;
      GPTA_BERT_PARALLEL_FOR_DYNAMIC(work)
      for (Eigen::Index job = 0; job < jobs; ++job) {
        const Eigen::Index h = job % heads_, g = h / group;
        const auto s = static_cast<std::size_t>(job / heads_);
        const Eigen::Index off = L.offsets[s], n = L.length(s), Ps = P[s];
        // Scores against the past (all visible) then the sequence's own tokens (causal).
        matrix p(n, Ps + n);
        if (Ps > 0)
          p.leftCols(Ps).noalias() =
              c.q.block(off, h * D_, n, D_) * past[s]->k[li].topRows(Ps).middleCols(g * D_, D_).transpose();
        p.rightCols(n).noalias() = c.q.block(off, h * D_, n, D_) * c.k.block(off, g * D_, n, D_).transpose();
        for (Eigen::Index i = 0; i < n; ++i) {
          auto row = p.row(i).head(Ps + i + 1);
          row *= scale;
          const Scalar mx = row.maxCoeff();
          row = (row.array() - mx).exp().matrix();
          row /= row.sum();
          p.row(i).tail(n - i - 1).setZero();
        }
        auto ctx = c.ctx.block(off, h * D_, n, D_);
        ctx.noalias() = p.rightCols(n) * c.v.block(off, g * D_, n, D_);
        if (Ps > 0) ctx.noalias() += p.leftCols(Ps) * past[s]->v[li].topRows(Ps).middleCols(g * D_, D_);
      }
      for (std::size_t s = 0; s < sink.size(); ++s) {
        auto& K = sink[s]->k[li];
        auto& Vc = sink[s]->v[li];
        const Eigen::Index n = L.length(s);
        if (K.rows() < P[s] + n) {
          const Eigen::Index cap = std::max<Eigen::Index>(P[s] + n, 2 * K.rows());
          K.conservativeResize(cap, KV_);
          Vc.conservativeResize(cap, KV_);
        }
        K.middleRows(P[s], n) = c.k.middleRows(L.offsets[s], n);
        Vc.middleRows(P[s], n) = c.v.middleRows(L.offsets[s], n);
      }
      block_output(li, x, lora, drop, c);
      x = c.h + c.mlp_out;
    }
    for (std::size_t s = 0; s < sink.size(); ++s) sink[s]->length = P[s] + L.length(s);
    return x;
  }

  /// Embedding lookup, then every block. `inputs` (training) receives each block's input.
  matrix run_forward(const qwen2_layout& L, const adapters_type* lora, const dropout_context& drop,
                     std::vector<matrix>* inputs) {
    matrix x(L.rows(), H_);
    for (Eigen::Index r = 0; r < L.rows(); ++r) x.row(r) = weights_.token_embd.row(L.ids[static_cast<std::size_t>(r)]);
    if (inputs) inputs->resize(config_.num_layers);
    const bool keep = inputs && keep_activations_;
    if (keep) kept_.resize(config_.num_layers);
    matrix next;
    for (std::size_t li = 0; li < config_.num_layers; ++li) {
      layer_forward(li, L, x, lora, drop, keep ? kept_[li] : cache_, &next);
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

  std::vector<qwen2_head_row> target_rows(const qwen2_layout& L, const qwen2_targets& targets) const {
    if (targets.size() != L.sequences())
      throw std::invalid_argument("gpta::nn::qwen2_decoder: " + std::to_string(targets.size()) +
                                  " target lists for " + std::to_string(L.sequences()) + " sequences");
    std::vector<qwen2_head_row> rows;
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

  [[nodiscard]] qwen2_lm_head<Scalar> head() const { return {weights_, config_.rms_norm_eps}; }

  /// The backward pass through every block, last to first, from d (last block output).
  void backward_blocks(const qwen2_layout& L, std::vector<matrix>& inputs, matrix& dx, adapters_type& lora,
                       const dropout_context& drop) {
    matrix d_in;
    const bool kept = keep_activations_ && kept_.size() == config_.num_layers;
    for (std::size_t li = config_.num_layers; li-- > 0;) {
      auto& c = kept ? kept_[li] : cache_;
      if (!kept) layer_forward(li, L, inputs[li], &lora, drop, c);
      layer_backward(li, L, inputs[li], dx, &lora, drop, c, d_in);
      dx.swap(d_in);
      inputs[li].resize(0, 0);  // free as we go: the peak is the forward's stored inputs
    }
  }

  qwen2_config config_;
  qwen2_weights<Scalar> weights_;
  rope_table<Scalar> rope_;
  qwen2_layer_cache<Scalar> cache_;
  bool keep_activations_ = false;
  std::vector<qwen2_layer_cache<Scalar>> kept_;  ///< per layer, when activations are kept
  Eigen::Index H_ = 0, I_ = 0, V_ = 0, D_ = 0, KV_ = 0, heads_ = 0, kv_heads_ = 0;
};

}  // namespace gpta::nn
