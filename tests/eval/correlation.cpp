#include <gpta/eval/correlation.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

// Reference values, computed independently in Python 3.11 with the math, statistics and fractions
// modules only: normal quantiles from statistics.NormalDist.inv_cdf (Wichura's AS241, not
// Acklam); Pearson r from statistics.correlation; Spearman r as exact fractions on ranks counted
// by a separate (quadratic) ranking; Fisher intervals as tanh(atanh r -+ q SE); t p-values from
// the closed-form CDFs for 1, 2, 3 and 4 df, the 3 and 4 df ones cross-checked by Simpson's rule
// on the density.

namespace tt = boost::test_tools;

namespace {

bool throws_naming(auto&& f, const std::vector<std::string>& needles) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    for (const auto& needle : needles)
      if (what.find(needle) == std::string::npos) return false;
    return true;
  }
  return false;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

}  // namespace

BOOST_AUTO_TEST_CASE(normal_quantile_matches_reference_values) {
  using gpta::detail::normal_quantile;
  BOOST_TEST(std::fabs(normal_quantile(0.975) - 1.959963984540054) < 1e-12);
  BOOST_TEST(std::fabs(normal_quantile(0.95) - 1.6448536269514715) < 1e-12);
  BOOST_TEST(std::fabs(normal_quantile(0.3) - -0.52440051270804067) < 1e-12);
  // 0.02425 is Acklam's switch between the central and the tail approximation.
  BOOST_TEST(std::fabs(normal_quantile(0.02425) - -1.9729610513118845) < 1e-12);
  BOOST_TEST(normal_quantile(0.5) == 0.0);
  BOOST_TEST(std::fabs(normal_quantile(1e-10) - -6.361340902404056) < 1e-9);
  BOOST_TEST(std::fabs(normal_quantile(1e-20) - -9.2623400897984052) < 1e-11);
  BOOST_TEST(std::fabs(normal_quantile(1e-300) - -37.047096299361201) < 1e-10);
}

BOOST_AUTO_TEST_CASE(normal_quantile_is_symmetric_and_inverts_the_cdf) {
  using gpta::detail::normal_quantile;
  for (double p : {1e-8, 0.001, 0.025, 0.1, 0.3, 0.45}) {
    BOOST_TEST_INFO("p = " << p);
    // 1 - p rounds; hi's exact complement is 1 - hi (Sterbenz), so compare against that.
    const double hi = 1.0 - p, lo = 1.0 - hi;
    BOOST_TEST(std::fabs(normal_quantile(hi) + normal_quantile(lo)) < 1e-12);
    BOOST_TEST(normal_quantile(hi) > 0.0);
    // Acklam alone is only good to ~1e-9 relative; this holds only after the Halley step.
    BOOST_TEST(std::fabs(normal_cdf(normal_quantile(p)) / p - 1.0) < 1e-13);
  }
  BOOST_TEST(normal_quantile(0.0) == -std::numeric_limits<double>::infinity());
  BOOST_TEST(normal_quantile(1.0) == std::numeric_limits<double>::infinity());
  BOOST_TEST(std::isnan(normal_quantile(-0.1)));
  BOOST_TEST(std::isnan(normal_quantile(1.5)));
  BOOST_TEST(std::isnan(normal_quantile(std::numeric_limits<double>::quiet_NaN())));
}

BOOST_AUTO_TEST_CASE(pearson_of_a_textbook_example) {
  const std::vector<double> x{1, 2, 3, 4, 5}, y{2, 4, 5, 4, 5};
  const auto c = gpta::pearson(x, y);
  BOOST_TEST(c.n == 5u);
  BOOST_TEST(std::fabs(c.r - std::sqrt(0.6)) < 1e-12);
  BOOST_TEST(std::fabs(c.r - 0.7745966692) < 1e-10);
  BOOST_TEST(std::fabs(c.ci_low - -0.34008203518751012) < 1e-9);
  BOOST_TEST(std::fabs(c.ci_high - 0.9842357551507267) < 1e-9);
  // t = sqrt(0.6) sqrt(3 / 0.4) = sqrt(4.5), 3 df.
  BOOST_TEST(std::fabs(c.p_two_sided - 0.1240270626575547) < 1e-9);

  const auto c90 = gpta::pearson(x, y, 0.90);
  BOOST_TEST(std::fabs(c90.r - std::sqrt(0.6)) < 1e-12);
  BOOST_TEST(std::fabs(c90.ci_low - -0.13061809239620989) < 1e-9);
  BOOST_TEST(std::fabs(c90.ci_high - 0.97549292497939866) < 1e-9);
  BOOST_TEST(std::fabs(c90.p_two_sided - 0.1240270626575547) < 1e-9);
}

