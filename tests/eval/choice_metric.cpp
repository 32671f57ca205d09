#include <gpta/eval/choice_metric.hpp>

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace tt = boost::test_tools;

namespace {
gpta::choice_example q(int label, gpta::choice_level level, std::string question = "Why?") {
  gpta::choice_example e;
  e.question = std::move(question);
  e.options = {"w", "x", "y", "z"};
  e.label = label;
  e.level = level;
  return e;
}
const auto M = gpta::choice_level::middle;
const auto H = gpta::choice_level::high;
}  // namespace

BOOST_AUTO_TEST_CASE(accuracy_overall_per_level_and_per_kind) {
  // middle: 2 of 3 right; high: 1 of 2 right. Cloze: rows 0 and 3 (1 right).
  const std::vector<gpta::choice_example> ex{q(0, M, "He is a _ boy."), q(1, M), q(2, M), q(3, H, "_ is right."), q(0, H)};
  const std::vector<int> pred{0, 1, 0, 2, 0};
  const auto s = gpta::choice_score(pred, ex);
  BOOST_TEST(s.overall.correct == 3u);
  BOOST_TEST(s.overall.count == 5u);
  BOOST_TEST(s.overall.accuracy() == 0.6);
  BOOST_TEST(s.by_level[0].accuracy() == 2.0 / 3.0, tt::tolerance(1e-15));
  BOOST_TEST(s.by_level[1].accuracy() == 0.5);
  BOOST_TEST(s.cloze.correct == 1u);
  BOOST_TEST(s.cloze.count == 2u);
  BOOST_TEST(s.question.correct == 2u);
  BOOST_TEST(s.question.count == 3u);

  const gpta::eval_result r = gpta::choice_metric{}(pred, ex, {"A", "B", "C", "D"});
  BOOST_TEST(r.metric == "accuracy");
  BOOST_TEST(r.score == 0.6);
  BOOST_TEST(r.accuracy == 0.6);
  BOOST_TEST(r.count == 5u);
  BOOST_TEST(r.breakdown == "level or question kind");
  BOOST_TEST_REQUIRE(r.per_class.size() == 4u);
  BOOST_TEST(r.per_class[0].label == "middle");
  BOOST_TEST(r.per_class[0].f1 == 2.0 / 3.0, tt::tolerance(1e-15));
  BOOST_TEST(r.per_class[0].support == 3u);
  BOOST_TEST(r.per_class[1].label == "high");
  BOOST_TEST(r.per_class[1].f1 == 0.5);
  BOOST_TEST(r.per_class[1].support == 2u);
  // The kinds follow the levels: cloze rows 0 and 3 (1 right), questions rows 1, 2, 4 (2 right).
  BOOST_TEST(r.per_class[2].label == "cloze");
  BOOST_TEST(r.per_class[2].f1 == 0.5);
  BOOST_TEST(r.per_class[2].precision == 0.5);
  BOOST_TEST(r.per_class[2].recall == 0.5);
  BOOST_TEST(r.per_class[2].support == 2u);
  BOOST_TEST(r.per_class[3].label == "question");
  BOOST_TEST(r.per_class[3].f1 == 2.0 / 3.0, tt::tolerance(1e-15));
  BOOST_TEST(r.per_class[3].precision == 2.0 / 3.0, tt::tolerance(1e-15));
  BOOST_TEST(r.per_class[3].support == 3u);
  // Macro-F1 over the letters. A: gold {0,4}, predicted {0,2,4}: P 2/3, R 1, F1 0.8. B: 1.
  // C: gold {2}, predicted {3}: 0. D: gold {3}, never predicted: 0. Mean 0.45.
  BOOST_TEST(r.macro_f1 == 0.45, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(levels_without_questions_are_left_out_and_bad_predictions_are_wrong) {
  const std::vector<gpta::choice_example> ex{q(0, H), q(1, H)};
  const std::vector<int> pred{-1, 7};  // "no answer" and out of range: wrong, not an error
  const auto r = gpta::choice_metric{}(pred, ex, {});  // label names default to the letters
  BOOST_TEST(r.accuracy == 0.0);
  BOOST_TEST(r.macro_f1 == 0.0);
  BOOST_TEST_REQUIRE(r.per_class.size() == 2u);  // no middle row, no cloze row
  BOOST_TEST(r.per_class[0].label == "high");
  BOOST_TEST(r.per_class[1].label == "question");
  BOOST_TEST(r.per_class[1].support == 2u);
  // Both wrong, but neither names an option: no option lengths to compare.
  BOOST_TEST(r.diagnostics.empty());
  BOOST_CHECK_THROW((void)gpta::choice_score(std::vector<int>{0}, ex), std::invalid_argument);
  const auto empty = gpta::choice_metric{}(std::span<const int>{}, std::span<const gpta::choice_example>{}, {});
  BOOST_TEST(empty.count == 0u);
  BOOST_TEST(empty.score == 0.0);
}

BOOST_AUTO_TEST_CASE(wrong_answers_report_the_chosen_and_correct_option_lengths) {
  // Options of 5, 1, 2 and 3 words (the last with runs of spaces and a tab).
  auto worded = [](int label) {
    gpta::choice_example e = q(label, M);
    e.options = {"a very long option here", "short", "two words", "  spaced\tout  words "};
    return e;
  };
  const std::vector<gpta::choice_example> ex{worded(1), worded(2), worded(0), worded(3)};
  // Row 0: chose 5 words for 1. Row 1: chose 3 for 2. Row 2 is right and row 3 names no option:
  // neither counts. Chosen (5 + 3) / 2 = 4, correct (1 + 2) / 2 = 1.5.
  const std::vector<int> pred{0, 3, 0, -1};
  const auto r = gpta::choice_metric{}(pred, ex, {"A", "B", "C", "D"});
  BOOST_TEST(r.accuracy == 0.25);
  const std::vector<double> right{0, 0, 1, 0};  // per question, in order
  BOOST_TEST(r.per_example == right, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(r.diagnostics.size() == 2u);
  BOOST_TEST(r.diagnostics[0].name == "wrong answers: mean chosen option length (words)");
  BOOST_TEST(r.diagnostics[0].value == 4.0);
  BOOST_TEST(r.diagnostics[1].name == "wrong answers: mean correct option length (words)");
  BOOST_TEST(r.diagnostics[1].value == 1.5);
  // No cloze among them: the kinds give one "question" row after the level.
  BOOST_TEST_REQUIRE(r.per_class.size() == 2u);
  BOOST_TEST(r.per_class[0].label == "middle");
  BOOST_TEST(r.per_class[1].label == "question");
  BOOST_TEST(r.per_class[1].f1 == 0.25);

  // All right: no diagnostics; a cloze-only set has a "cloze" row and no "question" row.
  const std::vector<gpta::choice_example> cloze{q(2, H, "It is _."), q(1, H, "_ went home.")};
  const auto all = gpta::choice_metric{}(std::vector<int>{2, 1}, cloze, {"A", "B", "C", "D"});
  BOOST_TEST(all.accuracy == 1.0);
  BOOST_TEST(all.diagnostics.empty());
  BOOST_TEST_REQUIRE(all.per_class.size() == 2u);
  BOOST_TEST(all.per_class[0].label == "high");
  BOOST_TEST(all.per_class[1].label == "cloze");
  BOOST_TEST(all.per_class[1].f1 == 1.0);
  BOOST_TEST(all.per_class[1].support == 2u);
}

BOOST_AUTO_TEST_CASE(choice_examples_are_labelled_examples) {
  static_assert(gpta::labelled_example<gpta::choice_example>);
  BOOST_TEST(gpta::is_cloze("The boy was _ ."));
  BOOST_TEST(!gpta::is_cloze("Why did he go?"));
  BOOST_TEST(gpta::option_letter(2) == "C");
  BOOST_TEST(gpta::to_string(gpta::choice_level::high) == "high");
}
