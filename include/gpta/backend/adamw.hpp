// AdamW's element update on a Thrust backend: decoupled weight decay and bias correction, the
// element formula and coefficient rounding of nn::basic_adamw, so both backends take the same steps.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

/// One step's constants, computed on the host in double and rounded to T once, as the host does.
template <class T>
struct adamw_coefficients {
  T decay_factor{1};  ///< 1 - lr * wd
  T step_size{0};     ///< lr / (1 - b1^t)
  T sqrt_bc2{1};      ///< sqrt(1 - b2^t)
  T beta1{0}, one_minus_beta1{0}, beta2{0}, one_minus_beta2{0}, epsilon{0};
};

/// Coefficients of step `step` (1-based, as after nn::basic_adamw::begin_step) from options with
/// the fields of nn::adamw_options (learning_rate, beta1, beta2, epsilon, weight_decay).
template <class T, class Options>
[[nodiscard]] adamw_coefficients<T> make_adamw_coefficients(const Options& o, std::int64_t step) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("gpta::backend::adamw: " + what); };
  if (step < 1) bad("step must be >= 1, got " + std::to_string(step));
  if (!(o.learning_rate >= 0) || !std::isfinite(o.learning_rate)) bad("learning_rate must be finite and >= 0");
  if (!(o.beta1 >= 0 && o.beta1 < 1)) bad("beta1 must be in [0, 1)");
  if (!(o.beta2 >= 0 && o.beta2 < 1)) bad("beta2 must be in [0, 1)");
  if (!(o.epsilon > 0) || !std::isfinite(o.epsilon)) bad("epsilon must be finite and > 0");
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) bad("weight_decay must be finite and >= 0");
  const auto t = static_cast<double>(step);
  const double bc1 = 1.0 - std::pow(o.beta1, t);
  const double bc2 = 1.0 - std::pow(o.beta2, t);
  adamw_coefficients<T> k;
  k.decay_factor = static_cast<T>(1.0 - o.learning_rate * o.weight_decay);
  k.step_size = static_cast<T>(o.learning_rate / bc1);
  k.sqrt_bc2 = static_cast<T>(std::sqrt(bc2));
  k.beta1 = static_cast<T>(o.beta1);
  k.one_minus_beta1 = static_cast<T>(1.0 - o.beta1);
  k.beta2 = static_cast<T>(o.beta2);
  k.one_minus_beta2 = static_cast<T>(1.0 - o.beta2);
  k.epsilon = static_cast<T>(o.epsilon);
  return k;
}

namespace detail {
template <class T>
struct adamw_op {
  T *param, *m, *v;
  const T* grad;
  adamw_coefficients<T> k;
  bool decay;
  GPTA_HD void operator()(index_t i) const {
    const T g = grad[i];
    T p = param[i];
    if (decay) p *= k.decay_factor;
    const T mi = k.beta1 * m[i] + k.one_minus_beta1 * g;
    const T vi = k.beta2 * v[i] + k.one_minus_beta2 * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - k.step_size * mi / (math::sqrt(vi) / k.sqrt_bc2 + k.epsilon);
  }
};
}  // namespace detail

/// One AdamW step on a parameter tensor (flat): p, m and v move in place. `decay` = whether weight
/// decay applies to this tensor (off for biases and LayerNorm).
template <class System, class T>
void adamw_update(thrust_backend<System> be, const adamw_coefficients<T>& k, vector_view<T> param, in_vector<T> grad,
                  vector_view<T> first_moment, vector_view<T> second_moment, bool decay) {
  if (grad.size != param.size || first_moment.size != param.size || second_moment.size != param.size)
    throw std::invalid_argument("gpta::backend::adamw_update: parameter, gradient and moments differ in size (" +
                                std::to_string(param.size) + ", " + std::to_string(grad.size) + ", " +
                                std::to_string(first_moment.size) + ", " + std::to_string(second_moment.size) + ")");
  detail::for_each_index(be, param.size,
                         detail::adamw_op<T>{param.data, first_moment.data, second_moment.data, grad.data, k, decay});
}

}  // namespace gpta::backend
