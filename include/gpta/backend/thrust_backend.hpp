// The Thrust backend policy: kernels run through a Thrust system (CPP, OMP or CUDA), tensors live in
// that system's vectors. The default system is the one CMake's GPTA_THRUST_DEVICE selects.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include <thrust/copy.h>
#include <thrust/execution_policy.h>  // thrust::device_system_tag: the system THRUST_DEVICE_SYSTEM names
#include <thrust/memory.h>
#include <thrust/system/cpp/vector.h>
#include <thrust/system/omp/vector.h>
#if defined(__CUDACC__)
#include <thrust/system/cuda/vector.h>
#endif

#include <gpta/backend/backend.hpp>
#include <gpta/backend/matrix_view.hpp>

namespace gpta::backend {

namespace detail {
/// What the backend needs to know about a Thrust system; only systems this compiler can build are
/// specialised (OMP algorithms still need -fopenmp, CUDA needs nvcc).
template <class System>
struct thrust_system_traits;

template <>
struct thrust_system_traits<thrust::system::cpp::tag> {
  template <class T>
  using vector = thrust::system::cpp::vector<T>;
  static constexpr std::string_view name = "thrust-cpp";
  static constexpr bool host_accessible = true;
};

template <>
struct thrust_system_traits<thrust::system::omp::tag> {
  template <class T>
  using vector = thrust::system::omp::vector<T>;
  static constexpr std::string_view name = "thrust-omp";
  static constexpr bool host_accessible = true;
};

#if defined(__CUDACC__)
template <>
struct thrust_system_traits<thrust::system::cuda::tag> {
  template <class T>
  using vector = thrust::system::cuda::vector<T>;
  static constexpr std::string_view name = "thrust-cuda";
  static constexpr bool host_accessible = false;
};
#endif
}  // namespace detail

/// `System` is a Thrust system tag (thrust::system::omp::tag...). Stateless: a CUDA stream or a
/// cuBLAS handle, when needed, travels beside it (see gemm_cublas.cuh).
template <class System = thrust::device_system_tag>
struct thrust_backend {
  using system_type = System;
  template <class T>
  using vector = typename detail::thrust_system_traits<System>::template vector<T>;
  static constexpr std::string_view name = detail::thrust_system_traits<System>::name;
  static constexpr bool host_accessible = detail::thrust_system_traits<System>::host_accessible;

  /// The execution policy every Thrust algorithm of a kernel receives.
  [[nodiscard]] System policy() const noexcept { return System{}; }
};

/// The system CMake configured (THRUST_DEVICE_SYSTEM): what a student uses by default.
using device_backend = thrust_backend<>;

template <class B>
inline constexpr bool is_thrust_backend_v = false;
template <class System>
inline constexpr bool is_thrust_backend_v<thrust_backend<System>> = true;

/// Raw element pointer of any contiguous vector (std::vector, Thrust host or device vectors).
template <class Vector>
[[nodiscard]] auto raw_data(Vector& v) {
  return thrust::raw_pointer_cast(v.data());
}

template <class Vector>
using view_element_t = std::remove_reference_t<decltype(*raw_data(std::declval<Vector&>()))>;

/// The whole vector as a flat view.
template <class Vector>
[[nodiscard]] vector_view<view_element_t<Vector>> view(Vector& v) {
  return {raw_data(v), static_cast<index_t>(v.size())};
}

/// The vector as a rows x cols row-major matrix; its size must match exactly.
template <class Vector>
[[nodiscard]] matrix_view<view_element_t<Vector>> view(Vector& v, index_t rows, index_t cols) {
  if (rows < 0 || cols < 0 || static_cast<index_t>(v.size()) != rows * cols)
    throw std::invalid_argument("gpta::backend::view: vector of " + std::to_string(v.size()) + " elements seen as " +
                                std::to_string(rows) + "x" + std::to_string(cols));
  return {raw_data(v), rows, cols};
}

/// Element i of a backend vector, on the host. Host-readable systems read the raw pointer: Thrust's
/// reference conversion binds a null system reference internally, which UBSan reports.
template <class System, class Vector>
[[nodiscard]] typename Vector::value_type read_element(thrust_backend<System>, const Vector& v, std::size_t i) {
  if (i >= v.size())
    throw std::out_of_range("gpta::backend::read_element: index " + std::to_string(i) + " of " +
                            std::to_string(v.size()));
  if constexpr (thrust_backend<System>::host_accessible) {
    return raw_data(v)[i];
  } else {
    typename Vector::value_type out{};
    thrust::copy(v.begin() + static_cast<std::ptrdiff_t>(i), v.begin() + static_cast<std::ptrdiff_t>(i) + 1, &out);
    return out;
  }
}

}  // namespace gpta::backend
