// 64-bit FNV-1a: a hash specified bit for bit, so what it keys (hashed vocabulary buckets,
// checkpoints, the parameter digests ranks compare) is the same with every compiler and library.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

namespace gpta::detail {

inline constexpr std::uint64_t fnv1a_offset = 14695981039346656037ull;
inline constexpr std::uint64_t fnv1a_prime = 1099511628211ull;

/// 64-bit FNV-1a over bytes: specified bit for bit, so bucket assignments (and therefore
/// checkpoints) are the same with every compiler and standard library, unlike std::hash.
[[nodiscard]] constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = fnv1a_offset) noexcept {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= fnv1a_prime;
  }
  return h;
}

/// Continues FNV-1a over the 8 little-endian bytes of `x` (byte order fixed, not the host's).
[[nodiscard]] constexpr std::uint64_t fnv1a64_u64(std::uint64_t x, std::uint64_t h) noexcept {
  for (int i = 0; i < 8; ++i) {
    h ^= (x >> (8 * i)) & 0xFFu;
    h *= fnv1a_prime;
  }
  return h;
}

/// FNV-1a over the bytes of `values` (the host's float layout: for comparing processes of one run).
template <class T>
  requires std::is_trivially_copyable_v<T>
[[nodiscard]] std::uint64_t fnv1a64_values(std::span<const T> values, std::uint64_t h = fnv1a_offset) noexcept {
  return fnv1a64(std::string_view(reinterpret_cast<const char*>(values.data()), values.size_bytes()), h);
}

}  // namespace gpta::detail
