#include <gpta/eval/rouge.hpp>

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

// Hand-worked cases: every expected value below is counted by hand in the comment next to it.

namespace {

constexpr double eps = 1e-12;

void check(const gpta::rouge_prf& s, double p, double r) {
  const double f = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  BOOST_TEST(s.precision == p, boost::test_tools::tolerance(eps));
  BOOST_TEST(s.recall == r, boost::test_tools::tolerance(eps));
  BOOST_TEST(s.f1 == f, boost::test_tools::tolerance(eps));
}

using tokens = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_CASE(tokenizer_follows_rouge_score) {
  using gpta::rouge_tokenize;
  BOOST_TEST(rouge_tokenize("It's the U.S.A. in 2019!") == (tokens{"it", "s", "the", "u", "s", "a", "in", "2019"}));
  BOOST_TEST(rouge_tokenize("  --- ... ") == tokens{});
  BOOST_TEST(rouge_tokenize("") == tokens{});
  // Non-ASCII letters are separators, not folded.
  BOOST_TEST(rouge_tokenize("caf\u00e9 na\u00efve") == (tokens{"caf", "na", "ve"}));
  // The two characters whose lower case is ASCII: U+0130 gives "i" plus a dropped combining dot,
  // the Kelvin sign gives "k" inside the token.
  BOOST_TEST(rouge_tokenize("\u0130stanbul 5\u212A") == (tokens{"i", "stanbul", "5k"}));
  // Invalid UTF-8 separates too (rouge-score never sees it; gpta must not crash on it).
  BOOST_TEST(rouge_tokenize("ab\xFF" "cd") == (tokens{"ab", "cd"}));
  // Stemming only for tokens longer than 3 characters: "was" stays, "dies" -> "die".
  BOOST_TEST(rouge_tokenize("was dies Running", true) == (tokens{"was", "die", "run"}));
}

BOOST_AUTO_TEST_CASE(ngram_and_lcs_counts) {
  // ref: the cat was on the mat (6), pred: the cat sat on the mat (6).
  // unigrams shared: the x2, cat, on, mat = 5; bigrams shared: the-cat, on-the, the-mat = 3 of 5;
  // LCS: the cat on the mat = 5.
  const auto s = gpta::rouge("the cat sat on the mat", "the cat was on the mat");
  check(s.rouge1, 5.0 / 6, 5.0 / 6);
  check(s.rouge2, 3.0 / 5, 3.0 / 5);
  check(s.rouge_l, 5.0 / 6, 5.0 / 6);
  check(s.rouge_lsum, 5.0 / 6, 5.0 / 6);
}

BOOST_AUTO_TEST_CASE(counts_are_clipped) {
  // "the" 4 times against once: 1 shared unigram, P = 1/4, R = 1; no reference bigram: R2 = 0.
  const auto s = gpta::rouge("the the the the", "the");
  check(s.rouge1, 0.25, 1.0);
  check(s.rouge2, 0.0, 0.0);
  check(s.rouge_l, 0.25, 1.0);
}

BOOST_AUTO_TEST_CASE(order_matters_only_for_lcs_and_bigrams) {
  // Reversed: all 5 unigrams shared, no bigram, LCS of length 1.
  const auto s = gpta::rouge("a b c d e", "e d c b a");
  check(s.rouge1, 1.0, 1.0);
  check(s.rouge2, 0.0, 0.0);
  check(s.rouge_l, 0.2, 0.2);
}

BOOST_AUTO_TEST_CASE(lsum_unions_lcs_over_sentences) {
  // Flat: ref a b c d vs pred c d a b -> LCS 2 of 4. Per sentence: "a b" matches the second
  // candidate sentence, "c d" the first -> 4 hits of 4.
  const auto s = gpta::rouge("c d\na b", "a b\nc d");
  check(s.rouge_l, 0.5, 0.5);
  check(s.rouge_lsum, 1.0, 1.0);
  // Without newlines Lsum is ROUGE-L.
  const auto flat = gpta::rouge("c d a b", "a b c d");
  check(flat.rouge_lsum, 0.5, 0.5);
}

BOOST_AUTO_TEST_CASE(lsum_does_not_double_count) {
  // Both reference sentences "a" hit the one candidate "a", but it can be credited once:
  // hits 1, P = 1/1, R = 1/2.
  check(gpta::rouge("a", "a\na").rouge_lsum, 1.0, 0.5);
  // Empty and punctuation-only lines are dropped or count no tokens.
  check(gpta::rouge("\n\na b\n!!!\n", "a b").rouge_lsum, 1.0, 1.0);
}

BOOST_AUTO_TEST_CASE(lcs_backtrack_breaks_ties_like_rouge_score) {
  // ref [1 2], can [2 1]: both LCS of length 1 exist; rouge-score walks up on ties and keeps ref[0].
  BOOST_TEST(gpta::detail::lcs_indices({1, 2}, {2, 1}) == (std::vector<std::size_t>{0}));
  BOOST_TEST(gpta::detail::lcs_indices({1, 2, 3}, {1, 3}) == (std::vector<std::size_t>{0, 2}));
}

BOOST_AUTO_TEST_CASE(empty_sides_score_zero) {
  for (const auto& [p, r] : std::vector<std::pair<std::string, std::string>>{{"", "a b"}, {"a b", ""}, {"", ""}, {"!!", "?"}}) {
    const auto s = gpta::rouge(p, r);
    for (auto m : gpta::rouge_all_measures) check(gpta::rouge_get(s, m), 0.0, 0.0);
  }
}

BOOST_AUTO_TEST_CASE(stemming_changes_matches) {
  // running -> run, dogs -> dog: all match with stemming, none without.
  check(gpta::rouge("running dogs", "run dog").rouge1, 0.0, 0.0);
  check(gpta::rouge("running dogs", "run dog", {.use_stemmer = true}).rouge1, 1.0, 1.0);
}

BOOST_AUTO_TEST_CASE(multi_reference_best_per_measure) {
  // pred a b c d. Ref A "d c b a x": R1 P 4/4 R 4/5 (F .889), L 1/4, 1/5. Ref B "a b y z w v":
  // R1 P 2/4 R 2/6 (F .4), L 2/4, 2/6 (F .4). So R1 comes from A and L from B.
  const std::vector<std::string> refs{"d c b a x", "a b y z w v"};
  const auto s = gpta::rouge_multi("a b c d", refs);
  check(s.rouge1, 1.0, 0.8);
  check(s.rouge_l, 0.5, 2.0 / 6);
  // Ties keep the first reference; no references give zeros.
  check(gpta::rouge_multi("a b", std::vector<std::string>{"a b c", "a b c"}).rouge1, 1.0, 2.0 / 3);
  check(gpta::rouge_multi("a b", std::vector<std::string>{}).rouge1, 0.0, 0.0);
}

BOOST_AUTO_TEST_CASE(corpus_mean_and_mismatch) {
  const std::vector<std::string> preds{"a b", "a"}, refs{"a b", "b"};
  const auto c = gpta::rouge_corpus(preds, refs);
  BOOST_TEST(c.size() == 2u);
  check(c.mean.rouge1, 0.5, 0.5);  // (1 + 0) / 2 each
  BOOST_TEST(c.mean.rouge1.f1 == 0.5, boost::test_tools::tolerance(eps));
  BOOST_CHECK_THROW((void)gpta::rouge_corpus(preds, std::vector<std::string>{"a"}), std::invalid_argument);
}
