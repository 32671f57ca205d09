// RMSNorm (Zhang & Sennrich 2019) forward and backward over the feature axis, as LLaMA/Qwen2 use it.
// The gain is frozen in LoRA fine-tuning, so the backward pass returns the input gradient only.
#pragma once

#include <cmath>

#include <Eigen/Core>

#include <gpta/nn/bert_layers.hpp>

namespace gpta::nn {

/// y = x / sqrt(mean(x^2) + eps) * gain, row by row; keeps 1/rms per row for the backward pass,
/// which also needs x itself (so y must not alias x when a backward pass follows).
template <class Scalar>
void rms_norm_forward(const const_matrix_ref<Scalar>& x, const const_matrix_ref<Scalar>& gain, double eps,
                      matrix_ref<Scalar> y, Eigen::Ref<column_vector<Scalar>> inv_rms) {
  const Eigen::Index n = x.rows();
  const auto width = static_cast<Scalar>(x.cols());
  GPTA_BERT_PARALLEL_FOR(n * x.cols())
  for (Eigen::Index r = 0; r < n; ++r) {
    const Scalar r_inv = Scalar(1) / std::sqrt(x.row(r).squaredNorm() / width + static_cast<Scalar>(eps));
    inv_rms(r) = r_inv;
    y.row(r) = (x.row(r).array() * r_inv * gain.row(0).array()).matrix();
  }
}

/// dx = rinv * g - x * rinv^3 * mean(g * x) with g = dy * gain (overwrites dx, or adds when
/// `accumulate`: the norm sits on a residual branch, so the caller usually adds).
template <class Scalar>
void rms_norm_backward(const const_matrix_ref<Scalar>& x, const Eigen::Ref<const column_vector<Scalar>>& inv_rms,
                       const const_matrix_ref<Scalar>& gain, const const_matrix_ref<Scalar>& dy,
                       matrix_ref<Scalar> dx, bool accumulate) {
  const Eigen::Index n = x.rows();
  const auto width = static_cast<Scalar>(x.cols());
  GPTA_BERT_PARALLEL_FOR(n * x.cols())
  for (Eigen::Index r = 0; r < n; ++r) {
    const Scalar ri = inv_rms(r);
    const auto g = (dy.row(r).array() * gain.row(0).array()).eval();
    const Scalar mean_gx = (g * x.row(r).array()).sum() / width;
    const auto d = (ri * g - x.row(r).array() * (ri * ri * ri * mean_gx)).eval();
    if (accumulate)
      dx.row(r).array() += d;
    else
      dx.row(r) = d.matrix();
  }
}

}  // namespace gpta::nn
