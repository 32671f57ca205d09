#include <gpta/eval/summary_statistics.hpp>

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// Hand-worked cases: every expected value is counted in the comment next to it.

namespace {

constexpr double eps = 1e-12;

gpta::seq2seq_example make(std::string source, std::vector<std::string> references) {
  gpta::seq2seq_example e;
  e.source = std::move(source);
  e.references = std::move(references);
  return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(corpus_figures_by_hand) {
  const std::vector<gpta::seq2seq_example> ex{
      // Lead: "The storm hit the coast on Monday." (7 words), "Officials closed all schools in the
      // region." (7), "Power was lost." (3).
      make("The storm hit the coast on Monday. Officials closed all schools in the region. Power was lost. Rain continued.",
           {"Schools closed after the storm."}),
      // Lead: "Power was lost." (3 words), then two sentences the prediction does not contain.
      make("Power was lost. Crews worked through the night to restore it. Many homes stayed dark.",
           {"Crews restored power overnight.", "a longer second reference that must not be counted"}),
      make("Nothing here is copied by anyone at all.", {}),
  };
  const std::vector<std::string> preds{
      // Lead sentence 2 verbatim up to case and white space: a lead copy.
      // Words 11. Tokens: officials closed all schools in the region damage was heavy today (11):
      // 9 trigrams, none repeated; 10 bigrams, novel region-damage, damage-was, was-heavy,
      // heavy-today = 4 (the source has region-power, and nothing with damage, heavy or today).
      "OFFICIALS closed   all schools\nin the Region. Damage was heavy today.",
      // Copies only the 3-word "Power was lost.", which does not count. Words 7. Tokens: power was
      // lost power was lost again: trigrams pwl wlp lpw pwl(repeat) wla = 5, 1 repeated; bigrams
      // power-was was-lost lost-power power-was was-lost lost-again = 6, novel lost-power and
      // lost-again = 2 (the source has lost-crews).
      "Power was lost. Power was lost again.",
      // Empty: 0 words, no n-grams, no copy.
      "",
  };
  const gpta::summary_statistics s = gpta::summarise_outputs(preds, ex);
  BOOST_TEST(s.count == 3u);
  BOOST_TEST(s.mean_predicted_words == (11.0 + 7 + 0) / 3, boost::test_tools::tolerance(eps));
  // First references only: 5 + 4 + 0 (no reference).
  BOOST_TEST(s.mean_reference_words == (5.0 + 4 + 0) / 3, boost::test_tools::tolerance(eps));
  BOOST_TEST(s.lead_copies == 1u);
  BOOST_TEST(s.lead_copy_share == 1.0 / 3, boost::test_tools::tolerance(eps));
  BOOST_TEST(s.trigrams == 14u);
  BOOST_TEST(s.repeated_trigrams == 1u);
  // Corpus ratio 1/14, not the mean of per-prediction ratios (0/9 + 1/5) / 2 = 0.1.
  BOOST_TEST(s.repetition_rate == 1.0 / 14, boost::test_tools::tolerance(eps));
  BOOST_TEST(s.bigrams == 16u);
  BOOST_TEST(s.novel_bigrams == 6u);
  // 6/16, not (4/10 + 2/6) / 2.
  BOOST_TEST(s.novel_bigram_share == 6.0 / 16, boost::test_tools::tolerance(eps));

  // Lead-1: prediction 1 copies sentence 2, which is no longer in the lead.
  const gpta::summary_statistics lead1 = gpta::summarise_outputs(preds, ex, 1);
  BOOST_TEST(lead1.lead_copies == 0u);
  BOOST_TEST(lead1.lead_copy_share == 0.0);
  // Lead-2 still sees it.
  BOOST_TEST(gpta::summarise_outputs(preds, ex, 2).lead_copies == 1u);
}

BOOST_AUTO_TEST_CASE(lead_copy_needs_four_words_and_word_boundaries) {
  // A 4-word sentence copied counts, white space inside the source sentence collapsed too.
  const std::vector<gpta::seq2seq_example> four{make("Rain  fell all\tday. More later.", {"x"})};
  BOOST_TEST(gpta::summarise_outputs(std::vector<std::string>{"Rain fell all day."}, four).lead_copies == 1u);
  // A 3-word one does not, though it is copied exactly.
  const std::vector<gpta::seq2seq_example> three{make("Rain fell today. More later.", {"x"})};
  BOOST_TEST(gpta::summarise_outputs(std::vector<std::string>{"Rain fell today."}, three).lead_copies == 0u);
  // Verbatim means the punctuation too: without its full stop the sentence is not found.
  BOOST_TEST(gpta::summarise_outputs(std::vector<std::string>{"Rain fell all day"}, four).lead_copies == 0u);
  // Glued to a letter it is another word ("bathe" is not "the").
  const std::vector<gpta::seq2seq_example> cat{make("The cat sat on the mat. It slept.", {"x"})};
  BOOST_TEST(gpta::summarise_outputs(std::vector<std::string>{"Bathe cat sat on the mat."}, cat).lead_copies == 0u);
  // A sentence ended by a newline, not punctuation, must not run on into a longer word either.
  const std::vector<gpta::seq2seq_example> line{make("Rain fell all day\nMore later.", {"x"})};
  BOOST_TEST(gpta::summarise_outputs(std::vector<std::string>{"Rain fell all days."}, line).lead_copies == 0u);
  BOOST_TEST(gpta::summarise_outputs(std::vector<std::string>{"Rain fell all day, then more."}, line).lead_copies == 1u);
  BOOST_TEST(gpta::summarise_outputs(std::vector<std::string>{"So: the cat sat on the mat. Fine."}, cat).lead_copies ==
             1u);
  // Several lead sentences copied still make one copying prediction.
  const std::vector<gpta::seq2seq_example> two{make("One two three four. Five six seven eight.", {"x"})};
  const auto both = gpta::summarise_outputs(std::vector<std::string>{"One two three four. Five six seven eight."}, two);
  BOOST_TEST(both.lead_copies == 1u);
  BOOST_TEST(both.lead_copy_share == 1.0);
}

BOOST_AUTO_TEST_CASE(repeated_trigrams_counted_within_each_prediction) {
  const std::vector<gpta::seq2seq_example> ex{make("src", {"r"}), make("src", {"r"})};
  // a b c a b c a b c: trigrams abc bca cab abc bca cab abc = 7, the last 4 repeat. "x y z" twice
  // in different predictions repeats nothing: 1 trigram each, none repeated.
  const auto s = gpta::summarise_outputs(std::vector<std::string>{"A b, c a b c a-b-c", "x y z"}, ex);
  BOOST_TEST(s.trigrams == 8u);
  BOOST_TEST(s.repeated_trigrams == 4u);
  BOOST_TEST(s.repetition_rate == 4.0 / 8, boost::test_tools::tolerance(eps));
  const auto t = gpta::summarise_outputs(std::vector<std::string>{"x y z", "X Y Z"}, ex);
  BOOST_TEST(t.trigrams == 2u);
  BOOST_TEST(t.repeated_trigrams == 0u);
  BOOST_TEST(t.repetition_rate == 0.0);
}

BOOST_AUTO_TEST_CASE(novel_bigrams_against_each_own_source) {
  const std::vector<gpta::seq2seq_example> ex{
      make("Hello, World! Good-bye.", {"r"}),  // tokens hello world good bye
      make("Bye now.", {"r"}),                 // tokens bye now
  };
  // Prediction 1: hello-world, world-good (adjacent tokens across "! " in the source), good-bye
  // are in its source; bye-bye is novel: 1 of 4. Prediction 2: hello-world, world-bye, bye-bye,
  // none in "bye now" (hello-world is only in the other source): 3 of 3. Corpus 4 of 7.
  const std::vector<std::string> preds{"hello world, good bye bye", "Hello world bye bye"};
  const auto s = gpta::summarise_outputs(preds, ex);
  BOOST_TEST(s.bigrams == 7u);
  BOOST_TEST(s.novel_bigrams == 4u);
  BOOST_TEST(s.novel_bigram_share == 4.0 / 7, boost::test_tools::tolerance(eps));
  // A novel bigram occurring twice counts twice: bye-bye x2 of 2.
  const auto twice = gpta::summarise_outputs(std::vector<std::string>{"bye bye bye", "bye now"}, ex);
  BOOST_TEST(twice.bigrams == 3u);
  BOOST_TEST(twice.novel_bigrams == 2u);
}

BOOST_AUTO_TEST_CASE(empty_and_tokenless_predictions_add_no_ngrams) {
  const std::vector<gpta::seq2seq_example> ex{make("Alpha beta gamma delta. Epsilon.", {"a b c"}),
                                              make("Alpha beta gamma delta.", {"d e"})};
  const auto s = gpta::summarise_outputs(std::vector<std::string>{"", "!!! ..."}, ex);
  BOOST_TEST(s.count == 2u);
  BOOST_TEST(s.mean_predicted_words == 1.0);  // "" has 0 words, "!!! ..." 2 (white-space words)
  BOOST_TEST(s.mean_reference_words == 2.5);
  BOOST_TEST(s.lead_copies == 0u);
  BOOST_TEST(s.trigrams == 0u);
  BOOST_TEST(s.bigrams == 0u);
  BOOST_TEST(s.repetition_rate == 0.0);
  BOOST_TEST(s.novel_bigram_share == 0.0);
  // One token: no bigram either.
  BOOST_TEST(gpta::summarise_outputs(std::vector<std::string>{"alpha", ""}, ex).bigrams == 0u);
}

BOOST_AUTO_TEST_CASE(empty_corpus_is_all_zeros) {
  const auto s = gpta::summarise_outputs({}, {});
  BOOST_TEST(s.count == 0u);
  BOOST_TEST(s.mean_predicted_words == 0.0);
  BOOST_TEST(s.mean_reference_words == 0.0);
  BOOST_TEST(s.lead_copy_share == 0.0);
  BOOST_TEST(s.repetition_rate == 0.0);
  BOOST_TEST(s.novel_bigram_share == 0.0);
}

BOOST_AUTO_TEST_CASE(size_mismatch_names_both_counts) {
  const std::vector<gpta::seq2seq_example> ex{make("s", {"r"})};
  BOOST_CHECK_EXCEPTION((void)gpta::summarise_outputs(std::vector<std::string>{"a", "b"}, ex), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          const std::string m = e.what();
                          return m.find("gpta::summarise_outputs") != std::string::npos &&
                                 m.find("2 predictions") != std::string::npos &&
                                 m.find("1 examples") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(diagnostics_names_and_order) {
  gpta::summary_statistics s;
  s.mean_predicted_words = 1.5;
  s.mean_reference_words = 2.5;
  s.lead_copy_share = 0.25;
  s.repetition_rate = 0.125;
  s.novel_bigram_share = 0.75;
  const auto d = gpta::summary_diagnostics(s);
  BOOST_TEST_REQUIRE(d.size() == 5u);
  BOOST_TEST(d[0].name == "mean predicted length (words)");
  BOOST_TEST(d[0].value == 1.5);
  BOOST_TEST(d[1].name == "mean reference length (words)");
  BOOST_TEST(d[1].value == 2.5);
  BOOST_TEST(d[2].name == "share of predictions copying a lead sentence");
  BOOST_TEST(d[2].value == 0.25);
  BOOST_TEST(d[3].name == "repetition rate (repeated trigrams)");
  BOOST_TEST(d[3].value == 0.125);
  BOOST_TEST(d[4].name == "share of novel bigrams");
  BOOST_TEST(d[4].value == 0.75);
}
