// Paired comparisons of a strategy against a baseline: the difference over seeds with a Student-t
// confidence interval, and a paired bootstrap over test examples. Pure functions, no I/O.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gpta/detail/random.hpp>

namespace gpta {

namespace detail {

/// Continued fraction of the regularized incomplete beta (modified Lentz, Numerical Recipes
/// `betacf`); converges fast for x < (a + 1) / (a + b + 2).
[[nodiscard]] inline double incomplete_beta_fraction(double a, double b, double x) noexcept {
  constexpr double tiny = 1e-300;
  constexpr double eps = 1e-16;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  // ~sqrt(max(a, b)) terms are needed; the cap only guards against a loop on bad input.
  for (int m = 1; m <= 100000; ++m) {
    const double dm = static_cast<double>(m), m2 = 2.0 * dm;
    double aa = dm * (b - dm) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + dm) * (qab + dm) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < eps) break;
  }
  return h;
}

/// I_x(a, b) for a, b > 0, with y = 1 - x passed in by the caller so that it need not be formed
/// by a cancelling subtraction.
[[nodiscard]] inline double regularized_incomplete_beta(double a, double b, double x, double y) noexcept {
  if (x <= 0.0) return 0.0;
  if (y <= 0.0) return 1.0;
  const double front = std::exp(a * std::log(x) + b * std::log(y) - (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b)));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * incomplete_beta_fraction(a, b, x) / a;
  return 1.0 - front * incomplete_beta_fraction(b, a, y) / b;
}

/// P(|T| >= |t|) for T ~ Student t with df degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2).
[[nodiscard]] inline double student_t_two_tail(double t, double df) noexcept {
  const double t2 = t * t;
  if (std::isinf(t2)) return 0.0;
  return regularized_incomplete_beta(0.5 * df, 0.5, df / (df + t2), t2 / (df + t2));
}

/// The t > 0 with P(T >= t) = tail, for 0 < tail < 1/2: bracketed by doubling, then bisection to
/// the last bit (the tail is monotone, so bisection cannot fail where Newton could overshoot).
[[nodiscard]] inline double student_t_upper_quantile(double tail, double df) noexcept {
  const auto upper = [df](double t) { return 0.5 * student_t_two_tail(t, df); };
  double lo = 0.0, hi = 1.0;
  while (upper(hi) > tail && hi < std::numeric_limits<double>::max() / 4) {
    lo = hi;
    hi *= 2.0;
  }
  for (int i = 0; i < 2200; ++i) {
    const double mid = lo + 0.5 * (hi - lo);
    if (mid <= lo || mid >= hi) break;
    (upper(mid) > tail ? lo : hi) = mid;
  }
  return lo + 0.5 * (hi - lo);
}

inline void check_confidence(const char* who, double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument(std::string(who) + ": confidence " + std::to_string(confidence) + " is not in (0, 1)");
}

[[nodiscard]] inline std::vector<double> paired_differences(const char* who, std::span<const double> treatment,
                                                            std::span<const double> baseline) {
  if (treatment.size() != baseline.size() || treatment.empty())
    throw std::invalid_argument(std::string(who) + ": " + std::to_string(treatment.size()) + " treatment scores for " +
                                std::to_string(baseline.size()) + " baseline scores (need the same number, at least one)");
  std::vector<double> d(treatment.size());
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = treatment[i] - baseline[i];
  return d;
}

}  // namespace detail

