// The frozen base weights of a Qwen2 decoder, laid out as the GGUF/PyTorch tensors are ([out x in]).
// Loaded from GGUF by nn/qwen2/load_gguf.hpp; init_random() makes tiny models for gradient checks.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <gpta/detail/random.hpp>
#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/lora.hpp>
#include <gpta/nn/qwen2/config.hpp>

namespace gpta::nn {

/// One decoder block. Norm gains and biases are [1 x n] rows; projections are [out x in] so
/// y = x W^T, and row r of a GGUF matrix (ne0 = in, ne1 = out) is row r here.
template <class Scalar>
struct qwen2_layer_weights {
  row_matrix<Scalar> attn_norm;                 ///< blk.N.attn_norm.weight [1 x H]
  row_matrix<Scalar> q, k, v, o;                ///< attn_q/k/v/output.weight: [H x H], [kv x H], [kv x H], [H x H]
  row_matrix<Scalar> q_bias, k_bias, v_bias;    ///< attn_q/k/v.bias [1 x H], [1 x kv], [1 x kv] (o has none)
  row_matrix<Scalar> ffn_norm;                  ///< blk.N.ffn_norm.weight [1 x H]
  row_matrix<Scalar> gate, up, down;            ///< ffn_gate/up [I x H], ffn_down [H x I]
};

template <class Scalar>
struct qwen2_weights {
  row_matrix<Scalar> token_embd;                ///< [V x H]
  std::vector<qwen2_layer_weights<Scalar>> layers;
  row_matrix<Scalar> output_norm;               ///< [1 x H]
  row_matrix<Scalar> output;                    ///< [V x H]; empty when the head is tied to token_embd

  [[nodiscard]] const row_matrix<Scalar>& lm_head() const noexcept { return output.size() == 0 ? token_embd : output; }

  /// Shapes every tensor for `c` (values zero).
  void resize(const qwen2_config& c) {
    c.validate();
    const auto H = static_cast<Eigen::Index>(c.hidden_size), I = static_cast<Eigen::Index>(c.intermediate_size);
    const auto V = static_cast<Eigen::Index>(c.vocab_size), KV = static_cast<Eigen::Index>(c.kv_dim());
    token_embd = row_matrix<Scalar>::Zero(V, H);
    output_norm = row_matrix<Scalar>::Zero(1, H);
    output = c.tied_embeddings ? row_matrix<Scalar>() : row_matrix<Scalar>::Zero(V, H);
    layers.assign(c.num_layers, {});
    for (auto& l : layers) {
      l.attn_norm = row_matrix<Scalar>::Zero(1, H);
      l.q = row_matrix<Scalar>::Zero(H, H);
      l.k = row_matrix<Scalar>::Zero(KV, H);
      l.v = row_matrix<Scalar>::Zero(KV, H);
      l.o = row_matrix<Scalar>::Zero(H, H);
      l.q_bias = row_matrix<Scalar>::Zero(1, H);
      l.k_bias = row_matrix<Scalar>::Zero(1, KV);
      l.v_bias = row_matrix<Scalar>::Zero(1, KV);
      l.ffn_norm = row_matrix<Scalar>::Zero(1, H);
      l.gate = row_matrix<Scalar>::Zero(I, H);
      l.up = row_matrix<Scalar>::Zero(I, H);
      l.down = row_matrix<Scalar>::Zero(H, I);
    }
  }

  /// Random weights for a tiny test model: projections N(0, std), norm gains 1 + N(0, 0.1),
  /// biases N(0, std). Portable (gpta::detail randomness), so every platform checks the same model.
  void init_random(const qwen2_config& c, std::uint64_t seed, double std = 0.3) {
    resize(c);
    std::mt19937_64 rng(gpta::detail::mix_seed(seed, 0x9e2));
    auto normal = [&] {
      const double u1 = 1.0 - gpta::detail::uniform_unit(rng), u2 = gpta::detail::uniform_unit(rng);
      return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    };
    auto fill = [&](row_matrix<Scalar>& m, double mean, double s) {
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(mean + s * normal());
    };
    fill(token_embd, 0, 1.0);
    fill(output_norm, 1, 0.1);
    if (!c.tied_embeddings) fill(output, 0, std);
    for (auto& l : layers) {
      fill(l.attn_norm, 1, 0.1);
      fill(l.ffn_norm, 1, 0.1);
      for (auto* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down, &l.q_bias, &l.k_bias, &l.v_bias}) fill(*m, 0, std);
    }
  }

  /// Bytes held (what a user budgets: 4 x parameters for float).
  [[nodiscard]] std::size_t bytes() const noexcept {
    std::size_t n = static_cast<std::size_t>(token_embd.size() + output_norm.size() + output.size());
    for (const auto& l : layers)
      for (const auto* m : {&l.attn_norm, &l.q, &l.k, &l.v, &l.o, &l.q_bias, &l.k_bias, &l.v_bias, &l.ffn_norm, &l.gate,
                            &l.up, &l.down})
        n += static_cast<std::size_t>(m->size());
    return n * sizeof(Scalar);
  }
};

/// {in, out} of each adaptable projection: the shape callback basic_lora_adapters wants.
[[nodiscard]] inline std::pair<std::size_t, std::size_t> qwen2_projection_shape(const qwen2_config& c,
                                                                                lora_module m) noexcept {
  const std::size_t H = c.hidden_size, I = c.intermediate_size, KV = c.kv_dim();
  switch (m) {
    case lora_module::q: return {H, H};
    case lora_module::k: return {H, KV};
    case lora_module::v: return {H, KV};
    case lora_module::o: return {H, H};
    case lora_module::gate: return {H, I};
    case lora_module::up: return {H, I};
    case lora_module::down: return {I, H};
  }
  return {0, 0};
}

/// Adapters for every layer of a Qwen2 model of config `c` (values zero until init()).
template <class Scalar>
[[nodiscard]] basic_lora_adapters<Scalar> make_qwen2_lora(const qwen2_config& c, const lora_options& options) {
  return basic_lora_adapters<Scalar>(options, c.num_layers,
                                     [&](std::size_t, lora_module m) { return qwen2_projection_shape(c, m); });
}

}  // namespace gpta::nn
