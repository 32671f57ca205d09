#include <gpta/eval/squad_metric.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

// Expected values are worked out by hand from the v1.1 rules; the Unicode ones were also
// checked against Python 3.11's str.lower / re / str.split, which the official script uses.

using gpta::squad_exact_match;
using gpta::squad_f1;
using gpta::squad_normalize_answer;

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(normalisation)

BOOST_AUTO_TEST_CASE(lower_case_ascii_and_unicode) {
  BOOST_TEST(squad_normalize_answer("Denver BRONCOS") == "denver broncos");
  BOOST_TEST(squad_normalize_answer("\xC3\x89" "COLE") == "\xC3\xA9" "cole");          // ÉCOLE -> école
  BOOST_TEST(squad_normalize_answer("\xE1\xBA\x9E") == "\xC3\x9F");                    // capital sharp s -> ß
  BOOST_TEST(squad_normalize_answer("\xC7\x85") == "\xC7\x86");                        // title-case Dž -> dž
  BOOST_TEST(squad_normalize_answer("\xC4\xB0stanbul") == "i\xCC\x87stanbul");         // İ -> i + U+0307 (two code points)
  BOOST_TEST(squad_normalize_answer("\xEF\xAC\x83") == "\xEF\xAC\x83");                // ﬃ has no lower case of its own
  // Capital sigma: final form at the end of a word (also before punctuation), σ elsewhere.
  BOOST_TEST(squad_normalize_answer("\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91\xCE\xA3") ==
             "\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1\xCF\x82");  // ΣΟΦΙΑΣ -> σοφιας
  BOOST_TEST(squad_normalize_answer("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3.") == "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82");  // ΟΔΟΣ.
  // Unicode's Final_Sigma context looks past case-ignorable characters ('^', '.', '\'') for cased
  // letters; digits are not cased.
  BOOST_TEST(squad_normalize_answer("X^\xCE\xA3" "8") == "x\xCF\x82" "8");           // X^Σ8 -> xς8
  BOOST_TEST(squad_normalize_answer("h\xCE\xA3" "4") == "h\xCF\x82" "4");            // hΣ4 -> hς4
  BOOST_TEST(squad_normalize_answer("Y599\xCE\xA3") == "y599\xCF\x83");             // after a digit: σ
  BOOST_TEST(squad_normalize_answer("\xCE\xA3\xCE\x91\xCE\xA3.\xCE\x95") ==
             "\xCF\x83\xCE\xB1\xCF\x83\xCE\xB5");                                // ΣΑΣ.Ε: a letter follows the '.'
  BOOST_TEST(squad_normalize_answer("\xCE\x9F\xCE\xA3'") == "\xCE\xBF\xCF\x82");  // ΟΣ' -> ος
}

BOOST_AUTO_TEST_CASE(ascii_punctuation_is_removed_everywhere_and_nothing_else) {
  BOOST_TEST(squad_normalize_answer("Hello, world!") == "hello world");
  BOOST_TEST(squad_normalize_answer("U.S.A.") == "usa");
  BOOST_TEST(squad_normalize_answer("don't") == "dont");
  BOOST_TEST(squad_normalize_answer("$1,000") == "1000");
  BOOST_TEST(squad_normalize_answer("snake_case") == "snakecase");  // '_' is in string.punctuation
  BOOST_TEST(squad_normalize_answer("(a-b)") == "ab");              // removed, not replaced by a space
  BOOST_TEST(squad_normalize_answer("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") == "");
  // Non-ASCII punctuation stays: curly quotes, en dash.
  BOOST_TEST(squad_normalize_answer("\xE2\x80\x9Cquoted\xE2\x80\x9D") == "\xE2\x80\x9Cquoted\xE2\x80\x9D");
  BOOST_TEST(squad_normalize_answer("10\xE2\x80\x93" "20") == "10\xE2\x80\x93" "20");
}

