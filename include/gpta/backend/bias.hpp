// The bias half of a linear layer on a Thrust backend: broadcast add forward, column sums backward.
// The matrix product half is gemm.hpp (Eigen on host memory) or gemm_cublas.cuh (CUDA).
#pragma once

#include <string>

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/reduce.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

namespace detail {
template <class T>
struct add_row_vector {
  T* m;
  const T* v;
  GPTA_HD void operator()(index_t, index_t c, index_t e) const { m[e] += v[c]; }
};
}  // namespace detail

/// m(r, c) += bias[c] for every row (y = x W^T + b after the GEMM).
template <class System, class T>
void add_bias_rows(thrust_backend<System> be, in_vector<T> bias, matrix_view<T> m) {
  if (bias.size != m.cols)
    throw std::invalid_argument("gpta::backend::add_bias_rows: bias has " + std::to_string(bias.size) +
                                " elements for " + std::to_string(m.cols) + " columns");
  detail::for_each_element_2d(be, m.rows, m.cols, detail::add_row_vector<T>{m.data, bias.data});
}

/// d_bias += column sums of dy (accumulating, like nn::linear_backward_params).
template <class System, class T>
void bias_backward(thrust_backend<System> be, in_matrix<T> dy, vector_view<T> d_bias) {
  accumulate_column_sums(be, dy, d_bias);
}

}  // namespace gpta::backend
