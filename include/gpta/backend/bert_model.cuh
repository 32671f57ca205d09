// bert_classifier and bert_span_extractor on Thrust's CUDA system: the backend BERT models with cuBLAS products.
// For .cu translation units only (nvcc); host translation units use gpta/backend/bert_model.hpp.
#pragma once

#include <gpta/backend/bert_classifier.hpp>
#include <gpta/backend/bert_span_extractor.hpp>
#include <gpta/backend/gemm_cublas.cuh>

namespace gpta::backend {

/// Matrix products of the backend BERT models on device memory. Owns the cuBLAS handle (so the model is
/// neither copyable nor movable under CUDA); attention products are one strided batch per sequence.
template <class Backend>
struct bert_gemm<Backend, false> {
  cublas_handle handle;

  void gemm(Backend, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, float alpha, const float* a,
            index_t lda, const float* b, index_t ldb, float beta, float* c, index_t ldc) {
    backend::gemm(handle, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  void attention_gemm(Backend, gemm_op op_a, gemm_op op_b, index_t m, index_t n, index_t k, const float* a,
                      index_t lda, index_t a_outer, index_t a_inner, const float* b, index_t ldb, index_t b_outer,
                      index_t b_inner, float* c, index_t ldc, index_t c_outer, index_t c_inner, index_t outer,
                      index_t inner) {
    for (index_t o = 0; o < outer; ++o)
      gemm_strided_batched(handle, op_a, op_b, m, n, k, 1.0f, a + o * a_outer, lda, a_inner, b + o * b_outer, ldb,
                           b_inner, 0.0f, c + o * c_outer, ldc, c_inner, inner);
  }
};

}  // namespace gpta::backend
