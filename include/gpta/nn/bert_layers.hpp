// Forward and backward kernels of BERT-family encoders (linear, LayerNorm, GELU, dropout) in Eigen.
// Templated on the scalar so double-precision gradient checks run the very code float training runs.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include <gpta/detail/random.hpp>

#if defined(GPTA_GEMM_CBLAS)
#include <gpta/nn/gemm_cblas.hpp>
#endif

// Row loops are parallel when OpenMP is on; without it the pragma must vanish (-Wunknown-pragmas).
// `work` (elements touched) keeps tiny loops serial: a parallel region costs more than they do.
#if defined(_OPENMP)
#include <omp.h>
#define GPTA_BERT_PRAGMA(x) _Pragma(#x)
#define GPTA_BERT_PARALLEL_FOR(work) GPTA_BERT_PRAGMA(omp parallel for schedule(static) if ((work) > 32768))
#define GPTA_BERT_PARALLEL_FOR_DYNAMIC(work) GPTA_BERT_PRAGMA(omp parallel for schedule(dynamic, 1) if ((work) > 32768))
#else
#define GPTA_BERT_PARALLEL_FOR(work)
#define GPTA_BERT_PARALLEL_FOR_DYNAMIC(work)
#endif

namespace gpta::nn {

/// Activations are row-major [rows x features]: one row per token, so a batch is one big GEMM.
template <class Scalar>
using row_matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class Scalar>
using row_vector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;
template <class Scalar>
using column_vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
template <class Scalar>
using matrix_ref = Eigen::Ref<row_matrix<Scalar>>;
template <class Scalar>
using const_matrix_ref = Eigen::Ref<const row_matrix<Scalar>>;

/// Resizes only when the shape changes, so workspaces reused across steps do not reallocate.
template <class Matrix>
void ensure_shape(Matrix& m, Eigen::Index rows, Eigen::Index cols) {
  if (m.rows() != rows || m.cols() != cols) m.resize(rows, cols);
}

// ---------------------------------------------------------------------------------------------
// GEMM with the destination's rows split over OpenMP threads, each block a serial Eigen GEMM.
// Eigen's own parallel GEMM shares packed panels between threads through busy-wait flags: on a
// machine with more runnable threads than cores a descheduled partner stalls the other for a
// whole time slice (measured: 3-4x slower steps under load). Row blocks need no such hand-off;
// the only cost is packing the right-hand side once per thread, small next to the product.
// Define GPTA_BERT_EIGEN_PARALLEL_GEMM to hand the whole product to Eigen instead.
// The GEMM policy: configured with GPTA_GEMM=openblas|blis (GPTA_GEMM_CBLAS), a product whose
// operands are memory goes whole to that library (nn/gemm_cblas.hpp), which threads it itself.
// ---------------------------------------------------------------------------------------------

template <class Scalar, class Lhs, class Rhs>
void gemm_rows(matrix_ref<Scalar> dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
#if defined(GPTA_GEMM_CBLAS)
  if (cblas_gemm<Scalar>(dst, lhs, rhs, accumulate)) return;
#endif
  auto serial = [&](Eigen::Index begin, Eigen::Index n) {
    auto d = dst.middleRows(begin, n);
    if (accumulate)
      d.noalias() += lhs.middleRows(begin, n) * rhs;
    else
      d.noalias() = lhs.middleRows(begin, n) * rhs;
  };
  const Eigen::Index rows = dst.rows();
#if defined(_OPENMP) && !defined(GPTA_BERT_EIGEN_PARALLEL_GEMM)
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const double work = static_cast<double>(rows) * static_cast<double>(dst.cols()) * static_cast<double>(lhs.cols());
  if (threads > 1 && work >= 4e6 && rows >= 32 * threads) {
#pragma omp parallel num_threads(threads)
    {
      const auto nt = static_cast<Eigen::Index>(omp_get_num_threads());
      const auto t = static_cast<Eigen::Index>(omp_get_thread_num());
      const Eigen::Index chunk = ((rows + nt - 1) / nt + 15) / 16 * 16;  // whole 16-row panels
      const Eigen::Index begin = std::min(rows, t * chunk);
      const Eigen::Index n = std::min(chunk, rows - begin);
      if (n > 0) serial(begin, n);
    }
    return;
  }
#endif
  serial(0, rows);
}

// ---------------------------------------------------------------------------------------------
// Linear: y = x W^T + b with W stored [out x in] as PyTorch does, so checkpoints load unchanged.
// ---------------------------------------------------------------------------------------------

template <class Scalar>
void linear_forward(const const_matrix_ref<Scalar>& x, const const_matrix_ref<Scalar>& weight,
                    const const_matrix_ref<Scalar>& bias, matrix_ref<Scalar> y) {
  gemm_rows<Scalar>(y, x, weight.transpose(), false);
  y.rowwise() += bias.row(0);
}

/// dW += dy^T x and db += column sums of dy (accumulating: gradients of a step add up).
template <class Scalar>
void linear_backward_params(const const_matrix_ref<Scalar>& x, const const_matrix_ref<Scalar>& dy,
                            matrix_ref<Scalar> d_weight, matrix_ref<Scalar> d_bias) {
  gemm_rows<Scalar>(d_weight, dy.transpose(), x, true);
  d_bias.row(0).noalias() += dy.colwise().sum();
}

/// dx = dy W (overwrites) or dx += dy W (accumulate = true, for residual branches).
template <class Scalar>
void linear_backward_input(const const_matrix_ref<Scalar>& dy, const const_matrix_ref<Scalar>& weight,
                           matrix_ref<Scalar> dx, bool accumulate) {
  gemm_rows<Scalar>(dx, dy, weight, accumulate);
}

// ---------------------------------------------------------------------------------------------
// LayerNorm over the feature axis (biased variance, as torch.nn.LayerNorm).
// ---------------------------------------------------------------------------------------------

/// Keeps x_hat and 1/sigma per row: exactly what the backward pass needs.
template <class Scalar>
void layer_norm_forward(const const_matrix_ref<Scalar>& x, const const_matrix_ref<Scalar>& gamma,
                        const const_matrix_ref<Scalar>& beta, double eps, matrix_ref<Scalar> y,
                        matrix_ref<Scalar> x_hat, Eigen::Ref<column_vector<Scalar>> inv_std) {
  const Eigen::Index n = x.rows();
  const auto width = static_cast<Scalar>(x.cols());
  GPTA_BERT_PARALLEL_FOR(n * x.cols())
  for (Eigen::Index r = 0; r < n; ++r) {
    const Scalar mean = x.row(r).sum() / width;
    x_hat.row(r) = x.row(r).array() - mean;
    const Scalar var = x_hat.row(r).squaredNorm() / width;
    const Scalar rstd = Scalar(1) / std::sqrt(var + static_cast<Scalar>(eps));
    inv_std(r) = rstd;
    x_hat.row(r) *= rstd;
    y.row(r) = (x_hat.row(r).array() * gamma.row(0).array() + beta.row(0).array()).matrix();
  }
}

/// dx = (1/sigma) (g - mean(g) - x_hat mean(g x_hat)) with g = dy * gamma; accumulates dgamma, dbeta.
template <class Scalar>
void layer_norm_backward(const const_matrix_ref<Scalar>& dy, const const_matrix_ref<Scalar>& x_hat,
                         const Eigen::Ref<const column_vector<Scalar>>& inv_std,
                         const const_matrix_ref<Scalar>& gamma, matrix_ref<Scalar> dx, matrix_ref<Scalar> d_gamma,
                         matrix_ref<Scalar> d_beta) {
  const Eigen::Index n = dy.rows();
  const auto width = static_cast<Scalar>(dy.cols());
  d_gamma.row(0).noalias() += (dy.array() * x_hat.array()).matrix().colwise().sum();
  d_beta.row(0).noalias() += dy.colwise().sum();
  GPTA_BERT_PARALLEL_FOR(n * dy.cols())
  for (Eigen::Index r = 0; r < n; ++r) {
    const auto g = (dy.row(r).array() * gamma.row(0).array()).eval();
    const Scalar mean_g = g.sum() / width;
    const Scalar mean_gx = (g * x_hat.row(r).array()).sum() / width;
    dx.row(r) = (inv_std(r) * (g - mean_g - x_hat.row(r).array() * mean_gx)).matrix();
  }
}

// ---------------------------------------------------------------------------------------------
// GELU, erf form (BERT's "gelu", not the tanh approximation).
// ---------------------------------------------------------------------------------------------

namespace detail {
/// Splits rows into contiguous chunks, one per thread, for element-wise kernels.
template <class Body>
void for_row_chunks(Eigen::Index rows, Eigen::Index cols, Body&& body) {
  constexpr Eigen::Index chunk = 16;
  const Eigen::Index chunks = (rows + chunk - 1) / chunk;
  (void)cols;  // only the OpenMP build's size threshold reads it
  GPTA_BERT_PARALLEL_FOR(rows * cols)
  for (Eigen::Index c = 0; c < chunks; ++c) {
    const Eigen::Index begin = c * chunk;
    body(begin, std::min(chunk, rows - begin));
  }
}
}  // namespace detail

template <class Scalar>
void gelu_forward(const const_matrix_ref<Scalar>& x, matrix_ref<Scalar> y) {
  const Scalar inv_sqrt2 = static_cast<Scalar>(0.70710678118654752440);
  detail::for_row_chunks(x.rows(), x.cols(), [&](Eigen::Index r, Eigen::Index n) {
    const auto xa = x.middleRows(r, n).array();
    y.middleRows(r, n).array() = Scalar(0.5) * xa * (Scalar(1) + (xa * inv_sqrt2).erf());
  });
}

/// dx = dy * (Phi(x) + x phi(x)), Phi/phi the standard normal cdf/pdf. dx may alias dy.
template <class Scalar>
void gelu_backward(const const_matrix_ref<Scalar>& x, const const_matrix_ref<Scalar>& dy, matrix_ref<Scalar> dx) {
  const Scalar inv_sqrt2 = static_cast<Scalar>(0.70710678118654752440);
  const Scalar inv_sqrt_2pi = static_cast<Scalar>(0.39894228040143267794);
  detail::for_row_chunks(x.rows(), x.cols(), [&](Eigen::Index r, Eigen::Index n) {
    const auto xa = x.middleRows(r, n).array();
    dx.middleRows(r, n).array() =
        dy.middleRows(r, n).array() *
        (Scalar(0.5) * (Scalar(1) + (xa * inv_sqrt2).erf()) + xa * inv_sqrt_2pi * (Scalar(-0.5) * xa.square()).exp());
  });
}

// ---------------------------------------------------------------------------------------------
// Dropout with a counter-based generator: the mask of element i at site s of step t is a pure
// function of (seed, t, s, i). No generator state to thread through, identical masks for any
// thread count, and the backward pass regenerates the mask instead of storing it.
// ---------------------------------------------------------------------------------------------

/// Where dropout draws from in one forward pass. `training == false` (or p == 0) disables it.
struct dropout_context {
  std::uint64_t seed = 0;
  std::uint64_t step = 0;
  bool training = false;

