#include <gpta/eval/paired_statistics.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

// Reference values: Student-t tables, closed forms (df = 1: Cauchy; df = 2; df = 4), and figures
// checked independently with mpmath (40 digits, the density integrated by quadrature, not the
// incomplete beta) and with a math-only Simpson rule. The bootstrap's golden draws come from a
// Python transcription of mt19937_64 (checked against the standard's 10000th output) and the
// same rejection mapping.

namespace tt = boost::test_tools;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

bool throws_naming(auto&& f, const std::string& needle) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return std::string(e.what()).find(needle) != std::string::npos;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(t_quantiles_match_the_table) {
  // The brief's table values (9 decimals); mpmath gives 12.7062047361747, 4.30265272974946,
  // 2.77644510519779, 2.22813885198627, 2.04227245630124.
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.975, 1) - 12.706204736) < 1e-9);
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.975, 2) - 4.302652730) < 1e-9);
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.975, 4) - 2.776445105) < 1e-9);
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.975, 10) - 2.228138852) < 1e-9);
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.975, 30) - 2.042272456) < 1e-9);
  // To the digits mpmath gives.
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.975, 1) - 12.7062047361747) < 1e-11);
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.975, 30) - 2.04227245630124) < 1e-12);
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.95, 2) - 2.9199855803537257) < 1e-12);
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.995, 3) - 5.8409093097333573) < 1e-11);
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.9, 7) - 1.4149239276505085) < 1e-12);
  // Lower quantiles are the negated upper ones.
  BOOST_TEST(gpta::student_t_quantile(0.025, 10) == -gpta::student_t_quantile(0.975, 10));
  BOOST_TEST(gpta::student_t_quantile(0.1, 7) < -1.41);
  // Large df: the normal quantile 1.959963985 plus the O(1/df) correction (mpmath 1.959966356814107).
  BOOST_TEST(std::fabs(gpta::student_t_quantile(0.975, 1e6) - 1.959966356814107) < 1e-8);
}

BOOST_AUTO_TEST_CASE(t_quantiles_match_closed_forms) {
  for (double p : {0.001, 0.05, 0.3, 0.6, 0.9, 0.999, 0.99999}) {
    const double pi = std::numbers::pi;
    // df = 1 (Cauchy): tan(pi (p - 1/2)).
    const double cauchy = std::tan(pi * (p - 0.5));
    BOOST_TEST(gpta::student_t_quantile(p, 1) == cauchy, tt::tolerance(1e-11));
    // df = 2: (2p - 1) sqrt(2 / (4 p (1 - p))).
    const double two = (2 * p - 1) * std::sqrt(2 / (4 * p * (1 - p)));
    BOOST_TEST(gpta::student_t_quantile(p, 2) == two, tt::tolerance(1e-11));
    // df = 4: a = 4p(1-p), q = cos(acos(sqrt a) / 3) / sqrt a, t = sign(p - 1/2) 2 sqrt(q - 1).
    const double a = 4 * p * (1 - p);
    const double q = std::cos(std::acos(std::sqrt(a)) / 3) / std::sqrt(a);
    const double four = (p < 0.5 ? -2 : 2) * std::sqrt(q - 1);
    BOOST_TEST(gpta::student_t_quantile(p, 4) == four, tt::tolerance(1e-10));
  }
}

