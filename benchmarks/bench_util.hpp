// Small helpers the benchmarks share: a monotonic clock in seconds, the median, peak RSS, the
// build's GEMM policy and the MiniLM folder check.
#pragma once

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <sys/resource.h>

namespace gpta::bench {

/// The host GEMM policy this benchmark was built with (GPTA_GEMM; see nn/gemm_cblas.hpp).
#if defined(GPTA_GEMM_LIBRARY)
inline constexpr const char* gemm_name = GPTA_GEMM_LIBRARY;
#else
inline constexpr const char* gemm_name = "eigen";
#endif

/// False (with the way to get one on stderr) when no MiniLM folder was given.
inline bool have_model(const std::string& model) {
  if (!model.empty()) return true;
  std::cerr << "set --model DIR or GPTA_MINILM_DIR (scripts/install_models.sh prints it)\n";
  return false;
}

inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Peak resident set size of this process in MiB.
inline double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace gpta::bench
