// The glue kernels of the backend BERT models (bert_encoder_model.hpp and its heads): sequence
// pooling, the span head's start/end split, residual adds and buffer copies/fills, written as
// Thrust functors like the kernels of kernels.hpp.
#pragma once

#include <stdexcept>
#include <string>
#include <type_traits>

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/host_device.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

/// How one vector per sequence is read from the token states; the values of nn::bert_pooling.
enum class bert_pooling_mode { cls, mean };

namespace detail {
template <class T>
struct pool_forward_op {
  const T* hidden;
  const index_t* lengths;
  T* pooled;
  index_t seq_len, cols;
  bool mean;
  GPTA_HD void operator()(index_t b, index_t c, index_t e) const {
    const T* first = hidden + b * seq_len * cols + c;
    if (!mean) {
      pooled[e] = first[0];
      return;
    }
    const index_t n = lengths[b];
    T acc(0);
    for (index_t l = 0; l < n; ++l) acc += first[l * cols];  // rows in order, as nn::pool_forward
    pooled[e] = acc / static_cast<T>(n);
  }
};

template <class T>
struct pool_backward_op {
  const T* d_pooled;
  const index_t* lengths;
  T* d_hidden;
  index_t seq_len, cols;
  bool mean;
  GPTA_HD void operator()(index_t t, index_t c, index_t e) const {
    const index_t b = t / seq_len, l = t % seq_len, n = lengths[b];
    const T g = d_pooled[b * cols + c];
    if (mean)
      d_hidden[e] = l < n ? g / static_cast<T>(n) : T(0);
    else
      d_hidden[e] = l == 0 ? g : T(0);
  }
};

template <class T>
struct span_split_op {
  const T* token_logits;  // [tokens x 2]
  const index_t* lengths;
  T* start;
  T* end;
  index_t seq_len;
  GPTA_HD void operator()(index_t t) const {
    const bool real = t % seq_len < lengths[t / seq_len];
    start[t] = real ? token_logits[2 * t] : math::lowest<T>();
    end[t] = real ? token_logits[2 * t + 1] : math::lowest<T>();
  }
};

template <class T>
struct span_merge_op {
  const T* d_start;
  const T* d_end;
  const index_t* lengths;
  T* d_token_logits;  // [tokens x 2]
  index_t seq_len;
  GPTA_HD void operator()(index_t t) const {
    const bool real = t % seq_len < lengths[t / seq_len];
    d_token_logits[2 * t] = real ? d_start[t] : T(0);
    d_token_logits[2 * t + 1] = real ? d_end[t] : T(0);
  }
};

template <class T>
struct add_op {
  T* x;
  const T* y;
  GPTA_HD void operator()(index_t i) const { x[i] += y[i]; }
};

template <class T>
struct copy_op {
  const T* from;
  T* to;
  GPTA_HD void operator()(index_t i) const { to[i] = from[i]; }
};

template <class T>
struct fill_op {
  T* x;
  T value;
  GPTA_HD void operator()(index_t i) const { x[i] = value; }
};
}  // namespace detail

/// pooled(b, :) = hidden(b * seq_len, :) (cls) or the mean of the sequence's first lengths[b] rows
/// (mean), as nn::pool_forward. hidden is [batch * seq_len x cols], pooled [batch x cols].
template <class System, class T>
void pool_forward(thrust_backend<System> be, in_matrix<T> hidden, in_vector<index_t> lengths, index_t seq_len,
                  bert_pooling_mode mode, matrix_view<T> pooled) {
  const char* who = "gpta::backend::pool_forward";
  detail::require_shape(who, "hidden", hidden.rows, hidden.cols, lengths.size * seq_len, pooled.cols);
  detail::require_shape(who, "pooled", pooled.rows, 1, lengths.size, 1);
  detail::for_each_element_2d(be, pooled.rows, pooled.cols,
                              detail::pool_forward_op<T>{hidden.data, lengths.data, pooled.data, seq_len, pooled.cols,
                                                         mode == bert_pooling_mode::mean});
}

