// Global-norm gradient clipping on a Thrust backend (torch.nn.utils.clip_grad_norm_, like nn::clip_global_norm).
// The norm is a deterministic double-precision sum of squares, the scaling one element-wise pass.
#pragma once

#include <cmath>
#include <stdexcept>
#include <type_traits>

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/reduce.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

namespace detail {
template <class T>
struct scale_op {
  T* x;
  T s;
  GPTA_HD void operator()(index_t i) const { x[i] *= s; }
};
}  // namespace detail

/// x *= s element-wise.
template <class System, class T>
void scale(thrust_backend<System> be, vector_view<T> x, std::type_identity_t<T> s) {
  detail::for_each_index(be, x.size, detail::scale_op<T>{x.data, s});
}

/// Scales `grads` (all parameters as one flat buffer) so their L2 norm is at most max_norm; returns
/// the norm before clipping. A non-finite norm leaves the gradients untouched (the caller skips the step).
template <class System, class T>
double clip_global_norm(thrust_backend<System> be, vector_view<T> grads, double max_norm) {
  if (!(max_norm > 0)) throw std::invalid_argument("gpta::backend::clip_global_norm: max_norm must be > 0");
  const double norm = std::sqrt(sum_of_squares(be, grads));
  if (!std::isfinite(norm)) return norm;
  const double factor = max_norm / (norm + 1e-6);  // torch's 1e-6, for identical clipped values
  if (factor < 1.0) scale(be, grads, static_cast<T>(factor));
  return norm;
}

}  // namespace gpta::backend
