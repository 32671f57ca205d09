#include <gpta/data/yelp.hpp>

#include "data/data_test_support.hpp"

using gpta::data::load_yelp;
using gpta_test::check_error;
using gpta_test::contains;
using gpta_test::expect_data_error;

BOOST_AUTO_TEST_CASE(plain_lines_keep_their_text) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("yelp", "1 great sushi , fair prices .\n0 slow service .  \n");
  const auto d = load_yelp(f);
  BOOST_TEST(d.name == "yelp");
  BOOST_TEST(d.label_names == (std::vector<std::string>{"negative", "positive"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[0].text == "great sushi , fair prices .");
  BOOST_TEST(d[0].label == 1);
  BOOST_TEST(d[1].text == "slow service .");
  BOOST_TEST(d[1].label == 0);
}

BOOST_AUTO_TEST_CASE(quoted_texts_are_unquoted_and_escapes_decoded) {
  gpta_test::temp_dir dir;
  // The shapes found in the real file: CSV quoting with "" pairs, \n paragraph breaks, the
  // original CSV's \" and the tokeniser's detached "\ ", and \u escapes for accented letters.
  const auto f = dir.write("yelp",
                           "0 \"bad . \\n\\nour server forgot .\"\n"
                           "1 \"\\\"\"best\\ \"\" ever\"\n"
                           "1 caf\\u00e9 tr\\u00e8s bien\n"
                           "0 emoji \\ud83d\\ude00 and a\\\\b\n"
                           "1 unquoted line \\nwith break\n");
  const auto d = load_yelp(f);
  BOOST_TEST_REQUIRE(d.size() == 5u);
  BOOST_TEST(d[0].text == "bad . our server forgot .");  // \n -> space, spaces collapsed
  BOOST_TEST(d[1].text == "\"best \" ever");
  BOOST_TEST(d[2].text == "caf\xC3\xA9 tr\xC3\xA8s bien");
  BOOST_TEST(d[3].text == "emoji \xF0\x9F\x98\x80 and a\\b");
  BOOST_TEST(d[4].text == "unquoted line with break");
}

BOOST_AUTO_TEST_CASE(unknown_escapes_and_a_final_backslash_are_kept) {
  gpta_test::temp_dir dir;
  const auto d = load_yelp(dir.write("yelp", "1 path c:\\temp and \\t tab \\\n"));
  BOOST_TEST(d[0].text == "path c:\\temp and \\t tab \\");
}

BOOST_AUTO_TEST_CASE(broken_quoting_is_a_parse_error_naming_the_line) {
  gpta_test::temp_dir dir;
  const auto unclosed = dir.write("a", "1 fine\n0 \"never closed\n");
  check_error(expect_data_error([&] { (void)load_yelp(unclosed); }), gpta::errc::parse_error, unclosed, 2);
  const auto lone = dir.write("b", "1 fine\n1 ok\n0 \"a \" lone quote\"\n");
  const auto e = expect_data_error([&] { (void)load_yelp(lone); });
  check_error(e, gpta::errc::parse_error, lone, 3);
  BOOST_TEST(contains(e.what(), "column 6"));
}

BOOST_AUTO_TEST_CASE(broken_unicode_escapes_are_parse_errors) {
  gpta_test::temp_dir dir;
  for (const char* bad : {"1 x \\u00g9\n", "1 x \\u00\n", "1 lone \\ud83d here\n", "1 low \\ude00 first\n"}) {
    const auto f = dir.write("u", std::string("0 fine\n") + bad);
    check_error(expect_data_error([&] { (void)load_yelp(f); }), gpta::errc::parse_error, f, 2);
  }
}

BOOST_AUTO_TEST_CASE(labels_and_line_shape_are_checked) {
  gpta_test::temp_dir dir;
  const auto label = dir.write("l", "1 ok\n2 stars\n");
  check_error(expect_data_error([&] { (void)load_yelp(label); }), gpta::errc::bad_label, label, 2);
  const auto shape = dir.write("s", "1 ok\n0 fine\n1\n");
  check_error(expect_data_error([&] { (void)load_yelp(shape); }), gpta::errc::bad_record, shape, 3);
  const auto empty_text = dir.write("e", "1 ok\n0 \"\\n\"\n");
  check_error(expect_data_error([&] { (void)load_yelp(empty_text); }), gpta::errc::bad_record, empty_text, 2);
  const auto empty = dir.write("z", "");
  check_error(expect_data_error([&] { (void)load_yelp(empty); }), gpta::errc::empty_dataset, empty, 0);
}