BOOST_AUTO_TEST_CASE(t_cdf_values_symmetry_and_tails) {
  const double pi = std::numbers::pi;
  for (double df : {1.0, 2.0, 3.5, 7.0, 29.0}) {
    BOOST_TEST(gpta::student_t_cdf(0.0, df) == 0.5);
    for (double t : {0.1, 0.9, 2.0, 6.0, 40.0})
      BOOST_TEST(std::fabs(gpta::student_t_cdf(-t, df) + gpta::student_t_cdf(t, df) - 1.0) < 1e-15);
  }
  // Closed forms, written for t < 0 without the cancelling 1/2 - x, so that the far lower tails
  // (3.2e-4 and 5.0e-7 at t = -1000) are checked to a relative tolerance.
  const auto cauchy = [pi](double t) { return t < 0 ? std::atan(-1 / t) / pi : 0.5 + std::atan(t) / pi; };
  const auto df2 = [](double t) {
    const double r = std::sqrt(2 + t * t);
    return t < 0 ? 1 / (r * (r - t)) : 0.5 + t / (2 * r);
  };
  for (double t : {-1000.0, -30.0, -2.5, -0.3, 0.7, 4.0, 250.0}) {
    BOOST_TEST(gpta::student_t_cdf(t, 1) == cauchy(t), tt::tolerance(1e-13));
    BOOST_TEST(gpta::student_t_cdf(t, 2) == df2(t), tt::tolerance(1e-13));
  }
  // mpmath quadrature of the density: P(T_3 <= -50) = 8.8085760206359871e-6.
  BOOST_TEST(gpta::student_t_cdf(-50, 3) == 8.8085760206359871e-6, tt::tolerance(1e-10));
  // df = 1e6 is the normal up to ~1e-7: Phi(1.96) = 0.97500210485177956.
  BOOST_TEST(std::fabs(gpta::student_t_cdf(1.96, 1e6) - 0.97500210485177956) < 1e-6);
  BOOST_TEST(std::fabs(gpta::student_t_cdf(1.96, 1e6) - gpta::student_t_cdf(1.96, 30)) > 1e-3);
  // The quantile inverts the CDF.
  for (double df : {1.5, 5.0, 12.0})
    for (double p : {0.01, 0.2, 0.5, 0.8, 0.995})
      BOOST_TEST(std::fabs(gpta::student_t_cdf(gpta::student_t_quantile(p, df), df) - p) < 1e-14);
  BOOST_TEST(gpta::student_t_cdf(inf_v, 3) == 1.0);
  BOOST_TEST(gpta::student_t_cdf(-inf_v, 3) == 0.0);
  BOOST_TEST(std::isnan(gpta::student_t_cdf(nan_v, 3)));
  BOOST_TEST(std::isnan(gpta::student_t_cdf(1.0, 0.0)));
}

BOOST_AUTO_TEST_CASE(t_two_sided_p_values) {
  // t = 2, df = 5: mpmath 0.101939478829858; a math-only Simpson rule on the density (200000
  // panels on [0, 2]) gives 0.10193947882986.
  BOOST_TEST(std::fabs(gpta::student_t_two_sided_p(2.0, 5) - 0.101939) < 1e-6);
  BOOST_TEST(gpta::student_t_two_sided_p(2.0, 5) == 0.101939478829858, tt::tolerance(1e-12));
  BOOST_TEST(gpta::student_t_two_sided_p(-2.0, 5) == gpta::student_t_two_sided_p(2.0, 5));
  // df = 1: 1 - 2 atan(2) / pi; df = 2: 1 - t / sqrt(2 + t^2).
  BOOST_TEST(gpta::student_t_two_sided_p(2.0, 1) == 1 - 2 * std::atan(2.0) / std::numbers::pi, tt::tolerance(1e-13));
  BOOST_TEST(gpta::student_t_two_sided_p(3.0, 2) == 1 - 3 / std::sqrt(11.0), tt::tolerance(1e-13));
  // Non-integer df (mpmath quadrature): 0.17448057058646423.
  BOOST_TEST(gpta::student_t_two_sided_p(1.5, 7.5) == 0.17448057058646423, tt::tolerance(1e-12));
  BOOST_TEST(gpta::student_t_two_sided_p(0.0, 4) == 1.0);
  BOOST_TEST(gpta::student_t_two_sided_p(inf_v, 4) == 0.0);
  BOOST_TEST(std::isnan(gpta::student_t_two_sided_p(nan_v, 4)));
}

