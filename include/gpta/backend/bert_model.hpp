// The whole BERT student (encoder + classification or span head, training step, AdamW, clipping) on
// a Thrust backend whose memory the host can read (CPP, OMP): bert_classifier and bert_span_extractor
// with Eigen matrix products. CUDA translation units include gpta/backend/bert_model.cuh instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <thrust/system/omp/execution_policy.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <gpta/backend/bert_classifier.hpp>
#include <gpta/backend/bert_from_student.hpp>
#include <gpta/backend/bert_span_extractor.hpp>
#include <gpta/backend/gemm.hpp>

namespace gpta::backend {

namespace detail {
/// Rows [begin, begin + n) of C = op(A) op(B): one serial Eigen product per work item.
template <class Backend>
struct gemm_row_block {
  Backend be;
  gemm_op op_a, op_b;
  index_t m, n, k, block;
  float alpha;
  const float* a;
  index_t lda;
  const float* b;
  index_t ldb;
  float beta;
  float* c;
  index_t ldc;
  void operator()(index_t i) const {
    const index_t begin = i * block, rows = begin + block < m ? block : m - begin;
    // Row r of op(A) is row r of A, or column r of A when A enters transposed.
    const float* a_rows = op_a == gemm_op::none ? a + begin * lda : a + begin;
    gemm(be, op_a, op_b, rows, n, k, alpha, a_rows, lda, b, ldb, beta, c + begin * ldc, ldc);
  }
};

/// One (sequence, head) product of an attention_gemm.
template <class Backend>
struct gemm_pair {
  Backend be;
  gemm_op op_a, op_b;
  index_t m, n, k;
  const float* a;
  index_t lda, a_outer, a_inner;
  const float* b;
  index_t ldb, b_outer, b_inner;
  float* c;
  index_t ldc, c_outer, c_inner, inner;
  void operator()(index_t i) const {
    const index_t o = i / inner, h = i % inner;
    gemm(be, op_a, op_b, m, n, k, 1.0f, a + o * a_outer + h * a_inner, lda, b + o * b_outer + h * b_inner, ldb, 0.0f,
         c + o * c_outer + h * c_inner, ldc);
  }
};

template <class Backend>
inline constexpr bool is_omp_backend_v = false;
template <>
inline constexpr bool is_omp_backend_v<thrust_backend<thrust::system::omp::tag>> = true;
}  // namespace detail

/// Matrix products of the backend BERT models on host-readable memory: backend::gemm (Eigen). Under the
/// OMP system large products are split into row blocks, one serial Eigen product per thread, as
/// nn::gemm_rows does (Eigen's own parallel GEMM stalls on oversubscribed machines), and the
/// attention products run one (sequence, head) per work item.
template <class Backend>
struct bert_gemm<Backend, true> {
  void gemm(Backend be, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, float alpha, const float* a,
            index_t lda, const float* b, index_t ldb, float beta, float* c, index_t ldc) {
    index_t threads = 1;
#if defined(_OPENMP)
    if constexpr (detail::is_omp_backend_v<Backend>) threads = omp_in_parallel() ? 1 : omp_get_max_threads();
#endif
    const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
    if (threads > 1 && work >= 4e6 && m >= 32 * threads) {
      const index_t block = ((m + threads - 1) / threads + 15) / 16 * 16;  // whole 16-row panels
      detail::check_gemm("gpta::backend::bert_gemm", op_a, op_b, m, n, k, lda, ldb, ldc);
      detail::for_each_index(be, detail::ceil_div(m, block),
                             detail::gemm_row_block<Backend>{be, op_a, op_b, m, n, k, block, alpha, a, lda, b, ldb,
                                                             beta, c, ldc});
      return;
    }
    backend::gemm(be, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  /// C[o, h] = op(A[o, h]) op(B[o, h]) for o < outer, h < inner; operand X[o, h] starts at
  /// x + o * x_outer + h * x_inner.
  void attention_gemm(Backend be, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, const float* a,
                      index_t lda, index_t a_outer, index_t a_inner, const float* b, index_t ldb, index_t b_outer,
                      index_t b_inner, float* c, index_t ldc, index_t c_outer, index_t c_inner, index_t outer,
                      index_t inner) {
    detail::check_gemm("gpta::backend::bert_gemm::attention_gemm", op_a, op_b, m, n, k, lda, ldb, ldc);
    detail::for_each_index(be, outer * inner,
                           detail::gemm_pair<Backend>{be, op_a, op_b, m, n, k, a, lda, a_outer, a_inner, b, ldb,
                                                      b_outer, b_inner, c, ldc, c_outer, c_inner, inner});
  }
};

}  // namespace gpta::backend
