// Row-major matrix products on CUDA device memory through cuBLAS, for .cu translation units only.
// Same call shape as gemm.hpp's gemm(), with a cublas_handle in place of the host backend.
#pragma once

#include <stdexcept>
#include <string>

#include <cublas_v2.h>

#include <gpta/backend/gemm_op.hpp>
#include <gpta/backend/host_device.hpp>

namespace gpta::backend {

/// Owns one cuBLAS handle (not copyable: a handle carries a stream and workspace).
class cublas_handle {
 public:
  cublas_handle() { check(cublasCreate(&handle_), "cublasCreate"); }
  ~cublas_handle() {
    if (handle_) cublasDestroy(handle_);
  }
  cublas_handle(const cublas_handle&) = delete;
  cublas_handle& operator=(const cublas_handle&) = delete;

  [[nodiscard]] cublasHandle_t get() const noexcept { return handle_; }

  static void check(cublasStatus_t status, const char* what) {
    if (status != CUBLAS_STATUS_SUCCESS)
      throw std::runtime_error(std::string("gpta::backend::cublas_handle: ") + what +
                               " failed: " + cublasGetStatusString(status));
  }

 private:
  cublasHandle_t handle_ = nullptr;
};

namespace detail {
inline cublasOperation_t to_cublas(gemm_op op) { return op == gemm_op::none ? CUBLAS_OP_N : CUBLAS_OP_T; }

inline int to_int(index_t v, const char* who) {
  if (v < 0 || v > 2147483647) throw std::invalid_argument(std::string(who) + ": dimension outside cuBLAS's int range");
  return static_cast<int>(v);
}

// cuBLAS is column-major. A row-major X is the column-major X^T with the same leading dimension, so
// row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands and m with n,
// keep each operand's op flag.
template <class T, class Call>
void row_major_gemm(cublas_handle& h, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, const T* a,
                    index_t lda, const T* b, index_t ldb, T* c, index_t ldc, Call call) {
  const char* who = "gpta::backend::gemm (cuBLAS)";
  check_gemm(who, op_a, op_b, m, n, k, lda, ldb, ldc);
  if (m == 0 || n == 0) return;
  cublas_handle::check(call(h.get(), to_cublas(op_b), to_cublas(op_a), to_int(n, who), to_int(m, who), to_int(k, who),
                            b, to_int(ldb, who), a, to_int(lda, who), c, to_int(ldc, who)),
                       "gemm");
}
}  // namespace detail

/// C[m x n] = alpha * op(A) * op(B) + beta * C in row-major terms; pointers are device memory.
inline void gemm(cublas_handle& h, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, float alpha,
                 const float* a, index_t lda, const float* b, index_t ldb, float beta, float* c, index_t ldc) {
  detail::row_major_gemm(h, op_a, op_b, m, n, k, a, lda, b, ldb, c, ldc,
                         [&](cublasHandle_t hd, cublasOperation_t ta, cublasOperation_t tb, int mm, int nn, int kk,
                             const float* x, int ldx, const float* y, int ldy, float* z, int ldz) {
                           return cublasSgemm(hd, ta, tb, mm, nn, kk, &alpha, x, ldx, y, ldy, &beta, z, ldz);
                         });
}

inline void gemm(cublas_handle& h, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, double alpha,
                 const double* a, index_t lda, const double* b, index_t ldb, double beta, double* c, index_t ldc) {
  detail::row_major_gemm(h, op_a, op_b, m, n, k, a, lda, b, ldb, c, ldc,
                         [&](cublasHandle_t hd, cublasOperation_t ta, cublasOperation_t tb, int mm, int nn, int kk,
                             const double* x, int ldx, const double* y, int ldy, double* z, int ldz) {
                           return cublasDgemm(hd, ta, tb, mm, nn, kk, &alpha, x, ldx, y, ldy, &beta, z, ldz);
                         });
}

/// `batch` products whose operands sit stride_* elements apart (one per sequence and head).
inline void gemm_strided_batched(cublas_handle& h, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k,
                                 float alpha, const float* a, index_t lda, index_t stride_a, const float* b,
                                 index_t ldb, index_t stride_b, float beta, float* c, index_t ldc, index_t stride_c,
                                 index_t batch) {
  const char* who = "gpta::backend::gemm_strided_batched (cuBLAS)";
  detail::check_gemm(who, op_a, op_b, m, n, k, lda, ldb, ldc);
  if (batch < 0) throw std::invalid_argument(std::string(who) + ": negative batch");
  if (m == 0 || n == 0 || batch == 0) return;
  cublas_handle::check(
      cublasSgemmStridedBatched(h.get(), detail::to_cublas(op_b), detail::to_cublas(op_a), detail::to_int(n, who),
                                detail::to_int(m, who), detail::to_int(k, who), &alpha, b, detail::to_int(ldb, who),
                                stride_b, a, detail::to_int(lda, who), stride_a, &beta, c, detail::to_int(ldc, who),
                                stride_c, detail::to_int(batch, who)),
      "gemm_strided_batched");
}

}  // namespace gpta::backend