BOOST_AUTO_TEST_CASE(articles_are_dropped_as_whole_words_only) {
  BOOST_TEST(squad_normalize_answer("The Beatles") == "beatles");
  BOOST_TEST(squad_normalize_answer("a cat and an apple") == "cat and apple");
  BOOST_TEST(squad_normalize_answer("THE END") == "end");  // lower case comes first
  BOOST_TEST(squad_normalize_answer("the a an") == "");
  BOOST_TEST(squad_normalize_answer("theater another banana thea") == "theater another banana thea");
  BOOST_TEST(squad_normalize_answer("a1 b") == "a1 b");  // digits are word characters
  // Punctuation goes before articles: "the-end" is one word by then, "(the) end" is not.
  BOOST_TEST(squad_normalize_answer("the-end") == "theend");
  BOOST_TEST(squad_normalize_answer("(the) end") == "end");
  // Word boundaries are Unicode ones: letters of any script are word characters, dashes,
  // combining marks and zero-width spaces are not.
  BOOST_TEST(squad_normalize_answer("a\xC3\xA9") == "a\xC3\xA9");                  // aé
  BOOST_TEST(squad_normalize_answer("\xC3\xA9" "a") == "\xC3\xA9" "a");            // éa
  BOOST_TEST(squad_normalize_answer("the\xE2\x80\x93" "end") == "\xE2\x80\x93" "end");  // the–end -> –end
  BOOST_TEST(squad_normalize_answer("an\xCC\x81") == "\xCC\x81");                  // an + combining acute
  BOOST_TEST(squad_normalize_answer("a\xE2\x80\x8B" "b") == "\xE2\x80\x8B" "b");   // a + U+200B + b
}

BOOST_AUTO_TEST_CASE(whitespace_collapses_including_unicode_spaces) {
  BOOST_TEST(squad_normalize_answer("  many   spaces\there\n") == "many spaces here");
  BOOST_TEST(squad_normalize_answer("x\xC2\xA0y\xE2\x80\x89z") == "x y z");  // no-break space, thin space
  BOOST_TEST(squad_normalize_answer("x\x1Fy") == "x y");                     // Python counts U+001F as space
  BOOST_TEST(squad_normalize_answer("x\xE2\x80\x8By") == "x\xE2\x80\x8By");  // U+200B is not whitespace
  BOOST_TEST(squad_normalize_answer("") == "");
  BOOST_TEST(squad_normalize_answer("   ") == "");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_scored_not_rejected) {
  BOOST_TEST(squad_normalize_answer("caf\xE9") == "caf\xEF\xBF\xBD");  // one U+FFFD, as Python's errors="replace"
}

