#include <gpta/train/run_analyses.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

// Analyses over run records, on hand-made runs whose numbers are worked out in the comments.

namespace {

gpta::run_result run_with_test(double score, std::vector<double> per_example) {
  gpta::run_result r;
  gpta::eval_result e;
  e.score = score;
  e.per_example = std::move(per_example);
  r.test = e;
  return r;
}

/// A run whose rounds have these dev scores and TA accuracies (nullopt: the TA was not asked).
gpta::run_result run_with_rounds(const std::vector<double>& dev, const std::vector<std::optional<double>>& acc) {
  gpta::run_result r;
  for (std::size_t i = 0; i < dev.size(); ++i) {
    gpta::round_record rec;
    rec.round = static_cast<int>(i);
    rec.dev.score = dev[i];
    rec.ta_accuracy = acc[i];
    r.rounds.push_back(rec);
  }
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(paired_comparison_over_seeds_and_pooled_examples) {
  // Seed 1: treatment 2/3 vs baseline 1/3; seed 2: 1 vs 2/3. Differences 1/3 and 1/3.
  const auto t1 = run_with_test(2.0 / 3, {1, 1, 0}), t2 = run_with_test(1.0, {1, 1, 1});
  const auto b1 = run_with_test(1.0 / 3, {1, 0, 0}), b2 = run_with_test(2.0 / 3, {1, 1, 0});
  const std::vector<const gpta::run_result*> t{&t1, &t2}, b{&b1, &b2};
  const auto c = gpta::compare_paired(t, b, 2000, 3);
  BOOST_TEST(c.seeds.n == 2u);
  BOOST_TEST(c.seeds.mean == 1.0 / 3, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(c.seeds.sd < 1e-12);  // equal differences (to rounding): no spread
  BOOST_TEST_REQUIRE(c.examples.has_value());
  BOOST_TEST(c.examples->n == 6u);  // 3 examples x 2 seeds, pooled
  BOOST_TEST(c.examples->observed == 2.0 / 6, boost::test_tools::tolerance(1e-12));  // 2 of 6 examples flip to right
  BOOST_TEST(c.examples->resamples == 2000u);
  // Swapping the roles flips the sign.
  BOOST_TEST(gpta::compare_paired(b, t).seeds.mean == -1.0 / 3, boost::test_tools::tolerance(1e-12));
  // Without per-example scores there is no bootstrap, and mismatched lists are refused.
  const auto bare = run_with_test(0.5, {});
  const std::vector<const gpta::run_result*> one_bare{&bare}, one{&b1};
  BOOST_TEST(!gpta::compare_paired(one_bare, one).examples.has_value());
  BOOST_CHECK_THROW((void)gpta::compare_paired(t, one), std::invalid_argument);
  gpta::run_result untested;
  const std::vector<const gpta::run_result*> no_test{&untested};
  BOOST_CHECK_THROW((void)gpta::compare_paired(no_test, one), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(ta_accuracy_is_paired_with_the_next_rounds_dev_gain) {
  // Run A: dev 0.50 -> 0.60 -> 0.55, TA accuracy 0.5 after round 0, 0.0 after round 1, 1.0 after
  // the last (no next round: counted by round, not paired). Run B: dev 0.4 -> 0.7, accuracy 1.0.
  // A run without TA (all nullopt) adds nothing.
  const auto a = run_with_rounds({0.50, 0.60, 0.55}, {0.5, 0.0, 1.0});
  const auto b = run_with_rounds({0.4, 0.7}, {1.0, std::nullopt});
  const auto none = run_with_rounds({0.3, 0.9}, {std::nullopt, std::nullopt});
  const std::vector<const gpta::run_result*> runs{&a, &b, &none};
  const auto g = gpta::analyse_ta_gain(runs);
  const std::vector<double> acc{0.5, 0.0, 1.0}, gain{0.10, -0.05, 0.30};
  BOOST_TEST(g.ta_accuracy == acc, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(g.dev_gain.size() == 3u);
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(g.dev_gain[i] == gain[i], boost::test_tools::tolerance(1e-12));
  // Ranks of accuracy (2, 1, 3) and of gain (2, 1, 3) agree: Spearman 1. Pearson by hand:
  // mean acc 0.5, mean gain 0.35/3; cov sum = 0*(..) + (-0.5)(-0.05-0.11667) + (0.5)(0.3-0.11667)
  // = 0.083333 + 0.091667 = 0.175; var acc sum 0.5; var gain sum 0.000278 + 0.027778 + 0.033611 =
  // 0.061667; r = 0.175 / sqrt(0.5 * 0.061667) = 0.99659.
  BOOST_TEST(g.spearman.r == 1.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(g.pearson.r == 0.175 / std::sqrt(0.5 * (0.0025 / 9 + 0.25 / 9 + 0.3025 / 9)), boost::test_tools::tolerance(1e-9));
  // By round: round 0 over A and B (0.5, 1.0), round 1 over A (0.0), round 2 over A (1.0).
  BOOST_TEST_REQUIRE(g.ta_accuracy_by_round.size() == 3u);
  BOOST_TEST(g.ta_accuracy_by_round[0].n == 2u);
  BOOST_TEST(g.ta_accuracy_by_round[0].mean == 0.75, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(g.ta_accuracy_by_round[1].mean == 0.0);
  BOOST_TEST(g.ta_accuracy_by_round[2].n == 1u);
  // No TA anywhere: nothing to correlate.
  const std::vector<const gpta::run_result*> plain{&none};
  const auto empty = gpta::analyse_ta_gain(plain);
  BOOST_TEST(empty.ta_accuracy.empty());
  BOOST_TEST(std::isnan(empty.pearson.r));
}
