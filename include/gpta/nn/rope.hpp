// Rotary position embedding (Su et al.) in the half-split "NEOX" layout that Qwen2 and HF LLaMA use:
// feature i pairs with i + d/2 inside each head. The backward pass is the inverse rotation.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include <Eigen/Core>

#include <gpta/nn/bert_layers.hpp>

namespace gpta::nn {

/// cos/sin of position p times theta^(-2i/d), i < d/2, tabulated for positions [0, positions).
/// Angles are computed in double and rounded once, so float and double runs see the same rotation.
template <class Scalar>
class rope_table {
 public:
  rope_table() = default;

  rope_table(Eigen::Index head_dim, double theta, Eigen::Index positions) { reset(head_dim, theta, positions); }

  void reset(Eigen::Index head_dim, double theta, Eigen::Index positions) {
    if (head_dim <= 0 || head_dim % 2 != 0)
      throw std::invalid_argument("gpta::nn::rope_table: head_dim must be positive and even, got " +
                                  std::to_string(head_dim));
    if (!(theta > 0)) throw std::invalid_argument("gpta::nn::rope_table: theta must be > 0");
    head_dim_ = head_dim;
    theta_ = theta;
    cos_.resize(0, head_dim / 2);
    sin_.resize(0, head_dim / 2);
    grow(positions);
  }

  /// Makes positions [0, positions) available (tables only grow: decoding extends them lazily).
  void grow(Eigen::Index positions) {
    const Eigen::Index half = head_dim_ / 2, old = cos_.rows();
    if (positions <= old) return;
    cos_.conservativeResize(positions, half);
    sin_.conservativeResize(positions, half);
    for (Eigen::Index p = old; p < positions; ++p)
      for (Eigen::Index i = 0; i < half; ++i) {
        // HF computes inv_freq as 1 / theta^(2i/d) in float32; the double form differs by < 1 ulp.
        const double inv_freq = 1.0 / std::pow(theta_, static_cast<double>(2 * i) / static_cast<double>(head_dim_));
        const double angle = static_cast<double>(p) * static_cast<double>(static_cast<float>(inv_freq));
        cos_(p, i) = static_cast<Scalar>(std::cos(angle));
        sin_(p, i) = static_cast<Scalar>(std::sin(angle));
      }
  }

  [[nodiscard]] Eigen::Index head_dim() const noexcept { return head_dim_; }
  [[nodiscard]] Eigen::Index positions() const noexcept { return cos_.rows(); }
  [[nodiscard]] double theta() const noexcept { return theta_; }

  /// Rotates every head of every row in place: row r of `x` ([rows x heads*head_dim]) sits at
  /// position positions[r]. `inverse` rotates by -angle: the backward pass (rotations are orthogonal).
  void apply(matrix_ref<Scalar> x, std::span<const std::int32_t> positions, bool inverse = false) const {
    const Eigen::Index half = head_dim_ / 2;
    if (x.cols() % head_dim_ != 0 || static_cast<std::size_t>(x.rows()) != positions.size())
      throw std::invalid_argument("gpta::nn::rope_table::apply: shape does not match head_dim / positions");
    const Eigen::Index heads = x.cols() / head_dim_;
    const Scalar sign = inverse ? Scalar(-1) : Scalar(1);
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      const Eigen::Index p = positions[static_cast<std::size_t>(r)];
      if (p < 0 || p >= cos_.rows())
        throw std::out_of_range("gpta::nn::rope_table::apply: position " + std::to_string(p) + " outside the table (" +
                                std::to_string(cos_.rows()) + " positions)");
      for (Eigen::Index h = 0; h < heads; ++h) {
        Scalar* v = x.row(r).data() + h * head_dim_;
        for (Eigen::Index i = 0; i < half; ++i) {
          const Scalar c = cos_(p, i), s = sign * sin_(p, i);
          const Scalar a = v[i], b = v[i + half];
          v[i] = a * c - b * s;
          v[i + half] = b * c + a * s;
        }
      }
    }
  }

 private:
  Eigen::Index head_dim_ = 0;
  double theta_ = 10000.0;
  row_matrix<Scalar> cos_, sin_;
};

}  // namespace gpta::nn
