// Deterministic reductions on a Thrust backend: sums, sums of squares, dot products, column sums.
// Fixed-size chunks summed in a fixed tree give the same bits for any thread count and system.
#pragma once

#include <stdexcept>
#include <type_traits>

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

namespace detail {

/// Elements per sequential chunk of the sum tree: large enough to amortise a launch, small
/// enough that a GPU gets thousands of chunks for a 20M-parameter gradient.
inline constexpr index_t reduce_chunk = 1024;

template <class Map>
struct chunk_sum {
  Map map;
  double* out;
  index_t n;
  GPTA_HD void operator()(index_t k) const {
    const index_t begin = k * reduce_chunk;
    const index_t end = begin + reduce_chunk < n ? begin + reduce_chunk : n;
    out[k] = lane_sum<double>(begin, end, map);
  }
};

struct read_double {
  const double* p;
  GPTA_HD double operator()(index_t i) const { return p[i]; }
};

/// sum over i in [0, n) of map(i) in double, as a tree of fixed chunks.
template <class System, class Map>
double tree_sum(thrust_backend<System> be, index_t n, Map map) {
  if (n <= 0) return 0.0;
  using buffer = typename thrust_backend<System>::template vector<double>;
  index_t parts = ceil_div(n, reduce_chunk);
  buffer level(static_cast<std::size_t>(parts));
  for_each_index(be, parts, chunk_sum<Map>{map, raw_data(level), n});
  while (parts > 1) {
    const index_t next = ceil_div(parts, reduce_chunk);
    buffer up(static_cast<std::size_t>(next));
    for_each_index(be, next, chunk_sum<read_double>{read_double{raw_data(level)}, raw_data(up), parts});
    level.swap(up);
    parts = next;
  }
  return read_element(be, level, 0);  // one element back to the host (a copy under CUDA)
}

template <class T, class Map, class Op>
struct chunk_reduce {
  Map map;
  Op op;
  T init;
  T* out;
  index_t n;
  GPTA_HD void operator()(index_t k) const {
    const index_t begin = k * reduce_chunk;
    const index_t end = begin + reduce_chunk < n ? begin + reduce_chunk : n;
    T acc = init;
    for (index_t i = begin; i < end; ++i) acc = op(acc, map(i));
    out[k] = acc;
  }
};

template <class T>
struct read_value {
  const T* p;
  GPTA_HD T operator()(index_t i) const { return p[i]; }
};

/// op-fold of map(i) over [0, n) with identity `init`, in the same fixed tree as tree_sum. Thrust's
/// own reduce/find_if are avoided on purpose: on CCCL 3.0 their CPU paths bind null references
/// internally, which -fsanitize=null reports (NVIDIA/cccl#1645).
template <class T, class System, class Map, class Op>
T tree_reduce(thrust_backend<System> be, index_t n, Map map, Op op, T init) {
  if (n <= 0) return init;
  using buffer = typename thrust_backend<System>::template vector<T>;
  index_t parts = ceil_div(n, reduce_chunk);
  buffer level(static_cast<std::size_t>(parts));
  for_each_index(be, parts, chunk_reduce<T, Map, Op>{map, op, init, raw_data(level), n});
  while (parts > 1) {
    const index_t next = ceil_div(parts, reduce_chunk);
    buffer up(static_cast<std::size_t>(next));
    for_each_index(be, next,
                   chunk_reduce<T, read_value<T>, Op>{read_value<T>{raw_data(level)}, op, init, raw_data(up), parts});
    level.swap(up);
    parts = next;
  }
  return read_element(be, level, 0);
}

struct max_op {
  template <class T>
  GPTA_HD T operator()(T a, T b) const {
    return a < b ? b : a;
  }
};

struct min_op {
  template <class T>
  GPTA_HD T operator()(T a, T b) const {
    return b < a ? b : a;
  }
};

template <class Predicate>
struct index_if {
  Predicate pred;
  index_t none;
  GPTA_HD index_t operator()(index_t i) const { return pred(i) ? i : none; }
};

/// Smallest i in [0, n) with pred(i), or n: how kernels find the first bad input to name in an error.
template <class System, class Predicate>
index_t first_index_where(thrust_backend<System> be, index_t n, Predicate pred) {
  return tree_reduce<index_t>(be, n, index_if<Predicate>{pred, n}, min_op{}, n);
}

template <class T>
struct as_double {
  const T* x;
  GPTA_HD double operator()(index_t i) const { return static_cast<double>(x[i]); }
};

template <class T>
struct square_as_double {
  const T* x;
  // float x float is exact in double, so a fused multiply-add (nvcc contracts) changes nothing.
  GPTA_HD double operator()(index_t i) const {
    const double v = static_cast<double>(x[i]);
    return v * v;
  }
};

template <class T>
struct product_as_double {
  const T* a;
  const T* b;
  GPTA_HD double operator()(index_t i) const { return static_cast<double>(a[i]) * static_cast<double>(b[i]); }
};

template <class T>
struct abs_value {
  const T* x;
  GPTA_HD T operator()(index_t i) const { return math::abs(x[i]); }
};

/// Rows per block of the first column-sum stage: partial sums of 64 rows, then a sum over blocks.
inline constexpr index_t column_block = 64;

template <class T, class Element>
struct column_block_sum {
  Element element;  // element(r, c): the value summed down column c
  T* partial;       // [blocks x cols]
  index_t rows, cols;
  GPTA_HD void operator()(index_t b, index_t c, index_t e) const {
    const index_t begin = b * column_block;
    const index_t end = begin + column_block < rows ? begin + column_block : rows;
    T acc(0);
    for (index_t r = begin; r < end; ++r) acc += element(r, c);
    partial[e] = acc;
  }
};

/// CPU flavour of column_block_sum: one work item per block adds whole rows into its partial row
/// (contiguous, vectorisable); each column still sums its rows in the same order.
template <class T, class Element>
struct column_block_rows {
  Element element;
  T* partial;
  index_t rows, cols;
  GPTA_HD void operator()(index_t b) const {
    T* out = partial + b * cols;
    for (index_t c = 0; c < cols; ++c) out[c] = T(0);
    const index_t begin = b * column_block;
    const index_t end = begin + column_block < rows ? begin + column_block : rows;
    for (index_t r = begin; r < end; ++r)
      for (index_t c = 0; c < cols; ++c) out[c] += element(r, c);
  }
};

template <class T>
struct column_total {
  const T* partial;
  T* out;
  index_t blocks, cols;
  GPTA_HD void operator()(index_t c) const {
    T acc(0);
    for (index_t b = 0; b < blocks; ++b) acc += partial[b * cols + c];
    out[c] += acc;
  }
};

template <class T>
struct read_matrix {
  const T* m;
  index_t cols;
  GPTA_HD T operator()(index_t r, index_t c) const { return m[r * cols + c]; }
};

/// out[c] += sum_r element(r, c), in a fixed two-stage order (coalesced on a GPU: adjacent
/// threads read adjacent columns).
template <class System, class T, class Element>
void accumulate_column_sums(thrust_backend<System> be, index_t rows, index_t cols, Element element, T* out) {
  if (rows <= 0 || cols <= 0) return;
  const index_t blocks = ceil_div(rows, column_block);
  typename thrust_backend<System>::template vector<T> partial(static_cast<std::size_t>(blocks * cols));
  if constexpr (thrust_backend<System>::host_accessible)
    for_each_index(be, blocks, column_block_rows<T, Element>{element, raw_data(partial), rows, cols});
  else
    for_each_element_2d(be, blocks, cols, column_block_sum<T, Element>{element, raw_data(partial), rows, cols});
  for_each_index(be, cols, column_total<T>{raw_data(partial), out, blocks, cols});
}

}  // namespace detail