BOOST_AUTO_TEST_CASE(t_quantile_edges) {
  BOOST_TEST(gpta::student_t_quantile(0.0, 3) == -inf_v);
  BOOST_TEST(gpta::student_t_quantile(1.0, 3) == inf_v);
  BOOST_TEST(gpta::student_t_quantile(0.5, 3) == 0.0);
  BOOST_TEST(std::isnan(gpta::student_t_quantile(1.5, 3)));
  BOOST_TEST(std::isnan(gpta::student_t_quantile(-0.1, 3)));
  BOOST_TEST(std::isnan(gpta::student_t_quantile(nan_v, 3)));
  BOOST_TEST(std::isnan(gpta::student_t_quantile(0.9, -1)));
}

BOOST_AUTO_TEST_CASE(seed_difference_by_hand) {
  // d = {0.05, 0.02, 0.02}: mean 0.03, deviations {0.02, -0.01, -0.01}, sum of squares 0.0006,
  // sd = sqrt(0.0006 / 2) = sqrt(0.0003), SE = sqrt(0.0003 / 3) = 0.01, t = 3, df = 2.
  const std::vector<double> treatment{0.80, 0.82, 0.78}, baseline{0.75, 0.80, 0.76};
  const gpta::paired_difference r = gpta::paired_mean_difference(treatment, baseline);
  BOOST_TEST(r.n == 3u);
  BOOST_TEST(std::fabs(r.mean - 0.03) < 1e-15);
  BOOST_TEST(std::fabs(r.sd - std::sqrt(0.0003)) < 1e-15);
  BOOST_TEST(std::fabs(r.standard_error - 0.01) < 1e-15);
  BOOST_TEST(std::fabs(r.ci_low - (0.03 - 4.302652730 * 0.01)) < 1e-11);
  BOOST_TEST(std::fabs(r.ci_high - (0.03 + 4.302652730 * 0.01)) < 1e-11);
  BOOST_TEST(std::fabs(r.t - 3.0) < 1e-12);
  // df = 2: p = 1 - t / sqrt(2 + t^2) = 1 - 3 / sqrt(11) = 0.0954659662667091.
  BOOST_TEST(std::fabs(r.p_two_sided - (1 - 3 / std::sqrt(11.0))) < 1e-12);

  // Another level: t_{0.95, 2} = 2.9199855803537257.
  const gpta::paired_difference r90 = gpta::paired_mean_difference(treatment, baseline, 0.90);
  BOOST_TEST(std::fabs(r90.ci_high - (0.03 + 2.9199855803537257 * 0.01)) < 1e-12);
  BOOST_TEST(std::fabs(r90.ci_low - (0.03 - 2.9199855803537257 * 0.01)) < 1e-12);
  BOOST_TEST(r90.p_two_sided == r.p_two_sided);

  // Two seeds, d = {1, 3}: mean 2, sd sqrt(2), SE 1, t 2, df 1: CI 2 +- 12.7062047361747,
  // p = 1 - 2 atan(2) / pi. A baseline that loses makes everything change sign but p.
  const std::vector<double> a{4, 5}, b{3, 2};
  const gpta::paired_difference two = gpta::paired_mean_difference(a, b);
  BOOST_TEST(two.mean == 2.0);
  BOOST_TEST(two.sd == std::sqrt(2.0));
  BOOST_TEST(two.standard_error == 1.0, tt::tolerance(1e-15));
  BOOST_TEST(std::fabs(two.ci_low - (2 - 12.7062047361747)) < 1e-11);
  BOOST_TEST(std::fabs(two.ci_high - (2 + 12.7062047361747)) < 1e-11);
  BOOST_TEST(two.t == 2.0, tt::tolerance(1e-15));
  BOOST_TEST(two.p_two_sided == 1 - 2 * std::atan(2.0) / std::numbers::pi, tt::tolerance(1e-13));
  const gpta::paired_difference rev = gpta::paired_mean_difference(b, a);
  BOOST_TEST(rev.mean == -2.0);
  BOOST_TEST(rev.t == -two.t);
  BOOST_TEST(rev.ci_low == -two.ci_high);
  BOOST_TEST(rev.p_two_sided == two.p_two_sided);
}

