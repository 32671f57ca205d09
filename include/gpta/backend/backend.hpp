// Backend policies: where a student's tensors live and which code runs its kernels.
// host_backend is today's Eigen path; thrust_backend<System> (thrust_backend.hpp) runs on Thrust.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>
#include <vector>

namespace gpta::backend {

/// A backend names its storage: `B::vector<T>` owns T elements in the backend's memory space.
template <class B>
concept has_backend_vector = requires(typename B::template vector<float> v) {
  { v.size() } -> std::convertible_to<std::size_t>;
  v.data();
};

/// A short name for logs and benchmark tables ("host-eigen", "thrust-omp"...).
template <class B>
concept has_backend_name = requires {
  { B::name } -> std::convertible_to<std::string_view>;
};

/// Whether the host may dereference the backend's pointers (false for CUDA device memory): it
/// decides between Eigen on raw pointers and a device library for matrix products.
template <class B>
concept has_memory_space = requires {
  { B::host_accessible } -> std::convertible_to<bool>;
};

/// Backends are empty or cheap value types passed by value to every kernel, like Thrust's
/// execution policies. See the header comment of gpta/backend/kernels.hpp for the kernel list.
template <class B>
concept backend_policy = std::semiregular<B> && has_backend_vector<B> && has_backend_name<B> && has_memory_space<B>;

/// The Eigen path of nn/bert_layers.hpp and friends: plain host memory, kernels in gpta::nn.
struct host_backend {
  template <class T>
  using vector = std::vector<T>;
  static constexpr std::string_view name = "host-eigen";
  static constexpr bool host_accessible = true;
};

static_assert(backend_policy<host_backend>);

}  // namespace gpta::backend
