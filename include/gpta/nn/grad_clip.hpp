// Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_): one norm over every parameter.
// Keeps the first fine-tuning steps of a pretrained encoder from blowing up on a bad batch.
#pragma once

#include <cmath>
#include <stdexcept>

#include <Eigen/Core>

namespace gpta::nn {

/// Scales `grads` in place so their L2 norm is at most `max_norm`; returns the norm before
/// clipping (what training logs report). A non-finite norm leaves the gradients untouched so the
/// caller can see it and skip the step. The norm is accumulated in double: 20M float squares
/// summed in float lose digits.
template <class Derived>
double clip_global_norm(Eigen::MatrixBase<Derived>& grads, double max_norm) {
  if (!(max_norm > 0)) throw std::invalid_argument("gpta::nn::clip_global_norm: max_norm must be > 0");
  auto& d = grads.derived();
  const double norm = std::sqrt(d.template cast<double>().squaredNorm());
  if (!std::isfinite(norm)) return norm;
  // torch adds 1e-6 to the denominator; so do we, for identical clipped values.
  const double scale = max_norm / (norm + 1e-6);
  if (scale < 1.0) d *= static_cast<typename Derived::Scalar>(scale);
  return norm;
}

}  // namespace gpta::nn
