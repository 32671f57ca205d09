// Portable randomness: the same seed gives the same numbers with every standard library
// (std::uniform_*_distribution and std::shuffle are implementation-defined, so gpta avoids them).
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace gpta::detail {

/// Mixes a seed with a stream id so independent uses of one user seed do not correlate.
[[nodiscard]] constexpr std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Uniform integer in [0, n) without modulo bias (rejection sampling on 64-bit draws).
[[nodiscard]] inline std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n) {
  if (n <= 1) return 0;
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % n;
}

/// Uniform double in [0, 1) from the top 53 bits of one draw.
[[nodiscard]] inline double uniform_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// Fisher-Yates shuffle with uniform_index: identical permutation everywhere for a seed.
template <class T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_index(rng, i));
    using std::swap;
    swap(v[i - 1], v[j]);
  }
}

}  // namespace gpta::detail
