#include <gpta/eval/classification_metrics.hpp>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_CASE(metrics_match_a_hand_computed_confusion_matrix) {
  // gold:      0 0 0 1 1 1 1 2
  // predicted: 0 0 1 1 1 0 1 1
  const std::vector<int> gold{0, 0, 0, 1, 1, 1, 1, 2}, pred{0, 0, 1, 1, 1, 0, 1, 1};
  auto r = gpta::classification_metrics(pred, gold, {"a", "b", "c"});
  BOOST_TEST(r.accuracy == 5.0 / 8.0);
  // class a: tp 2, fp 1, fn 1 -> P 2/3 R 2/3 F1 2/3
  BOOST_TEST(r.per_class[0].f1 == 2.0 / 3.0, boost::test_tools::tolerance(1e-12));
  // class b: tp 3, fp 2, fn 1 -> P 3/5 R 3/4 F1 = 2*.6*.75/1.35
  BOOST_TEST(r.per_class[1].f1 == 2 * 0.6 * 0.75 / 1.35, boost::test_tools::tolerance(1e-12));
  // class c: never predicted -> F1 0, but it still counts in the macro average.
  BOOST_TEST(r.per_class[2].f1 == 0.0);
  BOOST_TEST(r.per_class[2].support == 1u);
  BOOST_TEST(r.macro_f1 == (2.0 / 3.0 + 2 * 0.6 * 0.75 / 1.35) / 3.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.score == r.accuracy);
  // Per example: right or wrong, in row order (what a paired bootstrap resamples).
  const std::vector<double> right{1, 1, 0, 1, 1, 0, 1, 0};
  BOOST_TEST(r.per_example == right, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(metrics_reject_mismatched_or_out_of_range_input) {
  const std::vector<int> a{0, 1}, b{0};
  BOOST_CHECK_THROW(gpta::classification_metrics(a, b, {"x", "y"}), std::invalid_argument);
  const std::vector<int> bad{0, 2};
  BOOST_CHECK_THROW(gpta::classification_metrics(bad, a, {"x", "y"}), std::invalid_argument);
}
