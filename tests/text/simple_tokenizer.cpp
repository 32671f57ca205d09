#include <gpta/text/simple_tokenizer.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using gpta::text::simple_tokenizer;
using tokens = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(lowercases_and_splits_on_whitespace) {
  const simple_tokenizer t;
  BOOST_TEST(t.tokenize("Hello   WORLD\tfoo\nBar\r\n") == (tokens{"hello", "world", "foo", "bar"}),
             boost::test_tools::per_element());
  BOOST_TEST(t.tokenize("").empty());
  BOOST_TEST(t.tokenize(" \t\n ").empty());
}

BOOST_AUTO_TEST_CASE(every_punctuation_character_is_its_own_token) {
  const simple_tokenizer t;
  BOOST_TEST(t.tokenize("Hi, it's great!!") == (tokens{"hi", ",", "it", "'", "s", "great", "!", "!"}),
             boost::test_tools::per_element());
  BOOST_TEST(t.tokenize("a-b(c)[d]") == (tokens{"a", "-", "b", "(", "c", ")", "[", "d", "]"}),
             boost::test_tools::per_element());
  // Digits and letters stay together; underscore is ASCII punctuation in the C locale.
  BOOST_TEST(t.tokenize("R2D2 x_y") == (tokens{"r2d2", "x", "_", "y"}), boost::test_tools::per_element());
  // All 32 ASCII punctuation characters, each one token.
  const std::string punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  const auto out = t.tokenize(punct);
  BOOST_TEST(out.size() == punct.size());
  for (std::size_t i = 0; i < out.size() && i < punct.size(); ++i) BOOST_TEST(out[i] == std::string(1, punct[i]));
}

BOOST_AUTO_TEST_CASE(utf8_sequences_stay_intact_and_are_not_lowercased) {
  const simple_tokenizer t;
  // "Café ÉTÉ naïve" - é (C3 A9), É (C3 89), ï (C3 AF); ASCII letters around them are lowercased,
  // the non-ASCII bytes are copied as they are.
  const std::string in = "Caf\xC3\xA9 \xC3\x89T\xC3\x89 NA\xC3\xAFve";
  BOOST_TEST(t.tokenize(in) == (tokens{"caf\xC3\xA9", "\xC3\x89t\xC3\x89", "na\xC3\xAFve"}),
             boost::test_tools::per_element());
  // Curly quotes (E2 80 9C / E2 80 9D) are not ASCII punctuation: glued to the word, bytes intact.
  const std::string quoted = "\xE2\x80\x9Cgood\xE2\x80\x9D.";
  BOOST_TEST(t.tokenize(quoted) == (tokens{"\xE2\x80\x9Cgood\xE2\x80\x9D", "."}), boost::test_tools::per_element());
  // A 4-byte sequence (U+1F600) next to punctuation.
  const std::string emoji = "ok!\xF0\x9F\x98\x80?";
  BOOST_TEST(t.tokenize(emoji) == (tokens{"ok", "!", "\xF0\x9F\x98\x80", "?"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(control_bytes_separate_words) {
  const simple_tokenizer t;
  const std::string in{"a\0b\x7F" "c", 5};
  BOOST_TEST(t.tokenize(in) == (tokens{"a", "b", "c"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tokenize_into_appends) {
  const simple_tokenizer t;
  tokens out{"x"};
  t.tokenize_into("Y z", out);
  BOOST_TEST(out == (tokens{"x", "y", "z"}), boost::test_tools::per_element());
}
