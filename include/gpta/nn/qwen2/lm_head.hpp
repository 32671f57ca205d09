// The Qwen2 decoder's output side: final RMSNorm and LM head, run only at the rows a loss or a
// prediction needs (the vocabulary is 151,936 wide), with log-probabilities of chosen tokens and
// their backward pass.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/qwen2/gemm.hpp>
#include <gpta/nn/qwen2/weights.hpp>
#include <gpta/nn/rms_norm.hpp>

namespace gpta::nn {

/// A packed row of the batch and the token whose log-probability is read there.
struct qwen2_head_row {
  Eigen::Index row;
  std::int32_t token;
};

/// Final norm + LM head over the decoder's frozen weights (a view: the decoder owns them).
template <class Scalar>
class qwen2_lm_head {
 public:
  using matrix = row_matrix<Scalar>;

  qwen2_lm_head(const qwen2_weights<Scalar>& weights, double eps) : w_(&weights), eps_(eps) {}

  /// Final RMSNorm of the chosen rows only (the norm is row-wise, so gathering first is exact).
  template <class Rows, class RowOf>
  matrix norm_rows(const matrix& x, const Rows& rows, RowOf row_of, matrix* gathered = nullptr,
                   column_vector<Scalar>* inv = nullptr) const {
    const Eigen::Index H = x.cols();
    matrix g(static_cast<Eigen::Index>(rows.size()), H);
    for (std::size_t i = 0; i < rows.size(); ++i) g.row(static_cast<Eigen::Index>(i)) = x.row(row_of(rows[i]));
    matrix n(g.rows(), H);
    column_vector<Scalar> r(g.rows());
    rms_norm_forward<Scalar>(g, w_->output_norm, eps_, n, r);
    if (gathered) *gathered = std::move(g);
    if (inv) *inv = std::move(r);
    return n;
  }

  /// z = n E^T, computed as (E n^T)^T so the vocabulary (not the few rows) is split over threads.
  void logits(const matrix& n, matrix& z) const {
    const auto& E = w_->lm_head();
    matrix zt(E.rows(), n.rows());
    gemm_rows<Scalar>(zt, E, n.transpose(), false);
    z = zt.transpose();
  }

  /// log p(rows[i].token | row) for every i. With `dlogp` (d loss / d logp_i, one per row) and
  /// `dx`, also adds d loss / d (last block output) into dx. The logits exist for 64 rows at a
  /// time: [64 x 151936] floats is 39 MB, all 512 rows of a long batch would be 311 MB.
  std::vector<double> log_probs(const matrix& x, std::span<const qwen2_head_row> rows,
                                std::span<const double> dlogp = {}, matrix* dx = nullptr) const {
    constexpr std::size_t chunk = 64;
    const auto& E = w_->lm_head();
    const bool backward = dx != nullptr && !dlogp.empty();
    std::vector<double> out(rows.size());
    for (std::size_t b = 0; b < rows.size(); b += chunk) {
      const auto part = rows.subspan(b, std::min(chunk, rows.size() - b));
      matrix g;
      column_vector<Scalar> inv;
      matrix n = norm_rows(x, part, [](const qwen2_head_row& r) { return r.row; }, &g, &inv);
      matrix z;
      logits(n, z);
      for (std::size_t i = 0; i < part.size(); ++i) {
        auto zr = z.row(static_cast<Eigen::Index>(i));
        const Scalar mx = zr.maxCoeff();
        const double sum = (zr.array() - mx).template cast<double>().exp().sum();
        const double lse = static_cast<double>(mx) + std::log(sum);
        out[b + i] = static_cast<double>(zr(part[i].token)) - lse;
        if (backward) {  // d logp / d z = onehot - softmax, scaled by d loss / d logp
          const auto gi = static_cast<Scalar>(dlogp[b + i]);
          zr = ((zr.array() - static_cast<Scalar>(lse)).exp() * -gi).matrix();
          zr(part[i].token) += gi;
        }
      }
      if (!backward) continue;
      matrix dn(n.rows(), n.cols());
      detail::qwen2_gemm<Scalar>(dn, z, E, false);
      matrix dg(n.rows(), n.cols());
      rms_norm_backward<Scalar>(g, inv, w_->output_norm, dn, dg, false);
      for (std::size_t i = 0; i < part.size(); ++i) dx->row(part[i].row) += dg.row(static_cast<Eigen::Index>(i));
    }
    return out;
  }

 private:
  const qwen2_weights<Scalar>* w_;
  double eps_;
};

}  // namespace gpta::nn
