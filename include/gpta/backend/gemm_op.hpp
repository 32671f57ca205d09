// Operand flags and shape checks shared by every matrix-product path (Eigen in gemm.hpp, cuBLAS in
// gemm_cublas.cuh), so a call written for one backend compiles unchanged for the other.
#pragma once

#include <stdexcept>
#include <string>

#include <gpta/backend/host_device.hpp>

namespace gpta::backend {

/// Whether an operand enters the product as stored or transposed.
enum class gemm_op : bool { none, transpose };

namespace detail {
/// Row-major: a leading dimension is the stored row length, at least the stored column count.
inline void check_gemm(const char* who, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, index_t lda,
                       index_t ldb, index_t ldc) {
  const index_t a_cols = op_a == gemm_op::none ? k : m;
  const index_t b_cols = op_b == gemm_op::none ? n : k;
  if (m < 0 || n < 0 || k < 0 || lda < a_cols || ldb < b_cols || ldc < n || lda < 1 || ldb < 1 || ldc < 1)
    throw std::invalid_argument(std::string(who) + ": bad shape m=" + std::to_string(m) + " n=" + std::to_string(n) +
                                " k=" + std::to_string(k) + " lda=" + std::to_string(lda) +
                                " ldb=" + std::to_string(ldb) + " ldc=" + std::to_string(ldc));
}
}  // namespace detail

}  // namespace gpta::backend
