#include <gpta/text/basic_tokenizer.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using gpta::text::basic_tokenize;
using words = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(splits_on_whitespace_and_punctuation) {
  BOOST_TEST(basic_tokenize("Hello, World!") == (words{"hello", ",", "world", "!"}), boost::test_tools::per_element());
  BOOST_TEST(basic_tokenize("don't") == (words{"don", "'", "t"}), boost::test_tools::per_element());
  BOOST_TEST(basic_tokenize("$5.99") == (words{"$", "5", ".", "99"}), boost::test_tools::per_element());
  BOOST_TEST(basic_tokenize("...") == (words{".", ".", "."}), boost::test_tools::per_element());
  BOOST_TEST(basic_tokenize("  a \t\n b  ") == (words{"a", "b"}), boost::test_tools::per_element());
  BOOST_TEST(basic_tokenize("").empty());
}

BOOST_AUTO_TEST_CASE(cjk_ideographs_are_words_kana_are_not) {
  BOOST_TEST(basic_tokenize("ab\u4E2D\u6587cd") == (words{"ab", "\u4E2D", "\u6587", "cd"}),
             boost::test_tools::per_element());
  BOOST_TEST(basic_tokenize("\u3072\u3089\u304C\u306A") == (words{"\u3072\u3089\u304B\u306A"}),  // が -> か + dakuten (Mn)
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(removed_characters_do_not_split_words) {
  BOOST_TEST(basic_tokenize("a\u200Db\x01" "c") == (words{"abc"}), boost::test_tools::per_element());
  BOOST_TEST(basic_tokenize("na\u0308ive") == (words{"naive"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_character_remembers_its_source_bytes) {
  gpta::text::basic_words w;
  const std::string text = "\u00C9t\u00E9, \uAC00!";  // "Été, 가!"
  gpta::text::append_basic_words(text, 100, w);
  BOOST_TEST_REQUIRE(w.size() == 4u);
  BOOST_TEST(w.word_text(0) == "ete");
  BOOST_TEST(w.word_text(1) == ",");
  BOOST_TEST(w.word_text(2) == "\u1100\u1161");
  BOOST_TEST(w.word_chars(2) == 2u);
  const auto& first = w.chars[w.words[0].first_char];
  BOOST_TEST(first.src_begin == 100u);  // offsets are shifted by `base`
  BOOST_TEST(first.src_end == 102u);    // É is two bytes
  // Both jamo of the syllable point at its three source bytes.
  const auto& j0 = w.chars[w.words[2].first_char];
  const auto& j1 = w.chars[w.words[2].first_char + 1];
  BOOST_TEST(j0.src_begin == 100u + 7u);
  BOOST_TEST(j1.src_begin == j0.src_begin);
  BOOST_TEST(j1.src_end == 100u + 10u);

  // Appending continues the same buffers.
  gpta::text::append_basic_words("more", 0, w);
  BOOST_TEST(w.size() == 5u);
  BOOST_TEST(w.word_text(4) == "more");
  BOOST_TEST(w.word_text(3) == "!");
}