BOOST_AUTO_TEST_CASE(pearson_of_three_points_has_the_whole_interval) {
  // r = 1/2, t = 1/sqrt(3) with 1 df (Cauchy): p = 1 - (2/pi) atan(1/sqrt(3)) = 2/3.
  const std::vector<double> x{1, 2, 3}, y{1, 3, 2};
  const auto c = gpta::pearson(x, y);
  BOOST_TEST(std::fabs(c.r - 0.5) < 1e-15);
  BOOST_TEST(c.ci_low == -1.0);
  BOOST_TEST(c.ci_high == 1.0);
  BOOST_TEST(std::fabs(c.p_two_sided - 2.0 / 3.0) < 1e-12);
}

BOOST_AUTO_TEST_CASE(perfect_correlation_collapses_the_interval) {
  const std::vector<double> x{1, 2, 3, 4, 5}, up{3, 5, 7, 9, 11}, down{-3, -6, -9, -12, -15};
  const auto pos = gpta::pearson(x, up);
  BOOST_TEST(pos.r == 1.0);
  BOOST_TEST(pos.ci_low == 1.0);
  BOOST_TEST(pos.ci_high == 1.0);
  BOOST_TEST(pos.p_two_sided == 0.0);
  const auto neg = gpta::pearson(x, down);
  BOOST_TEST(neg.r == -1.0);
  BOOST_TEST(neg.ci_low == -1.0);
  BOOST_TEST(neg.ci_high == -1.0);
  BOOST_TEST(neg.p_two_sided == 0.0);
}

BOOST_AUTO_TEST_CASE(constant_input_gives_nan) {
  // (0.1 + 0.1 + 0.1) / 3 != 0.1: a mean taken by summing would leave a spurious variance.
  const std::vector<double> x{1, 2, 3}, flat{0.1, 0.1, 0.1};
  for (const auto& c : {gpta::pearson(x, flat), gpta::pearson(flat, x), gpta::spearman(x, flat)}) {
    BOOST_TEST(c.n == 3u);
    BOOST_TEST(std::isnan(c.r));
    BOOST_TEST(std::isnan(c.ci_low));
    BOOST_TEST(std::isnan(c.ci_high));
    BOOST_TEST(std::isnan(c.p_two_sided));
  }
}

BOOST_AUTO_TEST_CASE(small_samples) {
  const std::vector<double> x2{1, 3}, y2{5, 2};
  const auto two = gpta::pearson(x2, y2);
  BOOST_TEST(two.n == 2u);
  BOOST_TEST(two.r == -1.0);
  BOOST_TEST(std::isnan(two.ci_low));
  BOOST_TEST(std::isnan(two.ci_high));
  BOOST_TEST(std::isnan(two.p_two_sided));
  const std::vector<double> x1{1}, y1{2}, none;
  const auto one = gpta::pearson(x1, y1);
  BOOST_TEST(one.n == 1u);
  BOOST_TEST(std::isnan(one.r));
  const auto zero = gpta::spearman(none, none);
  BOOST_TEST(zero.n == 0u);
  BOOST_TEST(std::isnan(zero.r));
}

BOOST_AUTO_TEST_CASE(misuse_is_reported) {
  const std::vector<double> x{1, 2, 3}, y{1, 2, 3, 4};
  BOOST_TEST(throws_naming([&] { (void)gpta::pearson(x, y); }, {"gpta::pearson", "3", "4"}));
  BOOST_TEST(throws_naming([&] { (void)gpta::spearman(y, x); }, {"gpta::spearman", "4", "3"}));
  BOOST_TEST(throws_naming([&] { (void)gpta::pearson(x, x, 1.0); }, {"gpta::pearson", "confidence"}));
  BOOST_TEST(throws_naming([&] { (void)gpta::spearman(x, x, 0.0); }, {"gpta::spearman", "confidence"}));
}

BOOST_AUTO_TEST_CASE(nan_values_give_nan) {
  const std::vector<double> x{1, 2, 3, 4}, y{1, std::numeric_limits<double>::quiet_NaN(), 2, 5};
  for (const auto& c : {gpta::pearson(x, y), gpta::spearman(x, y), gpta::spearman(y, x)}) {
    BOOST_TEST(c.n == 4u);
    BOOST_TEST(std::isnan(c.r));
    BOOST_TEST(std::isnan(c.p_two_sided));
  }
}

BOOST_AUTO_TEST_CASE(average_ranks_share_ties) {
  const std::vector<double> v{10, 20, 20, 30};
  BOOST_TEST(gpta::average_ranks(v) == (std::vector<double>{1, 2.5, 2.5, 4}), tt::per_element());
  const std::vector<double> w{5, 1, 5, 5, 0};
  BOOST_TEST(gpta::average_ranks(w) == (std::vector<double>{4, 2, 4, 4, 1}), tt::per_element());
  const std::vector<double> with_nan{2, std::numeric_limits<double>::quiet_NaN(), 1};
  const auto r = gpta::average_ranks(with_nan);
  BOOST_TEST(r.size() == 3u);
  BOOST_TEST(r[0] == 2.0);
  BOOST_TEST(std::isnan(r[1]));
  BOOST_TEST(r[2] == 1.0);
  BOOST_TEST(gpta::average_ranks(std::vector<double>{}).empty());
}

