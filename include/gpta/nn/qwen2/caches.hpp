// What the Qwen2 decoder keeps between calls: one block's activations for its backward pass, and
// the rotated keys and values of a sequence decoded so far (the KV cache).
#pragma once

#include <vector>

#include <Eigen/Core>

#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/lora.hpp>

namespace gpta::nn {

/// Everything one block's backward pass needs from its forward pass (recomputed per layer in
/// training unless activations are kept, then one per layer).
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

}  // namespace gpta::nn