BOOST_AUTO_TEST_CASE(seed_difference_edges) {
  // One seed: the mean, nothing else.
  const std::vector<double> one_t{0.7}, one_b{0.5};
  const gpta::paired_difference one = gpta::paired_mean_difference(one_t, one_b);
  BOOST_TEST(one.n == 1u);
  BOOST_TEST(std::fabs(one.mean - 0.2) < 1e-15);
  BOOST_TEST(std::isnan(one.sd));
  BOOST_TEST(std::isnan(one.standard_error));
  BOOST_TEST(std::isnan(one.ci_low));
  BOOST_TEST(std::isnan(one.ci_high));
  BOOST_TEST(std::isnan(one.t));
  BOOST_TEST(std::isnan(one.p_two_sided));

  // Equal differences, 0.1 each: (0.1 + 0.1 + 0.1) / 3 != 0.1 in binary, so a plain sum / n
  // would leave a spread of ~1e-17 and a finite t. sd 0, CI collapsed, t = +inf_v, p = 0.
  const std::vector<double> eq_t{0.6, 0.7, 0.8}, eq_b{0.5, 0.6, 0.7};
  const std::vector<double> eq_t2{0.1, 0.1, 0.1}, eq_b2{0.0, 0.0, 0.0};
  const gpta::paired_difference eq = gpta::paired_mean_difference(eq_t2, eq_b2);
  BOOST_TEST(eq.sd == 0.0);
  BOOST_TEST(eq.standard_error == 0.0);
  BOOST_TEST(eq.mean == 0.1);
  BOOST_TEST(eq.ci_low == eq.mean);
  BOOST_TEST(eq.ci_high == eq.mean);
  BOOST_TEST(eq.t == inf_v);
  BOOST_TEST(eq.p_two_sided == 0.0);
  const gpta::paired_difference neg = gpta::paired_mean_difference(eq_b2, eq_t2);
  BOOST_TEST(neg.t == -inf_v);
  BOOST_TEST(neg.p_two_sided == 0.0);
  // Near-equal differences from rounding (0.6-0.5, 0.7-0.6, 0.8-0.7 differ in the last bits) are
  // a real, if tiny, spread: finite t.
  const gpta::paired_difference near = gpta::paired_mean_difference(eq_t, eq_b);
  BOOST_TEST(std::isfinite(near.t));

  // Identical systems: mean 0, t NaN, p 1.
  const gpta::paired_difference same = gpta::paired_mean_difference(eq_t, eq_t);
  BOOST_TEST(same.mean == 0.0);
  BOOST_TEST(same.sd == 0.0);
  BOOST_TEST(same.ci_low == 0.0);
  BOOST_TEST(same.ci_high == 0.0);
  BOOST_TEST(std::isnan(same.t));
  BOOST_TEST(same.p_two_sided == 1.0);
}

BOOST_AUTO_TEST_CASE(seed_difference_errors) {
  const std::vector<double> three{1, 2, 3}, two{1, 2}, none;
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_mean_difference(three, two); },
                           "gpta::paired_mean_difference: 3 treatment scores for 2 baseline scores"));
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_mean_difference(none, none); }, "0 treatment scores for 0 baseline"));
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_mean_difference(three, three, 1.0); }, "confidence"));
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_mean_difference(three, three, 0.0); }, "confidence"));
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_mean_difference(three, three, nan_v); }, "confidence"));
}