BOOST_AUTO_TEST_CASE(spearman_of_a_monotone_relation_is_one) {
  std::vector<double> x, grow, shrink;
  for (int i = 1; i <= 6; ++i) {
    x.push_back(i);
    grow.push_back(std::exp(i));
    shrink.push_back(1.0 / i);
  }
  const auto up = gpta::spearman(x, grow);
  BOOST_TEST(up.r == 1.0);
  BOOST_TEST(up.ci_low == 1.0);
  BOOST_TEST(up.ci_high == 1.0);
  BOOST_TEST(up.p_two_sided == 0.0);
  BOOST_TEST(gpta::spearman(x, shrink).r == -1.0);
  // Pearson sees the curvature (statistics.correlation: 0.8467865088853487).
  BOOST_TEST(std::fabs(gpta::pearson(x, grow).r - 0.8467865088853487) < 1e-12);
}

BOOST_AUTO_TEST_CASE(spearman_with_ties_in_one_input) {
  // Ranks {1, 2.5, 2.5, 4} and {1, 3, 2, 4}: Sxy = 4.5, Sxx = 4.5, Syy = 5, r = sqrt(0.9).
  // t = sqrt(0.9 * 2 / 0.1) = sqrt(18) with 2 df: p = 1 - |t| / sqrt(2 + t^2) = 1 - sqrt(0.9).
  const std::vector<double> x{10, 20, 20, 30}, y{1, 3, 2, 4};
  const auto c = gpta::spearman(x, y);
  BOOST_TEST(c.n == 4u);
  BOOST_TEST(std::fabs(c.r - std::sqrt(0.9)) < 1e-12);
  // SE = sqrt(1.06 / 1); with SE = 1 (Pearson's) the lower end would be -0.1406
  BOOST_TEST(std::fabs(c.ci_low - -0.19685627119377327) < 1e-9);
  BOOST_TEST(std::fabs(c.ci_high - 0.9990697189763762) < 1e-9);
  BOOST_TEST(std::fabs(c.p_two_sided - (1.0 - std::sqrt(0.9))) < 1e-9);
}

BOOST_AUTO_TEST_CASE(spearman_with_ties_in_both_inputs) {
  // Ranks {3, 1.5, 4, 1.5, 5, 6} and {2.5, 4, 1, 5.5, 2.5, 5.5}: Sxy = -9/4, Sxx = 17,
  // Syy = 33/2, r = -4.5 / sqrt(1122) (the no-ties formula 1 - 6 sum d^2 / (n (n^2 - 1)) gives -0.0857).
  const std::vector<double> x{3, 1, 4, 1, 5, 9}, y{2, 7, 1, 8, 2, 8};
  const auto c = gpta::spearman(x, y);
  BOOST_TEST(c.n == 6u);
  BOOST_TEST(std::fabs(c.r - -4.5 / std::sqrt(1122.0)) < 1e-12);
  BOOST_TEST(std::fabs(c.ci_low - -0.86177443723046787) < 1e-9);
  BOOST_TEST(std::fabs(c.ci_high - 0.77385957157432306) < 1e-9);
  // t = -0.27114461262033085 with 4 df: p = 1 - |t| (t^2 + 6) / (t^2 + 4)^{3/2}.
  BOOST_TEST(std::fabs(c.p_two_sided - 0.79969733878065474) < 1e-9);
}

BOOST_AUTO_TEST_CASE(summarize_values_gives_mean_and_sample_sd) {
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  const auto s = gpta::summarize_values(v);
  BOOST_TEST(s.n == 8u);
  BOOST_TEST(std::fabs(s.mean - 5.0) < 1e-15);
  BOOST_TEST(std::fabs(s.sd - std::sqrt(32.0 / 7.0)) < 1e-14);  // population sd would be 2

  const std::vector<double> flat{0.1, 0.1, 0.1};
  const auto f = gpta::summarize_values(flat);
  BOOST_TEST(f.mean == 0.1);
  BOOST_TEST(f.sd == 0.0);

  const std::vector<double> single{0.42};
  const auto one = gpta::summarize_values(single);
  BOOST_TEST(one.n == 1u);
  BOOST_TEST(one.mean == 0.42);
  BOOST_TEST(std::isnan(one.sd));

  const auto none = gpta::summarize_values(std::vector<double>{});
  BOOST_TEST(none.n == 0u);
  BOOST_TEST(std::isnan(none.mean));
  BOOST_TEST(std::isnan(none.sd));
}
