// Non-owning views of dense row-major matrices and vectors in a backend's memory space.
// Kernels take views, not containers: one signature serves std::vector, host and device vectors.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <gpta/backend/host_device.hpp>

namespace gpta::backend {

/// rows x cols, contiguous, row-major (the layout nn::row_matrix and parameter_store use).
template <class T>
struct matrix_view {
  T* data = nullptr;
  index_t rows = 0;
  index_t cols = 0;

  GPTA_HD T& operator()(index_t r, index_t c) const { return data[r * cols + c]; }
  GPTA_HD T* row(index_t r) const { return data + r * cols; }
  GPTA_HD index_t size() const { return rows * cols; }
  [[nodiscard]] bool empty() const noexcept { return rows == 0 || cols == 0; }

  /// Mutable views convert to read-only ones, never the reverse.
  template <class U = T, class = std::enable_if_t<!std::is_const_v<U>>>
  operator matrix_view<const U>() const noexcept {  // NOLINT: implicit by design, like span
    return {data, rows, cols};
  }
};

template <class T>
struct vector_view {
  T* data = nullptr;
  index_t size = 0;

  GPTA_HD T& operator[](index_t i) const { return data[i]; }
  [[nodiscard]] bool empty() const noexcept { return size == 0; }

  template <class U = T, class = std::enable_if_t<!std::is_const_v<U>>>
  operator vector_view<const U>() const noexcept {  // NOLINT: implicit by design
    return {data, size};
  }
};

/// Read-only kernel parameters: a non-deduced context, so mutable views convert implicitly and the
/// element type comes from the kernel's outputs.
template <class T>
using in_matrix = std::type_identity_t<matrix_view<const T>>;
template <class T>
using in_vector = std::type_identity_t<vector_view<const T>>;

/// A matrix seen as its flat element sequence (AdamW, clipping and reductions do not care about shape).
template <class T>
[[nodiscard]] vector_view<T> flat(matrix_view<T> m) noexcept {
  return {m.data, m.rows * m.cols};
}

namespace detail {
inline void require_shape(const char* who, const char* what, index_t rows, index_t cols, index_t want_rows,
                          index_t want_cols) {
  if (rows != want_rows || cols != want_cols)
    throw std::invalid_argument(std::string(who) + ": " + what + " is " + std::to_string(rows) + "x" +
                                std::to_string(cols) + ", expected " + std::to_string(want_rows) + "x" +
                                std::to_string(want_cols));
}
}  // namespace detail

}  // namespace gpta::backend