BOOST_AUTO_TEST_CASE(bootstrap_golden_draws) {
  // d = {1, 10, 100, 1000}: a resample's mean names the indices drawn. mt19937_64(0) with the
  // rejection mapping draws {2,3,1,2}, {0,2,3,0}, {2,1,3,0}: means 302.5, 275.5, 277.75; seed 42
  // draws {2,0,2,2}, {1,0,0,0}, {2,1,3,2}: 75.25, 3.25, 302.5. Confidence 0.5 takes positions
  // 0.25 * 2 = 0.5 and 1.5 of the sorted means.
  const std::vector<double> d{1, 10, 100, 1000}, zero(4, 0.0);
  const gpta::bootstrap_result s0 = gpta::paired_bootstrap(d, zero, 3, 0, 0.5);
  BOOST_TEST(s0.n == 4u);
  BOOST_TEST(s0.resamples == 3u);
  BOOST_TEST(s0.observed == 277.75);
  BOOST_TEST(s0.ci_low == 275.5 + 0.5 * (277.75 - 275.5));
  BOOST_TEST(s0.ci_high == 277.75 + 0.5 * (302.5 - 277.75));
  BOOST_TEST(s0.p_value == 0.25);  // no mean <= 0 or >= 555.5: (0 + 1) / (3 + 1)
  const gpta::bootstrap_result s42 = gpta::paired_bootstrap(d, zero, 3, 42, 0.5);
  BOOST_TEST(s42.ci_low == 3.25 + 0.5 * (75.25 - 3.25));
  BOOST_TEST(s42.ci_high == 75.25 + 0.5 * (302.5 - 75.25));

  // The same draws on d = {-10, 1, 2, 3} (observed -1): means 2, -3.75, -1; |m + 1| >= 1 for 2
  // of them, so p = (2 + 1) / (3 + 1).
  const std::vector<double> t{-10, 1, 2, 3};
  const gpta::bootstrap_result m = gpta::paired_bootstrap(t, zero, 3, 0, 0.5);
  BOOST_TEST(m.observed == -1.0);
  BOOST_TEST(m.p_value == 0.75);
  BOOST_TEST(m.ci_low == -3.75 + 0.5 * (-1.0 + 3.75));
  BOOST_TEST(m.ci_high == -1.0 + 0.5 * (2.0 + 1.0));
}

BOOST_AUTO_TEST_CASE(bootstrap_is_deterministic) {
  std::vector<double> t(50), b(50);
  for (std::size_t i = 0; i < t.size(); ++i) {
    t[i] = static_cast<double>((i * 7) % 5) / 4.0;
    b[i] = static_cast<double>((i * 3) % 4) / 3.0;
  }
  const gpta::bootstrap_result a = gpta::paired_bootstrap(t, b, 2000, 7);
  const gpta::bootstrap_result again = gpta::paired_bootstrap(t, b, 2000, 7);
  const gpta::bootstrap_result other = gpta::paired_bootstrap(t, b, 2000, 8);
  BOOST_TEST(a.ci_low == again.ci_low);
  BOOST_TEST(a.ci_high == again.ci_high);
  BOOST_TEST(a.p_value == again.p_value);
  BOOST_TEST(a.observed == other.observed);
  BOOST_TEST((a.ci_low != other.ci_low || a.ci_high != other.ci_high));
  BOOST_TEST(a.ci_low < a.observed);
  BOOST_TEST(a.observed < a.ci_high);
}

