// Row softmax of scaled attention scores with an additive mask, forward and backward, on a Thrust backend.
// The mask is per key and shared by a group of rows (all heads and queries of one sequence).
#pragma once

#include <string>
#include <type_traits>

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

namespace detail {
template <class T>
struct masked_softmax_forward_op {
  const T* x;
  const T* mask;  // null = no mask
  T* y;
  index_t cols, rows_per_mask;
  T scale;
  GPTA_HD T logit(const T* xr, const T* mr, index_t c) const { return scale * xr[c] + (mr ? mr[c] : T(0)); }
  GPTA_HD void operator()(index_t r) const {
    const T* xr = x + r * cols;
    const T* mr = mask ? mask + (r / rows_per_mask) * cols : nullptr;
    T* yr = y + r * cols;
    T mx = logit(xr, mr, 0);
    for (index_t c = 1; c < cols; ++c) mx = math::max(mx, logit(xr, mr, c));
    if (mx < math::lowest<T>()) {  // every key masked with -inf: attend to nothing rather than NaN
      for (index_t c = 0; c < cols; ++c) yr[c] = T(0);
      return;
    }
    T sum(0);
    for (index_t c = 0; c < cols; ++c) {
      const T e = math::exp(logit(xr, mr, c) - mx);
      yr[c] = e;
      sum += e;
    }
    for (index_t c = 0; c < cols; ++c) yr[c] /= sum;
  }
};

template <class T>
struct masked_softmax_backward_op {
  const T *y, *dy;
  T* dx;
  index_t cols;
  T scale;
  GPTA_HD void operator()(index_t r) const {
    const T* yr = y + r * cols;
    const T* dyr = dy + r * cols;
    T* dxr = dx + r * cols;
    T dot(0);
    for (index_t c = 0; c < cols; ++c) dot += dyr[c] * yr[c];
    for (index_t c = 0; c < cols; ++c) dxr[c] = yr[c] * (dyr[c] - dot) * scale;
  }
};
}  // namespace detail

/// y(r, :) = softmax(scale * x(r, :) + mask(r / rows_per_mask, :)). `mask` may be empty (no mask);
/// masked keys carry -inf (exactly zero weight) or a large negative number (HF's -10000 style).
/// A row whose keys are all -inf gets zeros. y may alias x.
template <class System, class T>
void masked_softmax_forward(thrust_backend<System> be, in_matrix<T> x, in_matrix<T> mask, index_t rows_per_mask,
                            std::type_identity_t<T> scale, matrix_view<T> y) {
  const char* who = "gpta::backend::masked_softmax_forward";
  detail::require_shape(who, "y", y.rows, y.cols, x.rows, x.cols);
  if (x.cols <= 0) return;
  if (!mask.empty()) {
    if (rows_per_mask <= 0 || x.rows != mask.rows * rows_per_mask || mask.cols != x.cols)
      throw std::invalid_argument(std::string(who) + ": mask " + std::to_string(mask.rows) + "x" +
                                  std::to_string(mask.cols) + " with " + std::to_string(rows_per_mask) +
                                  " rows per mask row does not cover scores " + std::to_string(x.rows) + "x" +
                                  std::to_string(x.cols));
  }
  detail::for_each_index(be, x.rows,
                         detail::masked_softmax_forward_op<T>{x.data, mask.empty() ? nullptr : mask.data, y.data,
                                                              x.cols, rows_per_mask > 0 ? rows_per_mask : 1, scale});
}

/// dx = scale * y * (dy - rowsum(dy * y)): the gradient wrt the unscaled scores x. dx may alias dy.
/// Masked positions have y = 0 and so get no gradient.
template <class System, class T>
void masked_softmax_backward(thrust_backend<System> be, in_matrix<T> y, in_matrix<T> dy, std::type_identity_t<T> scale,
                             matrix_view<T> dx) {
  const char* who = "gpta::backend::masked_softmax_backward";
  detail::require_shape(who, "dy", dy.rows, dy.cols, y.rows, y.cols);
  detail::require_shape(who, "dx", dx.rows, dx.cols, y.rows, y.cols);
  detail::for_each_index(be, y.rows, detail::masked_softmax_backward_op<T>{y.data, dy.data, dx.data, y.cols, scale});
}

}  // namespace gpta::backend
