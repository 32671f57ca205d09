// Softmax cross-entropy over the rows of a logit matrix (loss and gradient) on a Thrust backend.
// Matches nn::softmax_cross_entropy_rows: mean over rows, optional per-row count of valid columns.
#pragma once

#include <string>
#include <type_traits>

#include <gpta/backend/detail/for_each.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/reduce.hpp>
#include <gpta/backend/thrust_backend.hpp>

namespace gpta::backend {

namespace detail {
template <class T>
struct cross_entropy_op {
  const T* logits;
  const int* targets;
  const index_t* valid;  // null = every column
  T* d_logits;           // null = loss only
  double* loss;
  int* bad;
  index_t rows, cols;
  GPTA_HD void operator()(index_t r) const {
    const T* z = logits + r * cols;
    T* d = d_logits ? d_logits + r * cols : nullptr;
    const index_t n = valid ? valid[r] : cols;
    const int t = targets[r];
    if (n <= 0 || n > cols || t < 0 || t >= n) {
      bad[r] = 1;
      loss[r] = 0.0;
      if (d)
        for (index_t c = 0; c < cols; ++c) d[c] = T(0);
      return;
    }
    bad[r] = 0;
    T mx = z[0];
    for (index_t c = 1; c < n; ++c) mx = math::max(mx, z[c]);
    T sum(0);
    for (index_t c = 0; c < n; ++c) sum += math::exp(z[c] - mx);
    const T lse = mx + math::log(sum);
    loss[r] = static_cast<double>(lse - z[t]);
    if (!d) return;
    const T inv_rows = T(1) / static_cast<T>(rows);
    for (index_t c = 0; c < n; ++c) d[c] = math::exp(z[c] - lse) / static_cast<T>(rows);
    for (index_t c = n; c < cols; ++c) d[c] = T(0);
    d[t] -= inv_rows;
  }
};

struct flagged {
  const int* flags;
  GPTA_HD bool operator()(index_t i) const { return flags[i] != 0; }
};
}  // namespace detail

/// Mean over rows of -log softmax(logits(r, 0..valid[r]))[targets[r]]. When d_logits is not empty
/// it receives the gradient of that mean (zero in excluded columns). `valid` empty = all columns.
/// Throws std::invalid_argument naming the first row whose target is out of range.
template <class System, class U, class T = std::remove_const_t<U>>
double softmax_cross_entropy_rows(thrust_backend<System> be, matrix_view<U> logits, in_vector<int> targets,
                                  in_vector<index_t> valid = {}, std::type_identity_t<matrix_view<T>> d_logits = {}) {
  const char* who = "gpta::backend::softmax_cross_entropy_rows";
  const index_t rows = logits.rows;
  if (targets.size != rows || (!valid.empty() && valid.size != rows))
    throw std::invalid_argument(std::string(who) + ": one target (and valid count) per row");
  if (!d_logits.empty()) detail::require_shape(who, "d_logits", d_logits.rows, d_logits.cols, rows, logits.cols);
  if (rows == 0) return 0.0;
  typename thrust_backend<System>::template vector<double> loss(static_cast<std::size_t>(rows));
  typename thrust_backend<System>::template vector<int> bad(static_cast<std::size_t>(rows));
  detail::for_each_index(be, rows,
                         detail::cross_entropy_op<T>{logits.data, targets.data, valid.empty() ? nullptr : valid.data,
                                                     d_logits.empty() ? nullptr : d_logits.data, raw_data(loss),
                                                     raw_data(bad), rows, logits.cols});
  const index_t first_bad = detail::first_index_where(be, rows, detail::flagged{raw_data(bad)});
  if (first_bad != rows)
    throw std::invalid_argument(std::string(who) + ": target of row " + std::to_string(first_bad) +
                                " outside its valid columns (or invalid valid count)");
  return sum(be, vector_view<const double>{raw_data(loss), rows}) / static_cast<double>(rows);
}

}  // namespace gpta::backend
