// Inverted dropout on a Thrust backend with the counter-based mask of nn::dropout_apply.
// Same (key, index) -> same kept elements as the host, on every system and thread count.
#pragma once

#include <cstdint>

#include <gpta/backend/counter_rng.hpp>
#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

namespace detail {
template <class T>
struct dropout_op {
  T* m;
  std::uint64_t key, first_index, stride;
  std::uint32_t threshold;
  T scale;
  GPTA_HD void operator()(index_t r, index_t c, index_t e) const {
    const std::uint64_t index = first_index + static_cast<std::uint64_t>(r) * stride + static_cast<std::uint64_t>(c);
    m[e] = dropout_keep(key, index, threshold) ? m[e] * scale : T(0);
  }
};
}  // namespace detail

/// In place: m(r, c) *= keep / (1 - p), element index `first_index + r * index_stride + c`
/// (index_stride 0 = m.cols). The same call on the gradient is the backward pass.
template <class System, class T>
void dropout_apply(thrust_backend<System> be, matrix_view<T> m, double p, std::uint64_t key,
                   std::uint64_t first_index = 0, std::uint64_t index_stride = 0) {
  if (p <= 0.0) return;
  const std::uint32_t threshold = dropout_threshold(p);
  const auto scale = static_cast<T>(1.0 / (1.0 - p));
  const std::uint64_t stride = index_stride == 0 ? static_cast<std::uint64_t>(m.cols) : index_stride;
  detail::for_each_element_2d(be, m.rows, m.cols,
                              detail::dropout_op<T>{m.data, key, first_index, stride, threshold, scale});
}

}  // namespace gpta::backend
