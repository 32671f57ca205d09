// Embedding lookup (gather) and the scatter-add of its gradient on a Thrust backend.
// The scatter sorts token indices by id instead of using atomics: deterministic, bit-equal to the host loop.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include <thrust/copy.h>
#include <thrust/iterator/constant_iterator.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/reduce.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

/// Scratch of embedding_scatter_add, kept across steps so a training loop does not reallocate.
template <class Backend, class Id = std::int32_t>
struct embedding_grad_workspace {
  static_assert(backend_policy<Backend>,
                "gpta::backend::embedding_grad_workspace: Backend must be a backend policy (vector<T>, name, "
                "host_accessible) - see gpta/backend/backend.hpp");
  typename Backend::template vector<Id> sorted_ids;
  typename Backend::template vector<index_t> order;  ///< token indices, grouped by id, ascending within an id
  typename Backend::template vector<Id> unique_ids;
  typename Backend::template vector<index_t> counts;
  typename Backend::template vector<index_t> starts;
};

namespace detail {
template <class Id>
struct id_out_of_range {
  const Id* ids;
  index_t limit;
  GPTA_HD bool operator()(index_t i) const { return ids[i] < 0 || static_cast<index_t>(ids[i]) >= limit; }
};

template <class T, class Id>
struct gather_op {
  const T* table;
  const Id* ids;
  T* out;
  index_t cols;
  bool accumulate;
  GPTA_HD void operator()(index_t t, index_t c, index_t e) const {
    const T v = table[static_cast<index_t>(ids[t]) * cols + c];
    out[e] = accumulate ? out[e] + v : v;
  }
};

/// One work item per (distinct id, column): sums that id's token rows in token order into the
/// table, starting from the table's value, exactly as the host's `d.row(id) += g.row(t)` loop.
template <class T, class Id>
struct scatter_segment_op {
  const T* d_out;
  const index_t* order;
  const Id* unique_ids;
  const index_t* starts;
  const index_t* counts;
  T* d_table;
  index_t cols;
  GPTA_HD void operator()(index_t u, index_t c, index_t) const {
    T* target = d_table + static_cast<index_t>(unique_ids[u]) * cols + c;
    T acc = *target;
    const index_t begin = starts[u], end = begin + counts[u];
    for (index_t k = begin; k < end; ++k) acc += d_out[order[k] * cols + c];
    *target = acc;
  }
};

template <class System, class Id>
void check_ids(thrust_backend<System> be, const char* who, vector_view<const Id> ids, index_t table_rows) {
  const index_t bad = first_index_where(be, ids.size, id_out_of_range<Id>{ids.data, table_rows});
  if (bad != ids.size)
    throw std::invalid_argument(std::string(who) + ": ids[" + std::to_string(bad) + "] is outside the table's " +
                                std::to_string(table_rows) + " rows");
}
}  // namespace detail

/// out(t, :) = table(ids[t], :) (or += with accumulate: word + position + type embeddings sum into
/// one matrix). Throws std::invalid_argument naming the first id outside the table.
template <class System, class T, class IdView, class Id = std::remove_const_t<IdView>>
void embedding_gather(thrust_backend<System> be, in_matrix<T> table, vector_view<IdView> ids, matrix_view<T> out,
                      bool accumulate = false) {
  const char* who = "gpta::backend::embedding_gather";
  detail::require_shape(who, "out", out.rows, out.cols, ids.size, table.cols);
  detail::check_ids(be, who, vector_view<const Id>(ids), table.rows);
  detail::for_each_element_2d(be, out.rows, out.cols,
                              detail::gather_op<T, Id>{table.data, ids.data, out.data, table.cols, accumulate});
}

/// d_table(ids[t], :) += d_out(t, :) for every token t; repeated ids add up in token order.
/// Deterministic: stable sort of token indices by id, run lengths by reduce_by_key, then one
/// sequential sum per (id, column) - no atomics, the same bits on every system. (The only kernel
/// that runs Thrust's sort/scan: under -fsanitize=null on CCCL 3.0 those report NVIDIA/cccl#1645.)
template <class System, class T, class Id>
void embedding_scatter_add(thrust_backend<System> be, in_matrix<T> d_out, in_vector<Id> ids, matrix_view<T> d_table,
                           embedding_grad_workspace<thrust_backend<System>, Id>& ws) {
  const char* who = "gpta::backend::embedding_scatter_add";
  detail::require_shape(who, "d_out", d_out.rows, d_out.cols, ids.size, d_table.cols);
  detail::check_ids(be, who, ids, d_table.rows);
  const index_t n = ids.size;
  if (n == 0 || d_table.cols == 0) return;
  const auto size = static_cast<std::size_t>(n);
  ws.sorted_ids.resize(size);
  ws.order.resize(size);
  ws.unique_ids.resize(size);
  ws.counts.resize(size);
  ws.starts.resize(size);
  auto policy = be.policy();
  thrust::copy(policy, ids.data, ids.data + n, ws.sorted_ids.begin());
  thrust::sequence(policy, ws.order.begin(), ws.order.end());
  thrust::stable_sort_by_key(policy, ws.sorted_ids.begin(), ws.sorted_ids.end(), ws.order.begin());
  const auto ends =
      thrust::reduce_by_key(policy, ws.sorted_ids.begin(), ws.sorted_ids.end(), thrust::constant_iterator<index_t>(1),
                            ws.unique_ids.begin(), ws.counts.begin());
  const auto segments = static_cast<index_t>(ends.first - ws.unique_ids.begin());
  thrust::exclusive_scan(policy, ws.counts.begin(), ws.counts.begin() + segments, ws.starts.begin());
  detail::for_each_element_2d(
      be, segments, d_table.cols,
      detail::scatter_segment_op<T, Id>{d_out.data, raw_data(ws.order), raw_data(ws.unique_ids), raw_data(ws.starts),
                                        raw_data(ws.counts), d_table.data, d_table.cols});
}

}  // namespace gpta::backend
