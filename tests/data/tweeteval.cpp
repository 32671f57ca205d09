#include <gpta/data/tweeteval.hpp>

#include "data/data_test_support.hpp"

using gpta::data::load_tweeteval;
using gpta::data::tweeteval_mode;
using gpta_test::check_error;
using gpta_test::contains;
using gpta_test::expect_data_error;

namespace {
// Six tweets: labels 0 1 2 1 2 0 -> binary keeps 4 (2 negative, 2 positive) and skips 2.
void write_fixture(const gpta_test::temp_dir& dir) {
  dir.write("mapping.txt", "0\tnegative\n1\tneutral\n2\tpositive\n");
  dir.write("val_text.txt", "awful day @user \nmeh\ngreat game!\nok\r\nlove it  \n\"hate\" this\n");
  dir.write("val_labels.txt", "0\n1\n2\n1\n2\n0\n");
}
}  // namespace

BOOST_AUTO_TEST_CASE(binary_mode_drops_neutral_and_remaps_labels) {
  gpta_test::temp_dir dir;
  write_fixture(dir);
  const auto d = load_tweeteval(dir.path());
  BOOST_TEST(d.name == "tweeteval");
  BOOST_TEST(d.label_names == (std::vector<std::string>{"negative", "positive"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(d.size() == 4u);
  BOOST_TEST(d[0].text == "awful day @user");
  BOOST_TEST(d[0].label == 0);
  BOOST_TEST(d[1].text == "great game!");
  BOOST_TEST(d[1].label == 1);
  BOOST_TEST(d[2].text == "love it");
  BOOST_TEST(d[2].label == 1);
  BOOST_TEST(d[3].text == "\"hate\" this");  // raw tweets: quotes are content, not CSV
  BOOST_TEST(d[3].label == 0);
  BOOST_TEST(d.skipped == 2u);
  BOOST_TEST_REQUIRE(d.notes.size() == 1u);
  BOOST_TEST(contains(d.notes[0], "2 neutral"));
}

BOOST_AUTO_TEST_CASE(three_way_mode_keeps_every_row_with_the_mapping_names) {
  gpta_test::temp_dir dir;
  write_fixture(dir);
  const auto d = load_tweeteval(dir.path(), tweeteval_mode::three_way);
  BOOST_TEST(d.label_names == (std::vector<std::string>{"negative", "neutral", "positive"}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(d.size() == 6u);
  std::vector<int> labels;
  for (const auto& e : d.examples) labels.push_back(e.label);
  BOOST_TEST(labels == (std::vector<int>{0, 1, 2, 1, 2, 0}), boost::test_tools::per_element());
  BOOST_TEST(d.skipped == 0u);
}

BOOST_AUTO_TEST_CASE(a_line_count_mismatch_names_both_files) {
  gpta_test::temp_dir dir;
  write_fixture(dir);
  dir.write("val_labels.txt", "0\n1\n2\n1\n2\n");
  const auto e = expect_data_error([&] { (void)load_tweeteval(dir.path()); });
  BOOST_TEST((e.code() == gpta::errc::length_mismatch));
  BOOST_TEST(contains(e.what(), "val_text.txt"));
  BOOST_TEST(contains(e.what(), "val_labels.txt"));
  BOOST_TEST(contains(e.what(), "has 6 lines"));
  BOOST_TEST(contains(e.what(), "has 5"));

  dir.write("val_labels.txt", "0\n1\n2\n1\n2\n0\n1\n1\n");
  const auto longer = expect_data_error([&] { (void)load_tweeteval(dir.path()); });
  BOOST_TEST((longer.code() == gpta::errc::length_mismatch));
  BOOST_TEST(contains(longer.what(), "has 8 lines"));
}

BOOST_AUTO_TEST_CASE(a_label_outside_the_mapping_names_the_labels_file_and_line) {
  gpta_test::temp_dir dir;
  write_fixture(dir);
  const auto labels = dir.write("val_labels.txt", "0\n1\n2\n3\n2\n0\n");
  check_error(expect_data_error([&] { (void)load_tweeteval(dir.path()); }), gpta::errc::bad_label, labels, 4);
  dir.write("val_labels.txt", "0\n1\nx\n1\n2\n0\n");
  check_error(expect_data_error([&] { (void)load_tweeteval(dir.path()); }), gpta::errc::bad_label, labels, 3);
}

BOOST_AUTO_TEST_CASE(empty_tweets_and_bad_mappings_are_errors) {
  gpta_test::temp_dir dir;
  write_fixture(dir);
  const auto text = dir.write("val_text.txt", "a\nb\n   \nd\ne\nf\n");
  check_error(expect_data_error([&] { (void)load_tweeteval(dir.path()); }), gpta::errc::bad_record, text, 3);
  write_fixture(dir);
  const auto mapping = dir.write("mapping.txt", "0\tanger\n1\tjoy\n2\toptimism\n");
  check_error(expect_data_error([&] { (void)load_tweeteval(dir.path()); }), gpta::errc::bad_header, mapping, 0);
  BOOST_TEST(load_tweeteval(dir.path(), tweeteval_mode::three_way).label_names.at(1) == "joy");
  dir.write("mapping.txt", "0\tnegative\n2\tpositive\n");
  check_error(expect_data_error([&] { (void)load_tweeteval(dir.path()); }), gpta::errc::bad_record, mapping, 2);
}

BOOST_AUTO_TEST_CASE(missing_folder_split_and_bad_split_names) {
  gpta_test::temp_dir dir;
  write_fixture(dir);
  const auto missing = dir.path() / "absent";
  check_error(expect_data_error([&] { (void)load_tweeteval(missing); }), gpta::errc::file_not_found, missing, 0);
  check_error(expect_data_error([&] { (void)load_tweeteval(dir.path(), tweeteval_mode::binary, "train"); }),
              gpta::errc::file_not_found, dir.path() / "train_text.txt", 0);
  BOOST_CHECK_THROW((void)load_tweeteval(dir.path(), tweeteval_mode::binary, ""), std::invalid_argument);
  BOOST_CHECK_THROW((void)load_tweeteval(dir.path(), tweeteval_mode::binary, "../val"), std::invalid_argument);
}
