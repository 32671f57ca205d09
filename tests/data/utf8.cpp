#include <gpta/data/utf8.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using gpta::data::utf8_invalid_offset;
namespace data = gpta::data;

constexpr auto npos = std::string::npos;

BOOST_AUTO_TEST_CASE(well_formed_text_of_every_length_is_accepted) {
  BOOST_TEST(data::is_valid_utf8(""));
  BOOST_TEST(data::is_valid_utf8("plain ascii, tabs\tand\r\n"));
  BOOST_TEST(data::is_valid_utf8("clich\xC3\xA9s"));               // U+00E9, 2 bytes
  BOOST_TEST(data::is_valid_utf8("\xE2\x82\xAC 5"));               // U+20AC, 3 bytes
  BOOST_TEST(data::is_valid_utf8("\xEF\xBF\xBF"));                 // U+FFFF, last 3-byte value
  BOOST_TEST(data::is_valid_utf8("\xF0\x9F\x98\x80"));             // U+1F600, 4 bytes
  BOOST_TEST(data::is_valid_utf8("\xF4\x8F\xBF\xBF"));             // U+10FFFF, the last code point
  BOOST_TEST(data::is_valid_utf8(std::string("nul\0inside", 10)));  // NUL is a valid character
}

BOOST_AUTO_TEST_CASE(ill_formed_sequences_are_found_at_their_offset) {
  BOOST_TEST(utf8_invalid_offset("ab\x80") == 2u);                 // lone continuation byte
  BOOST_TEST(utf8_invalid_offset("\xC0\x80") == 0u);               // overlong NUL
  BOOST_TEST(utf8_invalid_offset("x\xC1\xBF") == 1u);              // overlong '?'
  BOOST_TEST(utf8_invalid_offset("x\xE0\x80\x80") == 1u);          // overlong 3-byte
  BOOST_TEST(utf8_invalid_offset("xy\xED\xA0\x80") == 2u);         // surrogate U+D800
  BOOST_TEST(utf8_invalid_offset("\xF0\x80\x80\x80") == 0u);       // overlong 4-byte
  BOOST_TEST(utf8_invalid_offset("\xF4\x90\x80\x80") == 0u);       // U+110000, above the range
  BOOST_TEST(utf8_invalid_offset("ok \xF5\x80\x80\x80") == 3u);    // lead byte never used
  BOOST_TEST(utf8_invalid_offset("ok \xFF") == 3u);
  BOOST_TEST(utf8_invalid_offset("caf\xC3") == 3u);                // truncated at the end
  BOOST_TEST(utf8_invalid_offset("\xE2\x82") == 0u);               // truncated 3-byte
  BOOST_TEST(utf8_invalid_offset("\xE2\x82x") == 0u);              // interrupted 3-byte
  BOOST_TEST(utf8_invalid_offset("\xC3\xA9\xC3\xA9") == npos);
}

BOOST_AUTO_TEST_CASE(replacement_follows_the_unicode_maximal_subpart_example) {
  // The Unicode Standard, section 3.9 ("U+FFFD Substitution of Maximal Subparts"), gives this
  // byte sequence and its expected result: a FFFD FFFD FFFD b FFFD c FFFD FFFD d.
  std::string s = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  const std::string r = "\xEF\xBF\xBD";
  BOOST_TEST(data::utf8_replace_invalid(s) == 6u);
  BOOST_TEST(s == "a" + r + r + r + "b" + r + "c" + r + r + "d");
  BOOST_TEST(data::is_valid_utf8(s));
}

BOOST_AUTO_TEST_CASE(replacement_leaves_valid_text_alone) {
  std::string s = "na\xC3\xAFve \xF0\x9F\x98\x80";
  const std::string before = s;
  BOOST_TEST(data::utf8_replace_invalid(s) == 0u);
  BOOST_TEST(s == before);
  std::string surrogate = "a\xED\xA0\x80z";  // ED is a valid lead, A0 is not allowed after it
  BOOST_TEST(data::utf8_replace_invalid(surrogate) == 3u);
  BOOST_TEST(surrogate == "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");
}

BOOST_AUTO_TEST_CASE(append_utf8_encodes_known_code_points) {
  std::string out;
  data::append_utf8(out, U'A');
  data::append_utf8(out, U'\u00E9');
  data::append_utf8(out, U'\u20AC');
  data::append_utf8(out, U'\U0001F600');
  data::append_utf8(out, U'\U0010FFFF');
  BOOST_TEST(out == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
  BOOST_CHECK_THROW(data::append_utf8(out, static_cast<char32_t>(0xD800)), std::invalid_argument);
  BOOST_CHECK_THROW(data::append_utf8(out, static_cast<char32_t>(0x110000)), std::invalid_argument);
}
