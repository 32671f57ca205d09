// Numerically stable softmax, log-sum-exp and softmax cross-entropy over Eigen vectors.
// Shared by every classifier head; the max is subtracted first so large logits cannot overflow.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/Core>

namespace gpta::nn {

template <class Derived>
[[nodiscard]] typename Derived::Scalar log_sum_exp(const Eigen::MatrixBase<Derived>& logits) {
  if (logits.size() == 0) throw std::invalid_argument("gpta::nn::log_sum_exp: empty input");
  const auto mx = logits.maxCoeff();
  return mx + std::log((logits.array() - mx).exp().sum());
}

template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> softmax(
    const Eigen::MatrixBase<Derived>& logits) {
  if (logits.size() == 0) throw std::invalid_argument("gpta::nn::softmax: empty input");
  Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> p = (logits.array() - logits.maxCoeff()).exp().matrix();
  p /= p.sum();
  return p;
}

/// Cross-entropy of softmax(logits) against class `label`: log_sum_exp(z) - z[label]. Its gradient
/// wrt the logits is softmax(z) - onehot(label), which is why callers usually want both.
template <class Derived>
[[nodiscard]] typename Derived::Scalar softmax_cross_entropy(const Eigen::MatrixBase<Derived>& logits,
                                                             Eigen::Index label) {
  if (label < 0 || label >= logits.size())
    throw std::invalid_argument("gpta::nn::softmax_cross_entropy: label " + std::to_string(label) +
                                " outside [0, " + std::to_string(logits.size()) + ")");
  return log_sum_exp(logits) - logits(label);
}

}  // namespace gpta::nn