/// P(T <= t) for T ~ Student t with df > 0 degrees of freedom (df need not be an integer), from
/// the regularized incomplete beta. Tails keep their relative accuracy (nothing is formed as
/// 1 - small): ~1e-13 relative for df <= 1000, ~1e-9 at df = 1e5 (lgamma's cancellation in the
/// beta function). NaN for NaN t or df <= 0.
[[nodiscard]] inline double student_t_cdf(double t, double df) noexcept {
  if (std::isnan(t) || !(df > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const double half_tail = 0.5 * detail::student_t_two_tail(t, df);
  return t < 0.0 ? half_tail : 1.0 - half_tail;
}

/// P(|T| >= |t|): the two-sided p-value of a t statistic. NaN for NaN t or df <= 0.
[[nodiscard]] inline double student_t_two_sided_p(double t, double df) noexcept {
  if (std::isnan(t) || !(df > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return detail::student_t_two_tail(t, df);
}

/// The t with P(T <= t) = p (inverse of student_t_cdf, by bisection on it). -inf for p = 0, +inf
/// for p = 1, NaN for p outside [0, 1] or df <= 0.
[[nodiscard]] inline double student_t_quantile(double p, double df) noexcept {
  if (!(p >= 0.0 && p <= 1.0) || !(df > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  if (p == 0.5) return 0.0;
  return p < 0.5 ? -detail::student_t_upper_quantile(p, df) : detail::student_t_upper_quantile(1.0 - p, df);
}

/// Paired difference over seeds: d_i = treatment_i - baseline_i for the runs sharing seed i.
struct paired_difference {
  std::size_t n = 0;            ///< pairs (seeds)
  double mean = 0.0;            ///< mean of d
  double sd = 0.0;              ///< sample standard deviation of d (divisor n - 1)
  double standard_error = 0.0;  ///< sd / sqrt(n)
  double ci_low = 0.0;          ///< mean - t_{n-1, (1+confidence)/2} * standard_error
  double ci_high = 0.0;         ///< mean + t_{n-1, (1+confidence)/2} * standard_error
  double t = 0.0;               ///< mean / standard_error
  double p_two_sided = 1.0;     ///< P(|T_{n-1}| >= |t|)
};

/// The paired t analysis of d_i = treatment_i - baseline_i: per-seed scores of two strategies
/// (same splits, same seeds, in the same order), or per-example losses of two probes.
/// n = 1: mean is d_0; sd, standard_error, the CI, t and p are NaN (no spread to estimate).
/// All d_i equal (sd = 0, n >= 2): sd and standard_error are 0, the CI collapses to [mean, mean],
/// t is +-inf with p = 0 when mean != 0, and t is NaN with p = 1 when mean == 0. NaN scores give
/// NaN results. std::invalid_argument when the sizes differ, are empty, or confidence is not in (0, 1).
[[nodiscard]] inline paired_difference paired_mean_difference(std::span<const double> treatment, std::span<const double> baseline,
                                                              double confidence = 0.95) {
  constexpr const char* who = "gpta::paired_mean_difference";
  const std::vector<double> d = detail::paired_differences(who, treatment, baseline);
  detail::check_confidence(who, confidence);
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  paired_difference r;
  r.n = d.size();
  const double n = static_cast<double>(d.size());
  // Equal differences are recognised exactly, so that rounding in sum / n cannot leave a tiny sd.
  const bool all_equal = std::all_of(d.begin(), d.end(), [&d](double x) { return x == d.front(); });
  double sum = 0.0;
  for (double x : d) sum += x;
  r.mean = all_equal ? d.front() : sum / n;
  if (d.size() < 2) {
    r.sd = r.standard_error = r.ci_low = r.ci_high = r.t = r.p_two_sided = nan;
    return r;
  }
  double ss = 0.0;  // two-pass: no cancellation between sum of squares and squared sum
  for (double x : d) ss += (x - r.mean) * (x - r.mean);
  r.sd = all_equal ? 0.0 : std::sqrt(ss / (n - 1.0));
  r.standard_error = r.sd / std::sqrt(n);
  if (r.standard_error == 0.0) {
    r.ci_low = r.ci_high = r.mean;
    r.t = r.mean == 0.0 ? nan : std::copysign(std::numeric_limits<double>::infinity(), r.mean);
    r.p_two_sided = r.mean == 0.0 ? 1.0 : 0.0;
    return r;
  }
  const double df = n - 1.0;
  const double q = detail::student_t_upper_quantile(0.5 * (1.0 - confidence), df);
  r.ci_low = r.mean - q * r.standard_error;
  r.ci_high = r.mean + q * r.standard_error;
  r.t = r.mean / r.standard_error;
  r.p_two_sided = student_t_two_sided_p(r.t, df);
  return r;
}

/// Paired bootstrap of the mean per-example difference between two systems.
struct bootstrap_result {
  std::size_t n = 0;           ///< examples
  double observed = 0.0;       ///< mean(treatment - baseline) on the examples as given
  double ci_low = 0.0;         ///< percentile interval of the resampled mean differences
  double ci_high = 0.0;
  double p_value = 1.0;        ///< two-sided, null-centred (see paired_bootstrap)
  std::size_t resamples = 0;
};

/// Paired bootstrap over examples (Koehn 2004, "Statistical significance tests for machine
/// translation evaluation"): treatment[i] and baseline[i] are the two systems' scores on example
/// i (0/1 correctness, per-example F1 or ROUGE; the caller pools the seeds' test sets).
///
/// Each resample draws n example indices with replacement and takes the mean of d = treatment -
/// baseline over them. Indices come from std::mt19937_64 seeded with `seed` (its output is fixed
/// by the standard) mapped to [0, n) by gpta::detail::uniform_index (rejection, then x % n), not
/// by std::uniform_int_distribution, whose mapping differs between standard libraries; with the
/// fixed summation order the result is bit-identical on every IEEE-754 platform.
///
/// CI: percentiles (1-confidence)/2 and (1+confidence)/2 of the B resampled means, interpolated
/// linearly between order statistics (Hyndman & Fan type 7, numpy's default): the value at
/// position q (B - 1) of the sorted means, counting from 0.
///
/// p-value: the shift method of Efron & Tibshirani (1993, An Introduction to the Bootstrap,
/// sec. 16.4; as used for NLP by Berg-Kirkpatrick et al. 2012): the resampled means shifted by
/// -observed approximate the distribution of the mean under H0 (no difference), so
///   p = (#{b : |mean_b - observed| >= |observed|} + 1) / (B + 1),
/// the +1s counting the observed sample as one of the null draws (Davison & Hinkley 1997, 4.2), so
/// p >= 1 / (B + 1) and never 0. observed == 0 gives p = 1.
///
/// std::invalid_argument when the sizes differ, are empty, resamples is 0 or confidence is not in
/// (0, 1). Cost: n * resamples draws.
[[nodiscard]] inline bootstrap_result paired_bootstrap(std::span<const double> treatment, std::span<const double> baseline,
                                                       std::size_t resamples = 10000, std::uint64_t seed = 0,
                                                       double confidence = 0.95) {
  constexpr const char* who = "gpta::paired_bootstrap";
  const std::vector<double> d = detail::paired_differences(who, treatment, baseline);
  detail::check_confidence(who, confidence);
  if (resamples == 0) throw std::invalid_argument(std::string(who) + ": resamples must be at least 1");
  bootstrap_result r;
  r.n = d.size();
  r.resamples = resamples;
  const double n = static_cast<double>(d.size());
  double sum = 0.0;
  for (double x : d) sum += x;
  r.observed = sum / n;

  std::mt19937_64 rng(seed);
  std::vector<double> means(resamples);
  std::size_t extreme = 0;
  for (double& m : means) {
    double s = 0.0;
    for (std::size_t i = 0; i < d.size(); ++i) s += d[static_cast<std::size_t>(detail::uniform_index(rng, d.size()))];
    m = s / n;
    if (std::fabs(m - r.observed) >= std::fabs(r.observed)) ++extreme;
  }
  r.p_value = static_cast<double>(extreme + 1) / static_cast<double>(resamples + 1);

  std::sort(means.begin(), means.end());
  const auto percentile = [&means](double q) {
    const double h = q * static_cast<double>(means.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    if (lo + 1 >= means.size()) return means.back();
    return means[lo] + (h - static_cast<double>(lo)) * (means[lo + 1] - means[lo]);
  };
  r.ci_low = percentile(0.5 * (1.0 - confidence));
  r.ci_high = percentile(0.5 * (1.0 + confidence));
  return r;
}

/// Table mark for a p-value: "**" below 0.01, "*" below 0.05, "" otherwise (NaN included).
[[nodiscard]] inline std::string significance_mark(double p) {
  if (p < 0.01) return "**";
  if (p < 0.05) return "*";
  return "";
}

}  // namespace gpta