/// d_hidden (overwritten) is zero except at the rows pool_forward read, as nn::pool_backward.
template <class System, class T>
void pool_backward(thrust_backend<System> be, in_matrix<T> d_pooled, in_vector<index_t> lengths, index_t seq_len,
                   bert_pooling_mode mode, matrix_view<T> d_hidden) {
  const char* who = "gpta::backend::pool_backward";
  detail::require_shape(who, "d_pooled", d_pooled.rows, 1, lengths.size, 1);
  detail::require_shape(who, "d_hidden", d_hidden.rows, d_hidden.cols, lengths.size * seq_len, d_pooled.cols);
  detail::for_each_element_2d(be, d_hidden.rows, d_hidden.cols,
                              detail::pool_backward_op<T>{d_pooled.data, lengths.data, d_hidden.data, seq_len,
                                                          d_hidden.cols, mode == bert_pooling_mode::mean});
}

/// Start and end logits [batch x seq_len] from the per-token pair [batch * seq_len x 2], as
/// nn::span_extraction_head::forward: the real positions' columns 0 and 1, the most negative
/// finite value at padding (it never wins, and softmax_cross_entropy_rows reads only lengths[b]).
template <class System, class T>
void span_logits_split(thrust_backend<System> be, in_matrix<T> token_logits, in_vector<index_t> lengths,
                       matrix_view<T> start, matrix_view<T> end) {
  const char* who = "gpta::backend::span_logits_split";
  detail::require_shape(who, "start", start.rows, 1, lengths.size, 1);
  detail::require_shape(who, "end", end.rows, end.cols, start.rows, start.cols);
  detail::require_shape(who, "token_logits", token_logits.rows, token_logits.cols, start.rows * start.cols, 2);
  detail::for_each_index(be, token_logits.rows,
                         detail::span_split_op<T>{token_logits.data, lengths.data, start.data, end.data, start.cols});
}

/// The inverse for the gradients: d_token_logits [batch * seq_len x 2] (overwritten) holds d_start
/// and d_end at the real positions and zero at padding (nn::span_extraction_head::backward).
template <class System, class T>
void span_logits_merge(thrust_backend<System> be, in_matrix<T> d_start, in_matrix<T> d_end,
                       in_vector<index_t> lengths, matrix_view<T> d_token_logits) {
  const char* who = "gpta::backend::span_logits_merge";
  detail::require_shape(who, "d_start", d_start.rows, 1, lengths.size, 1);
  detail::require_shape(who, "d_end", d_end.rows, d_end.cols, d_start.rows, d_start.cols);
  detail::require_shape(who, "d_token_logits", d_token_logits.rows, d_token_logits.cols, d_start.rows * d_start.cols,
                        2);
  detail::for_each_index(be, d_token_logits.rows,
                         detail::span_merge_op<T>{d_start.data, d_end.data, lengths.data, d_token_logits.data,
                                                  d_start.cols});
}

/// x += y element-wise (residual branches).
template <class System, class T>
void add_in_place(thrust_backend<System> be, vector_view<T> x, in_vector<T> y) {
  if (x.size != y.size) throw std::invalid_argument("gpta::backend::add_in_place: operands differ in size");
  detail::for_each_index(be, x.size, detail::add_op<T>{x.data, y.data});
}

/// to = from (same size).
template <class System, class T>
void copy_values(thrust_backend<System> be, in_vector<T> from, vector_view<T> to) {
  if (from.size != to.size) throw std::invalid_argument("gpta::backend::copy_values: operands differ in size");
  detail::for_each_index(be, to.size, detail::copy_op<T>{from.data, to.data});
}

/// x = value everywhere.
template <class System, class T>
void fill_values(thrust_backend<System> be, vector_view<T> x, std::type_identity_t<T> value) {
  detail::for_each_index(be, x.size, detail::fill_op<T>{x.data, value});
}

}  // namespace gpta::backend
