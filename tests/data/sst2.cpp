#include <gpta/data/sst2.hpp>

#include "data/data_test_support.hpp"

using gpta::data::load_sst2;
using gpta_test::check_error;
using gpta_test::contains;
using gpta_test::expect_data_error;

BOOST_AUTO_TEST_CASE(loads_rows_trims_text_and_names_labels) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("train.tsv", "sentence\tlabel\nit 's a charming journey . \t1\r\nflat , tired \t0\n");
  const auto d = load_sst2(f);
  BOOST_TEST(d.name == "sst2");
  BOOST_TEST(d.source == f.string());
  BOOST_TEST(d.label_names == (std::vector<std::string>{"negative", "positive"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[0].text == "it 's a charming journey .");
  BOOST_TEST(d[0].label == 1);
  BOOST_TEST(d[1].text == "flat , tired");
  BOOST_TEST(d[1].label == 0);
  BOOST_TEST(d.skipped == 0u);
}

BOOST_AUTO_TEST_CASE(the_renamed_text_header_is_accepted_and_others_are_not) {
  gpta_test::temp_dir dir;
  BOOST_TEST(load_sst2(dir.write("a.tsv", "text\tlabel\nok\t1\n")).size() == 1u);
  const auto f = dir.write("b.tsv", "label\ttext\n1\tok\n");
  check_error(expect_data_error([&] { (void)load_sst2(f); }), gpta::errc::bad_header, f, 1);
}

BOOST_AUTO_TEST_CASE(wrong_column_counts_name_the_line) {
  gpta_test::temp_dir dir;
  const auto three = dir.write("3.tsv", "text\tlabel\nfine\t0\nthree\tcolumns\t1\n");
  const auto e = expect_data_error([&] { (void)load_sst2(three); });
  check_error(e, gpta::errc::bad_record, three, 3);
  BOOST_TEST(contains(e.what(), "got 3"));
  const auto one = dir.write("1.tsv", "text\tlabel\nfine\t0\nok\t1\nno tab here\n");
  check_error(expect_data_error([&] { (void)load_sst2(one); }), gpta::errc::bad_record, one, 4);
}

BOOST_AUTO_TEST_CASE(labels_other_than_0_and_1_are_rejected) {
  gpta_test::temp_dir dir;
  for (const char* bad : {"2", "-1", "1.0", "", "positive", "+1"}) {
    const auto f = dir.write("l.tsv", std::string("text\tlabel\na\t0\nb\t1\nc\t") + bad + "\n");
    const auto e = expect_data_error([&] { (void)load_sst2(f); });
    check_error(e, gpta::errc::bad_label, f, 4);
  }
}

BOOST_AUTO_TEST_CASE(the_unlabelled_glue_test_file_fails_with_a_hint) {
  gpta_test::temp_dir dir;
  // GLUE test.tsv as the source repository ships it: renamed header, index<TAB>sentence rows.
  const auto f = dir.write("test.tsv", "text\tlabel\n0\tuneasy mishmash .\n1\tanother one .\n");
  const auto e = expect_data_error([&] { (void)load_sst2(f); });
  check_error(e, gpta::errc::bad_label, f, 2);
  BOOST_TEST(contains(e.what(), "test.tsv"));
  BOOST_TEST(contains(e.what(), "index<TAB>sentence"));
}

BOOST_AUTO_TEST_CASE(empty_files_header_only_files_and_empty_texts_are_errors) {
  gpta_test::temp_dir dir;
  const auto empty = dir.write("e.tsv", "");
  check_error(expect_data_error([&] { (void)load_sst2(empty); }), gpta::errc::empty_dataset, empty, 0);
  const auto header = dir.write("h.tsv", "text\tlabel\n");
  check_error(expect_data_error([&] { (void)load_sst2(header); }), gpta::errc::empty_dataset, header, 0);
  const auto blank = dir.write("b.tsv", "text\tlabel\ngood\t1\n  \t0\n");
  check_error(expect_data_error([&] { (void)load_sst2(blank); }), gpta::errc::bad_record, blank, 3);
}

BOOST_AUTO_TEST_CASE(encoding_errors_and_the_replace_option) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("u.tsv", "text\tlabel\nclich\xC3\xA9s\t0\nbad \xE9 byte\t1\n");
  check_error(expect_data_error([&] { (void)load_sst2(f); }), gpta::errc::encoding_error, f, 3);
  const auto d = load_sst2(f, {gpta::data::invalid_utf8_policy::replace});
  BOOST_TEST(d[0].text == "clich\xC3\xA9s");
  BOOST_TEST(d[1].text == "bad \xEF\xBF\xBD byte");
  BOOST_TEST_REQUIRE(d.notes.size() == 1u);
  BOOST_TEST(contains(d.notes[0], "1 invalid UTF-8"));
}
