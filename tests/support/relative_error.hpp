// The normwise relative error of the backend tests: max |got - want| / max |want|.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace gpta::test {

/// `want`: n float or double reference values.
template <class T>
double relative_error(const std::vector<float>& got, const T* want, std::size_t n) {
  BOOST_REQUIRE_EQUAL(got.size(), n);
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = static_cast<double>(want[i]);
    diff = std::max(diff, std::abs(static_cast<double>(got[i]) - w));
    scale = std::max(scale, std::abs(w));
  }
  return scale == 0 ? diff : diff / scale;
}

/// `want`: any contiguous float or double container (std::vector, Eigen matrix) with data() and size().
template <class Reference>
double relative_error(const std::vector<float>& got, const Reference& want) {
  return relative_error(got, want.data(), static_cast<std::size_t>(want.size()));
}

}  // namespace gpta::test
