// Correlation of paired per-round figures (the TA's accuracy against the student's dev gain):
// Pearson and Spearman with Fisher-z confidence intervals, and mean/sd summaries. Pure functions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gpta/eval/paired_statistics.hpp>

namespace gpta {

/// A correlation coefficient over n pairs, its confidence interval and two-sided p-value.
struct correlation_result {
  std::size_t n = 0;                                            ///< pairs
  double r = std::numeric_limits<double>::quiet_NaN();          ///< the coefficient, in [-1, 1]
  double ci_low = std::numeric_limits<double>::quiet_NaN();     ///< Fisher-z interval
  double ci_high = std::numeric_limits<double>::quiet_NaN();
  double p_two_sided = std::numeric_limits<double>::quiet_NaN();  ///< H0: no correlation (t, n - 2 df)
};

/// Mean and sample standard deviation of a set of values (e.g. TA accuracy at one round index).
struct mean_spread {
  std::size_t n = 0;
  double mean = std::numeric_limits<double>::quiet_NaN();
  double sd = std::numeric_limits<double>::quiet_NaN();  ///< divisor n - 1
};

namespace detail {

/// Phi^{-1}(p) for 0 < p <= 1/2: Acklam's rational approximation (relative error < 1.2e-9), then
/// one Halley step on Phi(x) - p, which brings it to ~1e-15. Phi is taken from erfc of a
/// non-negative argument, so the lower tail keeps its relative accuracy down to ~1e-300.
[[nodiscard]] inline double normal_lower_quantile(double p) noexcept {
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01,  -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  const double e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
  const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
  const double refined = x - u / (1.0 + 0.5 * x * u);
  // Near p = 5e-324 exp(x^2 / 2) overflows; keep Acklam's value there.
  return std::isfinite(refined) ? refined : x;
}

/// Phi^{-1}(p), the standard normal quantile. -inf for p = 0, +inf for p = 1, NaN outside [0, 1].
/// p > 1/2 goes through 1 - p, which is exact there (Sterbenz), and symmetry.
[[nodiscard]] inline double normal_quantile(double p) noexcept {
  if (!(p >= 0.0 && p <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  if (p == 0.5) return 0.0;
  return p < 0.5 ? normal_lower_quantile(p) : -normal_lower_quantile(1.0 - p);
}

inline void check_same_size(const char* who, std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size())
    throw std::invalid_argument(std::string(who) + ": x has " + std::to_string(x.size()) + " values, y has " +
                                std::to_string(y.size()) + " (need one y per x)");
}

/// r, its Fisher-z interval with SE = sqrt(variance_factor / (n - 3)), and the t-test p-value.
[[nodiscard]] inline correlation_result correlate(std::span<const double> x, std::span<const double> y,
                                                  double confidence, double variance_factor) {
  correlation_result out;
  out.n = x.size();
  if (x.size() < 2) return out;
  // Constant inputs are recognised exactly, so that rounding in sum / n cannot invent a variance.
  const auto constant = [](std::span<const double> v) {
    return std::all_of(v.begin(), v.end(), [&v](double e) { return e == v.front(); });
  };
  if (constant(x) || constant(y)) return out;
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxx = 0.0, syy = 0.0, sxy = 0.0;  // two-pass: no cancellation against the squared sums
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const double prod = sxx * syy;  // sqrt of the product is exact for identical vectors, where r must be 1
  const double denom = std::isfinite(prod) && prod > 0.0 ? std::sqrt(prod) : std::sqrt(sxx) * std::sqrt(syy);
  out.r = std::clamp(sxy / denom, -1.0, 1.0);  // NaN inputs pass through clamp as NaN
  if (std::isnan(out.r) || x.size() < 3) return out;
  if (std::fabs(out.r) == 1.0) {
    out.ci_low = out.ci_high = out.r;
    out.p_two_sided = 0.0;
    return out;
  }
  const double z = std::atanh(out.r);
  const double half = -normal_quantile(0.5 * (1.0 - confidence)) * std::sqrt(variance_factor / (n - 3.0));
  out.ci_low = std::tanh(z - half);  // n = 3: half = inf, the interval is [-1, 1]
  out.ci_high = std::tanh(z + half);
  const double t = out.r * std::sqrt((n - 2.0) / ((1.0 - out.r) * (1.0 + out.r)));
  out.p_two_sided = student_t_two_sided_p(t, n - 2.0);
  return out;
}

}  // namespace detail

/// 1-based ranks of v, ties sharing the mean of the ranks they span ({10, 20, 20, 30} ->
/// {1, 2.5, 2.5, 4}). NaN values get a NaN rank; the others are ranked among themselves.
[[nodiscard]] inline std::vector<double> average_ranks(std::span<const double> v) {
  std::vector<double> ranks(v.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<std::size_t> order;
  order.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isnan(v[i])) order.push_back(i);
  std::sort(order.begin(), order.end(), [&v](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  for (std::size_t first = 0; first < order.size();) {
    std::size_t last = first + 1;
    while (last < order.size() && v[order[last]] == v[order[first]]) ++last;
    // Positions first..last-1 (0-based) hold ranks first+1..last; their mean is (first+1+last)/2.
    const double rank = 0.5 * static_cast<double>(first + 1 + last);
    for (std::size_t k = first; k < last; ++k) ranks[order[k]] = rank;
    first = last;
  }
  return ranks;
}

/// Sample Pearson correlation of (x_i, y_i). CI: Fisher z = atanh r, SE = 1 / sqrt(n - 3),
/// z -+ Phi^{-1}((1 + confidence) / 2) SE back through tanh. p: t = r sqrt((n - 2) / (1 - r^2))
/// against Student t with n - 2 df, two-sided.
/// Edge cases: n < 2 -> r NaN. n = 2 -> r (necessarily +-1) but CI and p NaN (no degree of
/// freedom). n = 3 -> CI [-1, 1] unless |r| = 1. Either input constant -> r, CI and p NaN.
/// |r| = 1 -> CI collapses to [r, r], p = 0. Any NaN value -> NaN results.
/// std::invalid_argument when the sizes differ (naming both) or confidence is not in (0, 1).
[[nodiscard]] inline correlation_result pearson(std::span<const double> x, std::span<const double> y,
                                                double confidence = 0.95) {
  detail::check_same_size("gpta::pearson", x, y);
  detail::check_confidence("gpta::pearson", confidence);
  return detail::correlate(x, y, confidence, 1.0);
}

/// Spearman's rho: Pearson on average_ranks of x and of y (ties get the mean rank). CI: Fisher z
/// with SE = sqrt(1.06 / (n - 3)) (Fieller, Hartley & Pearson 1957, "Tests for rank correlation
/// coefficients. I", Biometrika 44:470-481); p from the same t approximation with n - 2 df.
/// Edge cases and errors as for pearson (a NaN value gets a NaN rank, so the results are NaN).
[[nodiscard]] inline correlation_result spearman(std::span<const double> x, std::span<const double> y,
                                                 double confidence = 0.95) {
  detail::check_same_size("gpta::spearman", x, y);
  detail::check_confidence("gpta::spearman", confidence);
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  return detail::correlate(rx, ry, confidence, 1.06);
}

/// Mean and sample sd (divisor n - 1, two-pass). n = 0 -> mean and sd NaN; n = 1 -> the value
/// and sd NaN (a single value says nothing about spread, and 0 would read as "no spread").
/// Equal values give sd exactly 0 and their value as the mean. NaN values propagate.
[[nodiscard]] inline mean_spread summarize_values(std::span<const double> v) {
  mean_spread out;
  out.n = v.size();
  if (v.empty()) return out;
  const bool all_equal = std::all_of(v.begin(), v.end(), [&v](double e) { return e == v.front(); });
  const double n = static_cast<double>(v.size());
  out.mean = all_equal ? v.front() : std::accumulate(v.begin(), v.end(), 0.0) / n;
  if (v.size() < 2) return out;
  double ss = 0.0;
  for (double e : v) ss += (e - out.mean) * (e - out.mean);
  out.sd = all_equal ? 0.0 : std::sqrt(ss / (n - 1.0));
  return out;
}

}  // namespace gpta
