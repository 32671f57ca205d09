// Row-major matrix products for backends whose memory the host can read (host, Thrust CPP/OMP):
// Eigen maps over the raw pointers, so these systems reuse Eigen's tuned GEMM. CUDA: gemm_cublas.cuh.
#pragma once

#include <stdexcept>
#include <string>

#include <Eigen/Core>

#include <gpta/backend/backend.hpp>
#include <gpta/backend/gemm_op.hpp>
#include <gpta/backend/host_device.hpp>

namespace gpta::backend {

/// Backends that gemm() serves: host-readable memory. A CUDA backend is refused at compile time.
template <class B>
concept host_gemm_backend = backend_policy<B> && B::host_accessible;

namespace detail {
template <class T>
using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using const_row_map = Eigen::Map<const row_major<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using row_map = Eigen::Map<row_major<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

template <class T, class A, class B>
void gemm_product(const A& a, const B& b, T alpha, T beta, row_map<T>& c) {
  if (beta == T(0))
    c.noalias() = alpha * (a * b);  // C may hold garbage (fresh buffers): never read it
  else {
    if (beta != T(1)) c *= beta;
    c.noalias() += alpha * (a * b);
  }
}
}  // namespace detail

/// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major with leading dimensions (BLAS
/// semantics in row-major terms). beta == 0 ignores C's previous contents, NaNs included.
template <class Backend, class T>
requires host_gemm_backend<Backend>
void gemm(Backend, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
          const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  detail::check_gemm("gpta::backend::gemm", op_a, op_b, m, n, k, lda, ldb, ldc);
  if (m == 0 || n == 0) return;
  detail::row_map<T> cm(c, m, n, Eigen::OuterStride<>(ldc));
  const index_t a_rows = op_a == gemm_op::none ? m : k, a_cols = op_a == gemm_op::none ? k : m;
  const index_t b_rows = op_b == gemm_op::none ? k : n, b_cols = op_b == gemm_op::none ? n : k;
  const detail::const_row_map<T> am(a, a_rows, a_cols, Eigen::OuterStride<>(lda));
  const detail::const_row_map<T> bm(b, b_rows, b_cols, Eigen::OuterStride<>(ldb));
  if (op_a == gemm_op::none && op_b == gemm_op::none)
    detail::gemm_product(am, bm, alpha, beta, cm);
  else if (op_a == gemm_op::none)
    detail::gemm_product(am, bm.transpose(), alpha, beta, cm);
  else if (op_b == gemm_op::none)
    detail::gemm_product(am.transpose(), bm, alpha, beta, cm);
  else
    detail::gemm_product(am.transpose(), bm.transpose(), alpha, beta, cm);
}

/// `batch` independent products whose operands sit `stride_*` elements apart (attention: one
/// product per sequence and head). Serial over the batch: each product is already multi-threaded.
template <class Backend, class T>
requires host_gemm_backend<Backend>
void gemm_strided_batched(Backend be, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, T alpha, const T* a,
                          index_t lda, index_t stride_a, const T* b, index_t ldb, index_t stride_b, T beta, T* c,
                          index_t ldc, index_t stride_c, index_t batch) {
  if (batch < 0) throw std::invalid_argument("gpta::backend::gemm_strided_batched: negative batch");
  for (index_t i = 0; i < batch; ++i)
    gemm(be, op_a, op_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc);
}

}  // namespace gpta::backend
