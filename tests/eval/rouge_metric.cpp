#include <gpta/eval/rouge_metric.hpp>

#include <boost/test/unit_test.hpp>

#include <span>
#include <stdexcept>
#include <string>
#include <vector>

// The summarisation Metric policy: every ROUGE measure as a per_class row, the summary
// statistics as diagnostics. Expected values are counted by hand in the comments.

namespace {
constexpr double eps = 1e-12;
}  // namespace

BOOST_AUTO_TEST_CASE(metric_policy_reports_all_measures) {
  std::vector<gpta::seq2seq_example> ex(2);
  ex[0].references = {"the cat sat"};
  ex[1].references = {"dogs run", "a dog runs"};
  const std::vector<std::string> preds{"the cat sat", "the dog ran"};
  gpta::rouge_metric metric;  // stemming on, primary rougeL
  const gpta::eval_result r = metric(preds, ex, {});
  // Pair 1: 1.0. Pair 2, stemmed: pred [the dog ran]; ref 1 [dog run] shares "dog": LCS 1, P 1/3,
  // R 1/2, F 0.4; ref 2 [a dog run]: P 1/3, R 1/3, F 1/3. The best reference gives 0.4.
  BOOST_TEST(r.metric == "rougeL");
  BOOST_TEST(r.count == 2u);
  BOOST_TEST(r.score == (1.0 + 0.4) / 2, boost::test_tools::tolerance(eps));
  BOOST_TEST_REQUIRE(r.per_class.size() == 4u);
  BOOST_TEST(r.per_class[0].label == "rouge1");
  BOOST_TEST(r.per_class[3].label == "rougeLsum");
  BOOST_TEST(r.per_class[2].f1 == r.score, boost::test_tools::tolerance(eps));
  // Each summary's ROUGE-L F1, whose mean is the score.
  BOOST_TEST_REQUIRE(r.per_example.size() == 2u);
  BOOST_TEST(r.per_example[0] == 1.0, boost::test_tools::tolerance(eps));
  BOOST_TEST(r.per_example[1] == 0.4, boost::test_tools::tolerance(eps));
  BOOST_CHECK_THROW((void)metric(std::vector<std::string>{"x"}, ex, {}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(metric_policy_reports_summary_diagnostics) {
  std::vector<gpta::seq2seq_example> ex(2);
  ex[0].source = "The cat sat on the mat. It was warm.";
  ex[0].references = {"the cat sat"};
  ex[1].source = "Dogs run fast. Birds sing loudly in the morning.";
  ex[1].references = {"dogs run", "a dog runs"};
  // Prediction 1 copies lead sentence 1 (6 words); 6 words, 4 trigrams, 5 bigrams, all in the
  // source. Prediction 2 copies lead sentence 2 (6 words); 9 words; tokens birds sing loudly in
  // the morning birds sing loudly: 7 trigrams, the last repeats the first; 8 bigrams, only
  // morning-birds is not in the source.
  const std::vector<std::string> preds{"The cat sat on the mat.", "Birds sing loudly in the morning. Birds sing loudly."};
  const gpta::rouge_metric metric;
  BOOST_TEST(metric.lead_sentences == 3u);
  const gpta::eval_result r = metric(preds, ex, {});
  BOOST_TEST(r.breakdown == "ROUGE variant");
  BOOST_TEST_REQUIRE(r.diagnostics.size() == 5u);
  BOOST_TEST(r.diagnostics[0].name == "mean predicted length (words)");
  BOOST_TEST(r.diagnostics[0].value == (6.0 + 9) / 2, boost::test_tools::tolerance(eps));
  BOOST_TEST(r.diagnostics[1].name == "mean reference length (words)");
  BOOST_TEST(r.diagnostics[1].value == (3.0 + 2) / 2, boost::test_tools::tolerance(eps));  // first references
  BOOST_TEST(r.diagnostics[2].name == "share of predictions copying a lead sentence");
  BOOST_TEST(r.diagnostics[2].value == 1.0, boost::test_tools::tolerance(eps));
  BOOST_TEST(r.diagnostics[3].name == "repetition rate (repeated trigrams)");
  BOOST_TEST(r.diagnostics[3].value == 1.0 / 11, boost::test_tools::tolerance(eps));
  BOOST_TEST(r.diagnostics[4].name == "share of novel bigrams");
  BOOST_TEST(r.diagnostics[4].value == 1.0 / 13, boost::test_tools::tolerance(eps));
  // Lead-1 (XSum): sentence 1 of example 2 is "Dogs run fast." (3 words, never counted), so only
  // prediction 1 copies.
  gpta::rouge_metric lead1;
  lead1.lead_sentences = 1;
  const gpta::eval_result r1 = lead1(preds, ex, {});
  BOOST_TEST_REQUIRE(r1.diagnostics.size() == 5u);
  BOOST_TEST(r1.diagnostics[2].value == 0.5, boost::test_tools::tolerance(eps));
  // The ROUGE rows are unchanged by the diagnostics.
  BOOST_TEST(r1.score == r.score, boost::test_tools::tolerance(eps));
}
