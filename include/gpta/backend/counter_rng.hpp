// The counter-based hash behind dropout masks, callable from host and device code.
// Bit-for-bit the scheme of nn::dropout_keep/dropout_threshold, so every backend drops the same elements.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <gpta/backend/host_device.hpp>

namespace gpta::backend {

/// SplitMix64 finaliser of key ^ (index * golden ratio): a pure function of (key, index), so a mask
/// needs no generator state and the backward pass regenerates it instead of storing it.
GPTA_HD constexpr std::uint64_t counter_hash(std::uint64_t key, std::uint64_t index) noexcept {
  std::uint64_t z = key ^ (index * 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// True when element `index` survives under `key` (threshold from dropout_threshold).
GPTA_HD constexpr bool dropout_keep(std::uint64_t key, std::uint64_t index, std::uint32_t threshold) noexcept {
  return static_cast<std::uint32_t>(counter_hash(key, index) >> 32) >= threshold;
}

/// Drop probability p as a threshold on the hash's top 32 bits (host side, validated).
[[nodiscard]] inline std::uint32_t dropout_threshold(double p) {
  if (!(p >= 0.0 && p < 1.0))
    throw std::invalid_argument("gpta::backend::dropout: p must be in [0, 1), got " + std::to_string(p));
  const double scaled = std::ldexp(p, 32);
  return static_cast<std::uint32_t>(scaled >= 4294967295.0 ? 4294967295.0 : scaled);
}

}  // namespace gpta::backend