BOOST_AUTO_TEST_CASE(bootstrap_identical_and_clearly_better) {
  std::vector<double> all_right(200, 1.0), half_right(200, 0.0);
  for (std::size_t i = 0; i < half_right.size(); i += 2) half_right[i] = 1.0;

  // Identical systems: every resampled difference is 0 and counts as extreme, p = 1.
  const gpta::bootstrap_result same = gpta::paired_bootstrap(half_right, half_right, 1000, 3);
  BOOST_TEST(same.observed == 0.0);
  BOOST_TEST(same.p_value == 1.0);
  BOOST_TEST(same.ci_low == 0.0);
  BOOST_TEST(same.ci_high == 0.0);

  // d is 0 or 1, half each: observed 0.5, bootstrap SE 0.5 / sqrt(200) = 0.0354. A resample
  // reaches the null (mean <= 0 or >= 1) only by drawing all-0 or all-1 (probability 2^-199), so
  // no resample counts: p = 1 / (B + 1). The 95% CI is about 0.5 +- 1.96 * 0.0354 = [0.43, 0.57].
  const gpta::bootstrap_result better = gpta::paired_bootstrap(all_right, half_right, 2000, 11);
  BOOST_TEST(better.observed == 0.5);
  BOOST_TEST(better.p_value == 1.0 / 2001.0);
  BOOST_TEST(better.ci_low > 0.40);
  BOOST_TEST(better.ci_low < 0.46);
  BOOST_TEST(better.ci_high > 0.54);
  BOOST_TEST(better.ci_high < 0.60);
  const gpta::bootstrap_result worse = gpta::paired_bootstrap(half_right, all_right, 2000, 11);
  BOOST_TEST(worse.observed == -0.5);
  BOOST_TEST(worse.p_value == 1.0 / 2001.0);
  BOOST_TEST(worse.ci_high < 0.0);
}

BOOST_AUTO_TEST_CASE(bootstrap_bounds_reasoned_by_hand) {
  // All differences 0.25: every resample mean is 0.25, so the CI is [0.25, 0.25], and no shifted
  // mean reaches |0.25|: p = 1 / (B + 1) (the bootstrap sees no spread at all).
  const std::vector<double> t(5, 0.75), b(5, 0.5);
  const gpta::bootstrap_result c = gpta::paired_bootstrap(t, b, 500, 1);
  BOOST_TEST(c.observed == 0.25);
  BOOST_TEST(c.ci_low == 0.25);
  BOOST_TEST(c.ci_high == 0.25);
  BOOST_TEST(c.p_value == 1.0 / 501.0);

  // d = {0, 1}: resample means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4. The 2.5th and 97.5th
  // percentiles are 0 and 1; the 30th and 70th both 0.5. |m - 0.5| >= 0.5 means m in {0, 1}:
  // probability 1/2, so p = 0.5 up to Monte Carlo error (sd 0.005 with B = 10000).
  const std::vector<double> d{0, 1}, zero{0, 0};
  const gpta::bootstrap_result r = gpta::paired_bootstrap(d, zero, 10000, 5);
  BOOST_TEST(r.observed == 0.5);
  BOOST_TEST(r.ci_low == 0.0);
  BOOST_TEST(r.ci_high == 1.0);
  BOOST_TEST(std::fabs(r.p_value - 0.5) < 0.02);
  const gpta::bootstrap_result narrow = gpta::paired_bootstrap(d, zero, 10000, 5, 0.4);
  BOOST_TEST(narrow.ci_low == 0.5);
  BOOST_TEST(narrow.ci_high == 0.5);
  BOOST_TEST(narrow.p_value == r.p_value);  // the level changes the CI only
}

BOOST_AUTO_TEST_CASE(bootstrap_errors) {
  const std::vector<double> three{1, 2, 3}, two{1, 2}, none;
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_bootstrap(three, two); },
                           "gpta::paired_bootstrap: 3 treatment scores for 2 baseline scores"));
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_bootstrap(none, none); }, "0 treatment scores for 0 baseline"));
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_bootstrap(three, three, 0); }, "resamples"));
  BOOST_TEST(throws_naming([&] { (void)gpta::paired_bootstrap(three, three, 100, 0, 1.5); }, "confidence"));
}

BOOST_AUTO_TEST_CASE(significance_marks) {
  BOOST_TEST(gpta::significance_mark(0.0) == "**");
  BOOST_TEST(gpta::significance_mark(0.0099) == "**");
  BOOST_TEST(gpta::significance_mark(0.01) == "*");
  BOOST_TEST(gpta::significance_mark(0.049) == "*");
  BOOST_TEST(gpta::significance_mark(0.05) == "");
  BOOST_TEST(gpta::significance_mark(0.8) == "");
  BOOST_TEST(gpta::significance_mark(nan_v) == "");
}
