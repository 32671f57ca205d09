// Shared by the Qwen2/LoRA gradient tests: the tiny random Qwen2-shaped configuration, and the
// worst relative error of an analytic input gradient against central finite differences.
#pragma once

#include <algorithm>
#include <cmath>

#include <gpta/nn/qwen2/config.hpp>

namespace gpta::test {

/// 2 layers, hidden 16, 4 heads over 2 kv heads, ffn 24, vocabulary 40, context 32.
inline nn::qwen2_config tiny_qwen2_config(bool tied = true) {
  nn::qwen2_config c;
  c.vocab_size = 40;
  c.hidden_size = 16;
  c.num_layers = 2;
  c.intermediate_size = 24;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.rope_theta = 10000.0;
  c.rms_norm_eps = 1e-6;
  c.context_length = 32;
  c.tied_embeddings = tied;
  return c;
}

/// |a - n| / max(1e-3, |a| + |n|): relative, with a floor so near-zero gradients compare absolutely.
inline double gradient_rel_err(double a, double n) { return std::abs(a - n) / std::max(1e-3, std::abs(a) + std::abs(n)); }

/// Worst gradient_rel_err over every element of `x` between `analytic` and the central difference
/// (step 1e-6) of `loss()`; `x` is restored element by element.
template <class Matrix, class Loss>
double worst_central_difference(Matrix& x, const Matrix& analytic, Loss loss) {
  double worst = 0;
  for (decltype(x.size()) i = 0; i < x.size(); ++i) {
    const double saved = x.data()[i], h = 1e-6;
    x.data()[i] = saved + h;
    const double up = loss();
    x.data()[i] = saved - h;
    const double down = loss();
    x.data()[i] = saved;
    worst = std::max(worst, gradient_rel_err(analytic.data()[i], (up - down) / (2 * h)));
  }
  return worst;
}

}  // namespace gpta::test
