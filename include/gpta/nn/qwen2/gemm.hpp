// The decoder's projection product: split over token rows when there are many, over output
// columns when there are few (a short prompt, one decoding step), never left to Eigen's threads.
#pragma once

#include <algorithm>

#include <Eigen/Core>

#include <gpta/nn/bert_layers.hpp>  // gemm_rows, matrix_ref

namespace gpta::nn {

namespace detail {

/// dst (+)= lhs * rhs for a projection. Many token rows: gemm_rows splits them over threads. Few
/// rows (a short prompt, one decoding step): the output columns are split instead, each thread a
/// serial GEMM on its slice of the weight. Left to itself, Eigen would parallelise these small-row
/// products internally, and its busy-waiting threads stall on a loaded machine (measured: a
/// 44-token forward took 15 s with 2 threads against 2.7 s with one).
template <class Scalar, class Lhs, class Rhs>
void qwen2_gemm(matrix_ref<Scalar> dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
#if defined(_OPENMP)
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const Eigen::Index rows = dst.rows(), cols = dst.cols();
  const double work = static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(lhs.cols());
  if (threads > 1 && work >= 1e6 && rows < 32 * threads && cols >= 64 * threads) {
#pragma omp parallel num_threads(threads)
    {
      const auto nt = static_cast<Eigen::Index>(omp_get_num_threads());
      const auto t = static_cast<Eigen::Index>(omp_get_thread_num());
      const Eigen::Index chunk = ((cols + nt - 1) / nt + 15) / 16 * 16;
      const Eigen::Index begin = std::min(cols, t * chunk);
      const Eigen::Index n = std::min(chunk, cols - begin);
      if (n > 0) {
        auto d = dst.middleCols(begin, n);
        if (accumulate)
          d.noalias() += lhs * rhs.middleCols(begin, n);
        else
          d.noalias() = lhs * rhs.middleCols(begin, n);
      }
    }
    return;
  }
#endif
  gemm_rows<Scalar>(dst, lhs, rhs, accumulate);
}

}  // namespace detail

}  // namespace gpta::nn