  /// Key of one dropout site (a layer's attention probabilities, its FFN output...) at this step.
  [[nodiscard]] std::uint64_t site_key(std::uint64_t site) const noexcept {
    return gpta::detail::mix_seed(gpta::detail::mix_seed(seed, step), site);
  }
};

/// True when element `index` survives at drop probability `p` under `key`.
[[nodiscard]] inline bool dropout_keep(std::uint64_t key, std::uint64_t index, std::uint32_t threshold) noexcept {
  std::uint64_t z = key ^ (index * 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<std::uint32_t>(z >> 32) >= threshold;
}

/// Drop probability as a 32-bit threshold on the top bits of the hash.
[[nodiscard]] inline std::uint32_t dropout_threshold(double p) {
  if (!(p >= 0.0 && p < 1.0)) throw std::invalid_argument("gpta::nn::dropout: p must be in [0, 1), got " + std::to_string(p));
  return static_cast<std::uint32_t>(std::ldexp(p, 32) >= 4294967295.0 ? 4294967295.0 : std::ldexp(p, 32));
}

/// In place: m(r, c) *= keep / (1 - p); the element index is `first_index + r * index_stride + c`.
/// Used for the forward pass and, with the same arguments, on the gradient in the backward pass.
template <class Scalar>
void dropout_apply(matrix_ref<Scalar> m, double p, std::uint64_t key, std::uint64_t first_index = 0,
                   std::uint64_t index_stride = 0) {
  if (p <= 0.0) return;
  const std::uint32_t threshold = dropout_threshold(p);
  const auto scale = static_cast<Scalar>(1.0 / (1.0 - p));
  const std::uint64_t stride = index_stride == 0 ? static_cast<std::uint64_t>(m.cols()) : index_stride;
  const Eigen::Index rows = m.rows(), cols = m.cols();
  GPTA_BERT_PARALLEL_FOR(rows * cols)
  for (Eigen::Index r = 0; r < rows; ++r) {
    const std::uint64_t base = first_index + static_cast<std::uint64_t>(r) * stride;
    for (Eigen::Index c = 0; c < cols; ++c)
      m(r, c) = dropout_keep(key, base + static_cast<std::uint64_t>(c), threshold) ? m(r, c) * scale : Scalar(0);
  }
}

}  // namespace gpta::nn
