#include <gpta/data/sentiment140.hpp>

#include "data/data_test_support.hpp"

using gpta::data::load_sentiment140;
using gpta::data::sentiment140_mode;
using gpta_test::check_error;
using gpta_test::contains;
using gpta_test::expect_data_error;

namespace {
constexpr const char* fixture =
    "4,\"@user I love my Kindle2. Not that the DX is cool, but\"\n"
    "0,plain negative tweet &lt;3\n"
    "2,\"a neutral \"\"quoted\"\" one\"\n"
    "4,happy\n"
    "0,\"sad, with a comma\"\n";
}  // namespace

BOOST_AUTO_TEST_CASE(binary_mode_drops_neutral_and_maps_0_and_4) {
  gpta_test::temp_dir dir;
  const auto d = load_sentiment140(dir.write("s.csv", fixture));
  BOOST_TEST(d.name == "sentiment140");
  BOOST_TEST_REQUIRE(d.size() == 4u);
  BOOST_TEST(d[0].text == "@user I love my Kindle2. Not that the DX is cool, but");
  BOOST_TEST(d[0].label == 1);
  BOOST_TEST(d[1].text == "plain negative tweet &lt;3");  // entities stay as distributed
  BOOST_TEST(d[1].label == 0);
  BOOST_TEST(d[3].text == "sad, with a comma");
  BOOST_TEST(d[3].label == 0);
  BOOST_TEST(d.skipped == 1u);
  BOOST_TEST_REQUIRE(d.notes.size() == 1u);
  BOOST_TEST(contains(d.notes[0], "1 neutral"));
}

BOOST_AUTO_TEST_CASE(three_way_mode_keeps_neutral) {
  gpta_test::temp_dir dir;
  const auto d = load_sentiment140(dir.write("s.csv", fixture), sentiment140_mode::three_way);
  BOOST_TEST(d.label_names == (std::vector<std::string>{"negative", "neutral", "positive"}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(d.size() == 5u);
  BOOST_TEST(d[2].text == "a neutral \"quoted\" one");
  BOOST_TEST(d[2].label == 1);
  BOOST_TEST(d[0].label == 2);
  BOOST_TEST(d.skipped == 0u);
}

BOOST_AUTO_TEST_CASE(the_original_six_column_layout_is_read) {
  gpta_test::temp_dir dir;
  const auto d = load_sentiment140(dir.write(
      "six.csv", "\"4\",\"3\",\"Mon May 11 03:17:40 UTC 2009\",\"kindle2\",\"tpryan\",\"loving it, really\"\n"
                 "\"0\",\"4\",\"Mon May 11 03:18:03 UTC 2009\",\"kindle2\",\"vcu451\",\"not so much\"\n"));
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[0].text == "loving it, really");
  BOOST_TEST(d[0].label == 1);
  BOOST_TEST(d[1].label == 0);
}

BOOST_AUTO_TEST_CASE(column_counts_and_polarities_are_checked_at_the_record_line) {
  gpta_test::temp_dir dir;
  const auto three = dir.write("a.csv", "4,one,two\n");
  check_error(expect_data_error([&] { (void)load_sentiment140(three); }), gpta::errc::bad_record, three, 1);
  const auto mixed = dir.write("b.csv", "4,fine\n0,\"spans\ntwo lines\"\n0,too,many\n");
  check_error(expect_data_error([&] { (void)load_sentiment140(mixed); }), gpta::errc::bad_record, mixed, 4);
  // A bad polarity on a record that spans lines is reported where the record starts.
  const auto polarity = dir.write("c.csv", "4,fine\n3,\"spans\ntwo lines\"\n");
  const auto e = expect_data_error([&] { (void)load_sentiment140(polarity); });
  check_error(e, gpta::errc::bad_label, polarity, 2);
  BOOST_TEST(contains(e.what(), "'3'"));
}

BOOST_AUTO_TEST_CASE(csv_syntax_errors_and_all_neutral_files) {
  gpta_test::temp_dir dir;
  const auto open = dir.write("d.csv", "4,fine\n0,ok\n0,\"never closed\n");
  check_error(expect_data_error([&] { (void)load_sentiment140(open); }), gpta::errc::parse_error, open, 3);
  const auto neutral = dir.write("n.csv", "2,meh\n2,whatever\n");
  const auto e = expect_data_error([&] { (void)load_sentiment140(neutral); });
  check_error(e, gpta::errc::empty_dataset, neutral, 0);
  BOOST_TEST(contains(e.what(), "skipped"));
  const auto empty_text = dir.write("t.csv", "4,fine\n0,\"  \"\n");
  check_error(expect_data_error([&] { (void)load_sentiment140(empty_text); }), gpta::errc::bad_record, empty_text, 2);
}