/// Sum of the elements, accumulated in double.
template <class System, class U, class T = std::remove_const_t<U>>
[[nodiscard]] double sum(thrust_backend<System> be, vector_view<U> x) {
  return detail::tree_sum(be, x.size, detail::as_double<T>{x.data});
}

/// Sum of squares in double: the squared L2 norm that global clipping needs.
template <class System, class U, class T = std::remove_const_t<U>>
[[nodiscard]] double sum_of_squares(thrust_backend<System> be, vector_view<U> x) {
  return detail::tree_sum(be, x.size, detail::square_as_double<T>{x.data});
}

template <class System, class U, class T = std::remove_const_t<U>>
[[nodiscard]] double dot(thrust_backend<System> be, vector_view<U> a, in_vector<T> b) {
  if (a.size != b.size) throw std::invalid_argument("gpta::backend::dot: operands differ in size");
  return detail::tree_sum(be, a.size, detail::product_as_double<T>{a.data, b.data});
}

/// Largest |x| (0 for an empty view).
template <class System, class U, class T = std::remove_const_t<U>>
[[nodiscard]] T max_abs(thrust_backend<System> be, vector_view<U> x) {
  return detail::tree_reduce<T>(be, x.size, detail::abs_value<T>{x.data}, detail::max_op{}, T(0));
}

/// out += column sums of m (out has m.cols elements): the bias gradient of a linear layer.
template <class System, class T>
void accumulate_column_sums(thrust_backend<System> be, in_matrix<T> m, vector_view<T> out) {
  if (out.size != m.cols)
    throw std::invalid_argument("gpta::backend::accumulate_column_sums: out has " + std::to_string(out.size) +
                                " elements for " + std::to_string(m.cols) + " columns");
  detail::accumulate_column_sums(be, m.rows, m.cols, detail::read_matrix<T>{m.data, m.cols}, out.data);
}

}  // namespace gpta::backend
