// Index-space launch helper shared by the Thrust kernels: one functor call per index in [0, n).
// Counting iterators keep kernels free of temporary index vectors on every system.
#pragma once

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <gpta/backend/host_device.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend::detail {

template <class System, class Function>
void for_each_index(thrust_backend<System> be, index_t n, Function f) {
  if (n <= 0) return;
  thrust::for_each_n(be.policy(), thrust::counting_iterator<index_t>(0), n, f);
}

template <class F>
struct row_loop {
  F f;
  index_t cols;
  GPTA_HD void operator()(index_t r) const {
    for (index_t c = 0, e = r * cols; c < cols; ++c, ++e) f(r, c, e);
  }
};

template <class F>
struct element_split {
  F f;
  index_t cols;
  GPTA_HD void operator()(index_t e) const { f(e / cols, e % cols, e); }
};

/// f(r, c, r * cols + c) for every element of a rows x cols grid. CPU systems get one row per work
/// item (no 64-bit division per element, contiguous inner loop); CUDA one element per thread, so
/// neighbouring threads touch neighbouring addresses.
template <class System, class F>
void for_each_element_2d(thrust_backend<System> be, index_t rows, index_t cols, F f) {
  if (rows <= 0 || cols <= 0) return;
  if constexpr (thrust_backend<System>::host_accessible)
    for_each_index(be, rows, row_loop<F>{f, cols});
  else
    for_each_index(be, rows * cols, element_split<F>{f, cols});
}

/// ceil(a / b) for positive b.
GPTA_HD constexpr index_t ceil_div(index_t a, index_t b) { return (a + b - 1) / b; }

/// Sum of f(i) for i in [begin, end) with four independent accumulators: breaks the add latency
/// chain on CPUs (the host's Eigen sums are vectorised too) and fixes the order on every system.
template <class Acc, class F>
GPTA_HD Acc lane_sum(index_t begin, index_t end, const F& f) {
  Acc a0(0), a1(0), a2(0), a3(0);
  index_t i = begin;
  for (; i + 4 <= end; i += 4) {
    a0 += f(i);
    a1 += f(i + 1);
    a2 += f(i + 2);
    a3 += f(i + 3);
  }
  for (; i < end; ++i) a0 += f(i);
  return (a0 + a1) + (a2 + a3);
}

}  // namespace gpta::backend::detail