BOOST_AUTO_TEST_CASE(tokens_are_the_normalised_words) {
  BOOST_TEST(gpta::squad_answer_tokens("The  Denver, Broncos!") == (std::vector<std::string>{"denver", "broncos"}),
             tt::per_element());
  BOOST_TEST(gpta::squad_answer_tokens("the").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scores)

BOOST_AUTO_TEST_CASE(exact_match_compares_normalised_strings) {
  BOOST_TEST(squad_exact_match("The Denver Broncos!", "denver broncos") == 1.0);
  BOOST_TEST(squad_exact_match("Denver", "Denver Broncos") == 0.0);
  // Both sides normalise to "": an exact match, but no shared token, so F1 is 0 (v1.1).
  BOOST_TEST(squad_exact_match("The", "a") == 1.0);
  BOOST_TEST(squad_f1("The", "a") == 0.0);
  BOOST_TEST(squad_exact_match("...", "") == 1.0);
}

BOOST_AUTO_TEST_CASE(f1_edge_cases) {
  BOOST_TEST(squad_f1("", "Denver Broncos") == 0.0);                   // empty prediction
  BOOST_TEST(squad_f1("Denver Broncos", "") == 0.0);                   // empty gold
  BOOST_TEST(squad_f1("Carolina Panthers", "Denver Broncos") == 0.0);  // no overlap
  BOOST_TEST(squad_f1("Denver Broncos", "the denver broncos.") == 1.0);
  // P = 1/1, R = 1/2: F1 = 2 * 1 * 0.5 / 1.5 = 2/3.
  BOOST_TEST(squad_f1("Denver", "Denver Broncos") == 2.0 / 3.0, tt::tolerance(1e-15));
  // "in the 10th century" -> [in, 10th, century] vs [10th, century]: P = 2/3, R = 1, F1 = 0.8.
  BOOST_TEST(squad_f1("in the 10th century", "10th century") == 0.8, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(repeated_tokens_count_with_multiplicity) {
  // [new, new, york] vs [new, york]: common = min(2,1) + min(1,1) = 2; P = 2/3, R = 1 -> 0.8.
  BOOST_TEST(squad_f1("new new york", "new york") == 0.8, tt::tolerance(1e-15));
  BOOST_TEST(squad_f1("new york", "new new york") == 0.8, tt::tolerance(1e-15));
  // [new, new] vs [new, new, york]: common 2, P = 1, R = 2/3 -> 0.8.
  BOOST_TEST(squad_f1("new new", "new new york") == 0.8, tt::tolerance(1e-15));
  // [york, york, york] vs [york]: common 1, P = 1/3, R = 1 -> 0.5.
  BOOST_TEST(squad_f1("york york york", "york") == 0.5, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(the_best_gold_answer_counts_for_each_score_separately) {
  const std::vector<std::string> golds{"Broncos", "Denver Broncos", "Denver"};
  auto s = gpta::squad_score_question("denver", golds);
  BOOST_TEST(s.exact_match == 1.0);
  BOOST_TEST(s.f1 == 1.0);
  s = gpta::squad_score_question("Denver", std::vector<std::string>{"Broncos", "Denver Broncos"});
  BOOST_TEST(s.exact_match == 0.0);
  BOOST_TEST(s.f1 == 2.0 / 3.0, tt::tolerance(1e-15));
  // EM from one gold ("the" -> ""), F1 from another.
  s = gpta::squad_score_question("a", std::vector<std::string>{"The", "a b"});
  BOOST_TEST(s.exact_match == 1.0);
  BOOST_TEST(s.f1 == 0.0);
  s = gpta::squad_score_question("x b", std::vector<std::string>{"The", "a b"});
  BOOST_TEST(s.exact_match == 0.0);
  BOOST_TEST(s.f1 == 2.0 / 3.0, tt::tolerance(1e-15));  // [x, b] vs [b]: P 1/2, R 1
  BOOST_TEST(gpta::squad_score_question("x", std::vector<std::string>{}).f1 == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
gpta::span_example question(std::string id, std::vector<std::string> answers) {
  gpta::span_example e;
  e.id = std::move(id);
  e.context = "The Denver Broncos beat the Carolina Panthers.";
  for (auto& a : answers) {
    const std::size_t at = e.context.find(a);
    e.answers.push_back({a, at, at});
  }
  return e;
}
}  // namespace

BOOST_AUTO_TEST_CASE(the_metric_policy_reports_f1_as_score_and_em_as_accuracy_on_the_0_1_scale) {
  const std::vector<gpta::span_example> ex{question("q1", {"Denver Broncos", "Broncos"}),
                                           question("q2", {"Carolina Panthers"})};
  // q1: EM 1, F1 1. q2: "Panthers" vs "Carolina Panthers": EM 0, F1 2/3.
  const std::vector<gpta::span_prediction> preds{{"the Denver Broncos", 0, 18, 0.0}, {"Panthers", 37, 45, 0.0}};
  const gpta::eval_result r = gpta::squad_metric{}(std::span<const gpta::span_prediction>(preds),
                                                   std::span<const gpta::span_example>(ex), {});
  BOOST_TEST(r.metric == "f1");
  BOOST_TEST(r.score == (1.0 + 2.0 / 3.0) / 2, tt::tolerance(1e-15));
  BOOST_TEST(r.macro_f1 == r.score);
  BOOST_TEST(r.accuracy == 0.5);
  BOOST_TEST(r.count == 2u);
  // Both questions are "" (no question word): one "other" row holding the overall scores.
  BOOST_TEST(r.breakdown == "question word");
  BOOST_TEST_REQUIRE(r.per_class.size() == 1u);
  BOOST_TEST(r.per_class[0].label == "other");
  BOOST_TEST(r.per_class[0].f1 == r.score, tt::tolerance(1e-15));
  BOOST_TEST(r.per_class[0].precision == 0.5);
  BOOST_TEST(r.per_class[0].support == 2u);

  // Plain strings work as predictions too.
  const std::vector<std::string> texts{"Broncos", "nothing"};
  const auto s = gpta::squad_metric{}(std::span<const std::string>(texts), std::span<const gpta::span_example>(ex), {});
  BOOST_TEST(s.accuracy == 0.5);
  BOOST_TEST(s.score == 0.5);
  BOOST_CHECK_THROW((void)gpta::squad_metric{}(std::span<const std::string>(texts).first(1),
                                               std::span<const gpta::span_example>(ex), {}),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE(question_words)

using gpta::squad_question_word;

BOOST_AUTO_TEST_CASE(each_bucket_from_its_word) {
  BOOST_TEST(squad_question_word("What is the capital of France?") == "what");
  BOOST_TEST(squad_question_word("Who wrote Hamlet?") == "who");
  BOOST_TEST(squad_question_word("When did the war end?") == "when");
  BOOST_TEST(squad_question_word("Where is the Louvre?") == "where");
  BOOST_TEST(squad_question_word("Why did Rome fall?") == "why");
  BOOST_TEST(squad_question_word("How many legs does a spider have?") == "how");
  BOOST_TEST(squad_question_word("Which team won Super Bowl 50?") == "which");
  BOOST_TEST(squad_question_word("Name the river that flows through Cairo.") == "other");
  BOOST_TEST(squad_question_word("") == "other");
  BOOST_TEST(gpta::squad_question_words.size() == 8u);
  BOOST_TEST(gpta::squad_question_words.back() == "other");
}

BOOST_AUTO_TEST_CASE(any_case_anywhere_and_the_first_one_wins) {
  BOOST_TEST(squad_question_word("In what year did it end?") == "what");
  BOOST_TEST(squad_question_word("WHEN did it end?") == "when");
  BOOST_TEST(squad_question_word("The Broncos beat wHeRe?") == "where");
  BOOST_TEST(squad_question_word("How many people, and what did they eat?") == "how");
  BOOST_TEST(squad_question_word("Which of the kings did what?") == "which");
  BOOST_TEST(squad_question_word("The film was made by who?") == "who");
}

BOOST_AUTO_TEST_CASE(whom_and_whose_ask_who) {
  BOOST_TEST(squad_question_word("Whose army won at Waterloo?") == "who");
  BOOST_TEST(squad_question_word("To whom did he write?") == "who");
  BOOST_TEST(squad_question_word("WHOSE idea was it?") == "who");
}

BOOST_AUTO_TEST_CASE(only_whole_words_count_and_punctuation_separates_them) {
  // A question word inside a longer word is no question word; a later whole one is.
  BOOST_TEST(squad_question_word("The somewhat famous team won in which year?") == "which");
  BOOST_TEST(squad_question_word("However, who won?") == "who");
  BOOST_TEST(squad_question_word("Whatever happened, when was it?") == "when");
  BOOST_TEST(squad_question_word("Whoever won, where was the game?") == "where");
  BOOST_TEST(squad_question_word("Somehow the Whigs lost.") == "other");
  BOOST_TEST(squad_question_word("Somewhat, nowhere, whichever.") == "other");
  // Punctuation (ASCII or not) ends a word, so contractions and brackets still count.
  BOOST_TEST(squad_question_word("What's the name of the river?") == "what");
  BOOST_TEST(squad_question_word("What\xE2\x80\x99s the name of the river?") == "what");  // curly apostrophe
  BOOST_TEST(squad_question_word("The team (who?) won.") == "who");
  BOOST_TEST(squad_question_word("why-not") == "why");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
gpta::span_example asked(std::string q, std::vector<std::string> answers) {
  gpta::span_example e;
  e.question = std::move(q);
  for (auto& a : answers) e.answers.push_back({std::move(a), 0, 0});
  return e;
}
}  // namespace

BOOST_AUTO_TEST_CASE(per_class_breaks_em_and_f1_down_by_question_word_in_fixed_order) {
  // Listed how, other, who, what, who, what: the rows still come what, who, how, other.
  const std::vector<gpta::span_example> ex{
      asked("How many legs does a spider have?", {"eight", "8"}),              // "eight": EM 1, F1 1
      asked("Name the river.", {"The Nile"}),                                  // "The" -> "": EM 0, F1 0
      asked("Who wrote Hamlet?", {"William Shakespeare of Stratford"}),        // P 1, R 1/4: F1 0.4
      asked("What is the capital of France?", {"Paris", "the city of Paris"}), // EM 1, F1 1
      asked("Whose army won?", {"Napoleon's"}),                                // "napoleons": EM 1, F1 1
      asked("In what year did it end?", {"in 1945", "1945"})};                 // see below
  // "the spring of 1945" -> [spring, of, 1945]; vs [1945]: P 1/3, R 1, F1 0.5 (vs [in, 1945]: 0.4).
  const std::vector<std::string> preds{"eight", "The", "Shakespeare", "Paris", "napoleons", "the spring of 1945"};
  const auto r = gpta::squad_metric{}(std::span<const std::string>(preds), std::span<const gpta::span_example>(ex), {});
  BOOST_TEST(r.accuracy == 0.5);
  BOOST_TEST(r.score == 3.9 / 6, tt::tolerance(1e-15));
  BOOST_TEST(r.macro_f1 == r.score);
  // One F1 per question, in order, whose mean is the score.
  BOOST_TEST_REQUIRE(r.per_example.size() == 6u);
  double sum = 0;
  for (const double f : r.per_example) sum += f;
  BOOST_TEST(sum == 3.9, tt::tolerance(1e-12));
  BOOST_TEST(r.breakdown == "question word");
  BOOST_TEST_REQUIRE(r.per_class.size() == 4u);
  std::vector<std::string> labels;
  for (const auto& c : r.per_class) labels.push_back(c.label);
  BOOST_TEST(labels == (std::vector<std::string>{"what", "who", "how", "other"}), tt::per_element());
  // what: EM (1 + 0) / 2, F1 (1 + 0.5) / 2.
  BOOST_TEST(r.per_class[0].f1 == 0.75, tt::tolerance(1e-15));
  BOOST_TEST(r.per_class[0].precision == 0.5);
  BOOST_TEST(r.per_class[0].recall == 0.5);
  BOOST_TEST(r.per_class[0].support == 2u);
  // who ("Who", "Whose"): EM (0 + 1) / 2, F1 (0.4 + 1) / 2.
  BOOST_TEST(r.per_class[1].f1 == 0.7, tt::tolerance(1e-15));
  BOOST_TEST(r.per_class[1].precision == 0.5);
  BOOST_TEST(r.per_class[1].recall == 0.5);
  BOOST_TEST(r.per_class[1].support == 2u);
  BOOST_TEST(r.per_class[2].f1 == 1.0);
  BOOST_TEST(r.per_class[2].precision == 1.0);
  BOOST_TEST(r.per_class[2].support == 1u);
  BOOST_TEST(r.per_class[3].f1 == 0.0);
  BOOST_TEST(r.per_class[3].precision == 0.0);
  BOOST_TEST(r.per_class[3].support == 1u);

  // Wrong (EM 0): "The" (0 words), "Shakespeare" (1), "the spring of 1945" (3) -> mean 4/3.
  // Their shortest golds in normalised words: "The Nile" 1, the Shakespeare answer 4, and "1945"
  // 1 (not the first-listed "in 1945", 2) -> mean 2. Empty predictions: "The", 1 of 6.
  BOOST_TEST_REQUIRE(r.diagnostics.size() == 3u);
  BOOST_TEST(r.diagnostics[0].name == "wrong answers: mean predicted length (words)");
  BOOST_TEST(r.diagnostics[0].value == 4.0 / 3.0, tt::tolerance(1e-15));
  BOOST_TEST(r.diagnostics[1].name == "wrong answers: mean gold length (words)");
  BOOST_TEST(r.diagnostics[1].value == 2.0, tt::tolerance(1e-15));
  BOOST_TEST(r.diagnostics[2].name == "share of empty predictions");
  BOOST_TEST(r.diagnostics[2].value == 1.0 / 6.0, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(no_diagnostics_when_every_answer_matches) {
  const std::vector<gpta::span_example> ex{asked("Why did Rome fall?", {"barbarians"}),
                                           asked("Which team won?", {"Denver Broncos"}),
                                           asked("Why not?", {"The", "x"})};
  // The last: "a" and gold "The" both normalise to "": an exact match (F1 0), so nothing is wrong,
  // though its prediction is empty.
  const std::vector<std::string> preds{"Barbarians.", "the Denver Broncos", "a"};
  const auto r = gpta::squad_metric{}(std::span<const std::string>(preds), std::span<const gpta::span_example>(ex), {});
  BOOST_TEST(r.accuracy == 1.0);
  BOOST_TEST(r.diagnostics.empty());
  BOOST_TEST_REQUIRE(r.per_class.size() == 2u);
  BOOST_TEST(r.per_class[0].label == "why");
  BOOST_TEST(r.per_class[0].f1 == 0.5);  // (1 + 0) / 2
  BOOST_TEST(r.per_class[0].precision == 1.0);
  BOOST_TEST(r.per_class[0].support == 2u);
  BOOST_TEST(r.per_class[1].label == "which");
  BOOST_TEST(r.per_class[1].f1 == 1.0);
}

BOOST_AUTO_TEST_CASE(questions_without_gold_answers_are_left_out_of_the_gold_length) {
  const std::vector<gpta::span_example> ex{asked("Where?", {}), asked("When?", {"in May"})};
  const std::vector<std::string> preds{"in the park", "June"};  // both wrong; 2 and 1 words
  const auto r = gpta::squad_metric{}(std::span<const std::string>(preds), std::span<const gpta::span_example>(ex), {});
  BOOST_TEST_REQUIRE(r.diagnostics.size() == 3u);
  BOOST_TEST(r.diagnostics[0].value == 1.5);
  BOOST_TEST(r.diagnostics[1].name == "wrong answers: mean gold length (words)");
  BOOST_TEST(r.diagnostics[1].value == 2.0);  // "in May" only
  BOOST_TEST(r.diagnostics[2].value == 0.0);
  // With no gold answer among the wrong questions the gold figure is left out, not shown as 0.
  const auto g = gpta::squad_metric{}(std::span<const std::string>(preds).first(1),
                                      std::span<const gpta::span_example>(ex).first(1), {});
  BOOST_TEST_REQUIRE(g.diagnostics.size() == 2u);
  BOOST_TEST(g.diagnostics[0].name == "wrong answers: mean predicted length (words)");
  BOOST_TEST(g.diagnostics[1].name == "share of empty predictions");
  BOOST_TEST_REQUIRE(g.per_class.size() == 1u);
  BOOST_TEST(g.per_class[0].label == "where");
}

BOOST_AUTO_TEST_CASE(official_evaluation_scales_to_100_and_reports_unanswered_ids) {
  gpta::span_dataset d;
  d.examples = {question("q1", {"Denver Broncos"}), question("q2", {"Carolina Panthers"}),
                question("q3", {"Denver Broncos", "Denver"})};
  const std::map<std::string, std::string> preds{{"q1", "Denver Broncos"}, {"q3", "Denver Broncos team"}, {"zz", "x"}};
  std::ostringstream messages;
  const auto r = gpta::squad_evaluate(d, preds, &messages);
  BOOST_TEST(messages.str() == "Unanswered question q2 will receive score 0.\n");
  BOOST_TEST(r.unanswered == (std::vector<std::string>{"q2"}), tt::per_element());
  BOOST_TEST(r.total == 3u);
  // EM: 1 + 0 + 0. F1: 1 + 0 + max(F1 vs "Denver Broncos" = 0.8, vs "Denver" = 0.5).
  BOOST_TEST(r.exact_match == 100.0 / 3.0, tt::tolerance(1e-12));
  BOOST_TEST(r.f1 == 100.0 * 1.8 / 3.0, tt::tolerance(1e-12));
  // Printed as Python's json.dumps prints the official result.
  BOOST_TEST(gpta::squad_evaluation_json(r) == "{\"exact_match\": 33.333333333333336, \"f1\": 60.0}");
  BOOST_TEST(gpta::squad_evaluate(d, std::map<std::string, std::string>{}).exact_match == 0.0);
}

BOOST_AUTO_TEST_CASE(floats_print_as_python_repr) {
  using gpta::detail::python_float_repr;
  BOOST_TEST(python_float_repr(40.0) == "40.0");
  BOOST_TEST(python_float_repr(100.0) == "100.0");
  BOOST_TEST(python_float_repr(0.0) == "0.0");
  BOOST_TEST(python_float_repr(81.1) == "81.1");
  BOOST_TEST(python_float_repr(100.0 * 1 / 3) == "33.333333333333336");
  BOOST_TEST(python_float_repr(100.0 * (1 + 2.0 / 3) / 3) == "55.55555555555555");
  BOOST_TEST(python_float_repr(123456789012345.6) == "123456789012345.6");
  BOOST_TEST(python_float_repr(9999999999999998.0) == "9999999999999998.0");
  BOOST_TEST(python_float_repr(1e16) == "1e+16");
  BOOST_TEST(python_float_repr(0.0001) == "0.0001");
  BOOST_TEST(python_float_repr(1e-05) == "1e-05");
  BOOST_TEST(python_float_repr(2.5e-7) == "2.5e-07");
  BOOST_TEST(python_float_repr(-0.5) == "-0.5");
  BOOST_TEST(python_float_repr(1.7976931348623157e308) == "1.7976931348623157e+308");
}
