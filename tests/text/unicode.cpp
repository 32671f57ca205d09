#include <gpta/text/unicode.hpp>

#include <boost/test/unit_test.hpp>

#include <iterator>
#include <string>
#include <vector>

using gpta::text::bert_normalize;

namespace {

std::u32string norm(char32_t c) {
  char32_t out[3];
  const std::size_t n = bert_normalize(c, out);
  return std::u32string(out, out + n);
}

}  // namespace

// Expected values come from the Unicode Character Database (decompositions, case mappings,
// categories), not from the tables under test.
BOOST_AUTO_TEST_CASE(accents_are_stripped_and_letters_lowercased) {
  BOOST_TEST((norm(U'A') == U"a"));
  BOOST_TEST((norm(U'\u00C9') == U"e"));   // É = E + U+0301
  BOOST_TEST((norm(U'\u00E9') == U"e"));
  BOOST_TEST((norm(U'\u0148') == U"n"));   // ň (Latin Extended-A)
  BOOST_TEST((norm(U'\u01D5') == U"u"));   // Ǖ: two stacked marks
  BOOST_TEST((norm(U'\u00DF') == U"\u00DF"));  // ß has no decomposition and is lower case
  BOOST_TEST((norm(U'\u00C6') == U"\u00E6"));  // Æ -> æ, a letter not a ligature decomposition
  BOOST_TEST((norm(U'\u0130') == U"i"));   // İ = I + U+0307
  BOOST_TEST((norm(U'\u01C5') == U"\u01C6"));  // ǅ (title case) -> ǆ
  BOOST_TEST((norm(U'\u03A3') == U"\u03C3"));  // Σ -> σ, never final ς (per character)
  BOOST_TEST((norm(U'\u0386') == U"\u03B1"));  // Ά
  BOOST_TEST((norm(U'\u0419') == U"\u0438"));  // Й = И + breve -> и
  BOOST_TEST((norm(U'\u0401') == U"\u0435"));  // Ё -> е
  BOOST_TEST((norm(U'\u2126') == U"\u03C9"));  // OHM SIGN: singleton decomposition to Ω
  BOOST_TEST((norm(U'\u212B') == U"a"));   // ANGSTROM SIGN -> Å -> a
  BOOST_TEST((norm(U'\uFF21') == U"\uFF41"));  // fullwidth A: lower case only (no canonical decomposition)
  BOOST_TEST((norm(U'\uFB01') == U"\uFB01"));  // ﬁ: compatibility, not canonical, decomposition
  BOOST_TEST((norm(U'\uF900') == U"\u8C48"));  // CJK compatibility ideograph -> unified
  BOOST_TEST((norm(U'\u0301').empty()));   // a lone combining mark (Mn) goes
}

BOOST_AUTO_TEST_CASE(hangul_syllables_decompose_into_jamo) {
  BOOST_TEST((norm(U'\uAC00') == U"\u1100\u1161"));         // 가
  BOOST_TEST((norm(U'\uAC01') == U"\u1100\u1161\u11A8"));   // 각
  BOOST_TEST((norm(U'\uD7A3') == U"\u1112\u1175\u11C2"));   // 힣, the last syllable
}

BOOST_AUTO_TEST_CASE(cleaning_drops_controls_and_unifies_whitespace) {
  for (char32_t c : {U'\t', U'\n', U'\r', U' ', U'\u00A0', U'\u2002', U'\u3000', U'\u2028'}) {
    BOOST_TEST((norm(c) == U" "), static_cast<unsigned>(c));
  }
  for (char32_t c : {U'\0', U'\x01', U'\x0B', U'\x1F', U'\x7F', U'\u0085', U'\u00AD', U'\u200B', U'\u200D', U'\uFEFF',
                     U'\uFFFD', U'\uE000', U'\U000F0000'}) {
    BOOST_TEST(norm(c).empty(), static_cast<unsigned>(c));
  }
  // Emoji (So) and unassigned code points survive.
  BOOST_TEST((norm(U'\U0001F600') == U"\U0001F600"));
  BOOST_TEST((norm(U'\u0378') == U"\u0378"));
}

BOOST_AUTO_TEST_CASE(ascii_fast_path_agrees_with_the_tables) {
  // The tables cover ASCII too; the fast path must give the same answer for all 128.
  const auto& r = gpta::text::detail::tables::char_ranges;
  for (char32_t c = 0; c < 0x80; ++c) {
    std::u32string want(1, c);
    for (const auto& x : r) {
      if (c < x.first || c > x.last) continue;
      if (x.rule == gpta::text::detail::char_rule::drop) want.clear();
      if (x.rule == gpta::text::detail::char_rule::space) want.assign(1, U' ');
      if (x.rule == gpta::text::detail::char_rule::shift) want = std::u32string(1, static_cast<char32_t>(static_cast<int>(c) + x.delta));
    }
    BOOST_TEST((norm(c) == want), static_cast<unsigned>(c));
  }
}

BOOST_AUTO_TEST_CASE(table_ranges_are_sorted_and_disjoint) {
  const auto& r = gpta::text::detail::tables::char_ranges;
  for (std::size_t i = 0; i < std::size(r); ++i) {
    BOOST_TEST((r[i].first <= r[i].last), i);
    if (i) BOOST_TEST((r[i - 1].last < r[i].first), i);
  }
  const auto& p = gpta::text::detail::tables::punctuation_ranges;
  for (std::size_t i = 1; i < std::size(p); ++i) BOOST_TEST((p[i - 1].last < p[i].first), i);
}

BOOST_AUTO_TEST_CASE(punctuation_is_ascii_symbols_plus_unicode_p) {
  for (char c : std::string("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")) BOOST_TEST(gpta::text::is_bert_punctuation(static_cast<char32_t>(c)), c);
  for (char c : std::string("aZ09 \t")) BOOST_TEST(!gpta::text::is_bert_punctuation(static_cast<char32_t>(c)), c);
  BOOST_TEST(gpta::text::is_bert_punctuation(U'\u201C'));   // “ Pi
  BOOST_TEST(gpta::text::is_bert_punctuation(U'\u2014'));   // — Pd
  BOOST_TEST(gpta::text::is_bert_punctuation(U'\u00BF'));   // ¿ Po
  BOOST_TEST(gpta::text::is_bert_punctuation(U'\u3002'));   // 。 Po
  BOOST_TEST(!gpta::text::is_bert_punctuation(U'\u20AC'));  // € is Sc, not P
  BOOST_TEST(!gpta::text::is_bert_punctuation(U'\u00A9'));  // © is So
}

BOOST_AUTO_TEST_CASE(cjk_blocks) {
  BOOST_TEST(gpta::text::is_cjk_ideograph(U'\u4E2D'));
  BOOST_TEST(gpta::text::is_cjk_ideograph(U'\U00020000'));
  BOOST_TEST(!gpta::text::is_cjk_ideograph(U'\u3042'));  // hiragana
  BOOST_TEST(!gpta::text::is_cjk_ideograph(U'\uAC00'));  // hangul
}

BOOST_AUTO_TEST_CASE(whole_string_normalisation) {
  BOOST_TEST(bert_normalize("Cr\u00E8me\u00A0BR\u00DBL\u00C9E\t!") == "creme brulee !");
  BOOST_TEST(bert_normalize("ab\u4E2D\u6587") == "ab \u4E2D  \u6587 ");
  BOOST_TEST(bert_normalize("bad \xff utf8") == "bad  utf8");  // ill-formed bytes become U+FFFD, then vanish
}
