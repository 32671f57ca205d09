// GELU in its erf form (BERT's "gelu", not the tanh approximation) on a Thrust backend.
// Same formulas as nn::gelu_forward/gelu_backward; only the erf/exp implementations differ.
#pragma once

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

namespace detail {
template <class T>
struct gelu_forward_op {
  const T* x;
  T* y;
  GPTA_HD void operator()(index_t i) const {
    const T v = x[i];
    y[i] = T(0.5) * v * (T(1) + math::erf(v * T(0.70710678118654752440)));
  }
};

template <class T>
struct gelu_backward_op {
  const T* x;
  const T* dy;
  T* dx;
  GPTA_HD void operator()(index_t i) const {
    const T v = x[i];
    const T cdf = T(0.5) * (T(1) + math::erf(v * T(0.70710678118654752440)));
    const T pdf = T(0.39894228040143267794) * math::exp(T(-0.5) * v * v);
    dx[i] = dy[i] * (cdf + v * pdf);
  }
};
}  // namespace detail

/// y = x Phi(x); y may alias x.
template <class System, class T>
void gelu_forward(thrust_backend<System> be, in_matrix<T> x, matrix_view<T> y) {
  detail::require_shape("gpta::backend::gelu_forward", "y", y.rows, y.cols, x.rows, x.cols);
  detail::for_each_index(be, x.size(), detail::gelu_forward_op<T>{x.data, y.data});
}

/// dx = dy (Phi(x) + x phi(x)); dx may alias dy.
template <class System, class T>
void gelu_backward(thrust_backend<System> be, in_matrix<T> x, in_matrix<T> dy, matrix_view<T> dx) {
  detail::require_shape("gpta::backend::gelu_backward", "dy", dy.rows, dy.cols, x.rows, x.cols);
  detail::require_shape("gpta::backend::gelu_backward", "dx", dx.rows, dx.cols, x.rows, x.cols);
  detail::for_each_index(be, x.size(), detail::gelu_backward_op<T>{x.data, dy.data, dx.data});
}

}  // namespace gpta::backend
