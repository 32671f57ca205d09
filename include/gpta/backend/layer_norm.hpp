// LayerNorm over the feature axis (biased variance, as torch.nn.LayerNorm) on a Thrust backend.
// One work item per row for the per-row reductions; parameter gradients use the fixed column sums.
#pragma once

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/reduce.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

namespace detail {
template <class T>
struct read_row {
  const T* p;
  GPTA_HD T operator()(index_t i) const { return p[i]; }
};

template <class T>
struct centred_square {
  const T* p;
  T mean;
  GPTA_HD T operator()(index_t i) const {
    const T d = p[i] - mean;
    return d * d;
  }
};

template <class T>
struct layer_norm_forward_op {
  const T *x, *gamma, *beta;
  T *y, *x_hat, *inv_std;
  index_t cols;
  T eps;
  GPTA_HD void operator()(index_t r) const {
    const T* xr = x + r * cols;
    const T width = static_cast<T>(cols);
    const T mean = lane_sum<T>(0, cols, read_row<T>{xr}) / width;
    const T var = lane_sum<T>(0, cols, centred_square<T>{xr, mean}) / width;
    const T rstd = T(1) / math::sqrt(var + eps);
    inv_std[r] = rstd;
    T* hr = x_hat + r * cols;
    T* yr = y + r * cols;
    for (index_t c = 0; c < cols; ++c) {
      const T h = (xr[c] - mean) * rstd;
      hr[c] = h;
      yr[c] = h * gamma[c] + beta[c];
    }
  }
};

template <class T>
struct scaled_grad {  // g = dy * gamma
  const T *dy, *gamma;
  GPTA_HD T operator()(index_t i) const { return dy[i] * gamma[i]; }
};

template <class T>
struct scaled_grad_times_hat {  // g * x_hat
  const T *dy, *gamma, *x_hat;
  GPTA_HD T operator()(index_t i) const { return dy[i] * gamma[i] * x_hat[i]; }
};

template <class T>
struct layer_norm_backward_op {
  const T *dy, *x_hat, *inv_std, *gamma;
  T* dx;
  index_t cols;
  GPTA_HD void operator()(index_t r) const {
    const T* dyr = dy + r * cols;
    const T* hr = x_hat + r * cols;
    const T width = static_cast<T>(cols);
    const T mean_g = lane_sum<T>(0, cols, scaled_grad<T>{dyr, gamma}) / width;
    const T mean_gx = lane_sum<T>(0, cols, scaled_grad_times_hat<T>{dyr, gamma, hr}) / width;
    const T rstd = inv_std[r];
    T* dxr = dx + r * cols;
    for (index_t c = 0; c < cols; ++c) dxr[c] = rstd * (dyr[c] * gamma[c] - mean_g - hr[c] * mean_gx);
  }
};

template <class T>
struct product_element {  // a(r, c) * b(r, c)
  const T *a, *b;
  index_t cols;
  GPTA_HD T operator()(index_t r, index_t c) const { return a[r * cols + c] * b[r * cols + c]; }
};
}  // namespace detail

/// y = x_hat * gamma + beta with x_hat = (x - mean) / sqrt(var + eps) per row; keeps x_hat and
/// 1/sigma (inv_std, one per row) for the backward pass, like nn::layer_norm_forward.
template <class System, class T>
void layer_norm_forward(thrust_backend<System> be, in_matrix<T> x, in_vector<T> gamma, in_vector<T> beta, double eps,
                        matrix_view<T> y, matrix_view<T> x_hat, vector_view<T> inv_std) {
  const char* who = "gpta::backend::layer_norm_forward";
  detail::require_shape(who, "gamma", 1, gamma.size, 1, x.cols);
  detail::require_shape(who, "beta", 1, beta.size, 1, x.cols);
  detail::require_shape(who, "y", y.rows, y.cols, x.rows, x.cols);
  detail::require_shape(who, "x_hat", x_hat.rows, x_hat.cols, x.rows, x.cols);
  detail::require_shape(who, "inv_std", inv_std.size, 1, x.rows, 1);
  detail::for_each_index(be, x.rows,
                         detail::layer_norm_forward_op<T>{x.data, gamma.data, beta.data, y.data, x_hat.data,
                                                          inv_std.data, x.cols, static_cast<T>(eps)});
}

/// dx = (1/sigma) (g - mean(g) - x_hat mean(g x_hat)) with g = dy * gamma (overwrites dx, which may
/// alias dy); accumulates d_gamma += sum_r dy x_hat and d_beta += sum_r dy.
template <class System, class T>
void layer_norm_backward(thrust_backend<System> be, in_matrix<T> dy, in_matrix<T> x_hat, in_vector<T> inv_std,
                         in_vector<T> gamma, matrix_view<T> dx, vector_view<T> d_gamma, vector_view<T> d_beta) {
  const char* who = "gpta::backend::layer_norm_backward";
  detail::require_shape(who, "x_hat", x_hat.rows, x_hat.cols, dy.rows, dy.cols);
  detail::require_shape(who, "inv_std", inv_std.size, 1, dy.rows, 1);
  detail::require_shape(who, "gamma", 1, gamma.size, 1, dy.cols);
  detail::require_shape(who, "dx", dx.rows, dx.cols, dy.rows, dy.cols);
  detail::require_shape(who, "d_gamma", 1, d_gamma.size, 1, dy.cols);
  detail::require_shape(who, "d_beta", 1, d_beta.size, 1, dy.cols);
  // Parameter gradients first: dx may alias dy.
  detail::accumulate_column_sums(be, dy.rows, dy.cols, detail::product_element<T>{dy.data, x_hat.data, dy.cols},
                                 d_gamma.data);
  detail::accumulate_column_sums(be, dy.rows, dy.cols, detail::read_matrix<T>{dy.data, dy.cols}, d_beta.data);
  detail::for_each_index(
      be, dy.rows, detail::layer_norm_backward_op<T>{dy.data, x_hat.data, inv_std.data, gamma.data, dx.data, dy.cols});
}

}  // namespace gpta::backend
