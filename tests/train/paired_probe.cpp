#include <gpta/train/paired_probe.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_CASE(paired_gain_by_hand) {
  // gains 0.5, 0.5, 0.5, 0: mean 0.375; deviations 0.125 (x3) and -0.375: sum of squares 0.1875,
  // sample variance 0.0625, sd 0.25, se 0.25 / sqrt(4) = 0.125.
  const std::vector<double> incumbent{1.0, 2.0, 3.0, 4.0}, candidate{0.5, 1.5, 2.5, 4.0};
  const auto d = gpta::paired_gain(incumbent, candidate);
  BOOST_TEST(d.n == 4u);
  BOOST_TEST(d.mean == 0.375, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(d.standard_error == 0.125, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(gpta::acceptance_margin(d, 1.645, 0.0) == 1.645 * 0.125, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(gpta::acceptance_margin(d, 1.645, 0.5) == 0.5);  // the user's floor wins
  // A worse candidate has a negative gain.
  BOOST_TEST(gpta::paired_gain(candidate, incumbent).mean == -0.375, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(pairing_cancels_what_both_probes_share) {
  // Per-example losses that vary a lot between examples but move together: unpaired, the
  // difference of means (0.1) is far inside the spread of either list; paired, every
  // difference is exactly 0.1 and the standard error is 0.
  std::vector<double> incumbent, candidate;
  for (int i = 0; i < 64; ++i) {
    const double base = 0.1 + 3.0 * std::fabs(std::sin(i * 1.7));
    incumbent.push_back(base + 0.1);
    candidate.push_back(base);
  }
  const auto d = gpta::paired_gain(incumbent, candidate);
  BOOST_TEST(d.mean == 0.1, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(d.standard_error < 1e-12);
  BOOST_TEST(d.mean > gpta::acceptance_margin(d, 1.645, 0.0));
}

BOOST_AUTO_TEST_CASE(degenerate_inputs) {
  const std::vector<double> one{2.0}, other{1.0}, none;
  const auto d = gpta::paired_gain(one, other);
  BOOST_TEST(d.mean == 1.0);
  BOOST_TEST(d.standard_error == 0.0);  // one pair has no spread
  BOOST_TEST(gpta::paired_gain(none, none).n == 0u);
  BOOST_CHECK_THROW((void)gpta::paired_gain(one, none), std::invalid_argument);
}
