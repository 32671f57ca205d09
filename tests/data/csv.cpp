#include <gpta/data/csv.hpp>

#include "data/data_test_support.hpp"

#include <string>
#include <vector>

using gpta::data::csv_reader;
using gpta_test::check_error;
using gpta_test::expect_data_error;
using fields = std::vector<std::string>;

namespace {
std::vector<fields> read_all(csv_reader& in, std::vector<std::size_t>* starts = nullptr) {
  std::vector<fields> out;
  fields f;
  while (in.next(f)) {
    out.push_back(f);
    if (starts) starts->push_back(in.record_line());
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(plain_and_quoted_fields_with_delimiters_and_escaped_quotes) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("a.csv",
                           "4,plain text\n"
                           "0,\"has, a comma\"\n"
                           "2,\"say \"\"hi\"\" now\"\n"
                           "\"\"\"\",\"\"\n");
  csv_reader in(f);
  const auto rows = read_all(in);
  BOOST_TEST_REQUIRE(rows.size() == 4u);
  BOOST_TEST(rows[0] == (fields{"4", "plain text"}), boost::test_tools::per_element());
  BOOST_TEST(rows[1] == (fields{"0", "has, a comma"}), boost::test_tools::per_element());
  BOOST_TEST(rows[2] == (fields{"2", "say \"hi\" now"}), boost::test_tools::per_element());
  BOOST_TEST(rows[3] == (fields{"\"", ""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_fields_trailing_delimiters_and_empty_lines) {
  gpta_test::temp_dir dir;
  csv_reader in(dir.write("e.csv", ",a,,\n\nx\n"));
  const auto rows = read_all(in);
  BOOST_TEST_REQUIRE(rows.size() == 3u);
  BOOST_TEST(rows[0] == (fields{"", "a", "", ""}), boost::test_tools::per_element());
  BOOST_TEST(rows[1] == (fields{""}), boost::test_tools::per_element());
  BOOST_TEST(rows[2] == (fields{"x"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(quoted_fields_span_lines_and_records_know_their_first_line) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("m.csv",
                           "1,first\r\n"
                           "2,\"two\r\nlines, \"\"quoted\"\"\r\n\"\r\n"
                           "3,after\n");
  csv_reader in(f);
  std::vector<std::size_t> starts;
  const auto rows = read_all(in, &starts);
  BOOST_TEST_REQUIRE(rows.size() == 3u);
  // CRLF inside the field is stored as "\n", like any other line break.
  BOOST_TEST(rows[1] == (fields{"2", "two\nlines, \"quoted\"\n"}), boost::test_tools::per_element());
  BOOST_TEST(rows[2] == (fields{"3", "after"}), boost::test_tools::per_element());
  BOOST_TEST(starts == (std::vector<std::size_t>{1, 2, 5}), boost::test_tools::per_element());
  BOOST_TEST(in.line_number() == 5u);
}

BOOST_AUTO_TEST_CASE(a_quote_inside_an_unquoted_field_is_kept) {
  gpta_test::temp_dir dir;
  csv_reader in(dir.write("q.csv", "0,5\" screen, ok\n"));
  const auto rows = read_all(in);
  BOOST_TEST(rows.at(0) == (fields{"0", "5\" screen", " ok"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unterminated_quote_names_the_line_where_the_record_started) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("u.csv", "0,ok\n4,fine\n2,\"never closed\nmore text\nand more\n");
  csv_reader in(f);
  fields row;
  BOOST_TEST(in.next(row));
  BOOST_TEST(in.next(row));
  const auto e = expect_data_error([&] { in.next(row); });
  check_error(e, gpta::errc::parse_error, f, 3);
  BOOST_TEST(gpta_test::contains(e.what(), "unterminated"));
}

BOOST_AUTO_TEST_CASE(text_after_a_closing_quote_is_a_parse_error_on_its_physical_line) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("t.csv", "0,\"a\"b\n");
  csv_reader in(f);
  fields row;
  check_error(expect_data_error([&] { in.next(row); }), gpta::errc::parse_error, f, 1);

  const auto g = dir.write("t2.csv", "1,ok\n0,\"two\nlines\"x,y\n");
  csv_reader in2(g);
  BOOST_TEST(in2.next(row));
  const auto e = expect_data_error([&] { in2.next(row); });
  check_error(e, gpta::errc::parse_error, g, 3);
  BOOST_TEST(gpta_test::contains(e.what(), "record starts at line 2"));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_inside_a_multiline_field_names_its_physical_line) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("enc.csv", "0,\"line one\nline \xC3\x28two\"\n");
  csv_reader in(f);
  fields row;
  check_error(expect_data_error([&] { in.next(row); }), gpta::errc::encoding_error, f, 2);
}

BOOST_AUTO_TEST_CASE(fail_uses_the_record_start_and_options_are_checked) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("tab.tsv", "a\t\"b\tc\"\nx\t\"multi\nline\"\n");
  csv_reader in(f, gpta::data::csv_options{'\t', '"', {}});
  fields row;
  BOOST_TEST(in.next(row));
  BOOST_TEST(row == (fields{"a", "b\tc"}), boost::test_tools::per_element());
  BOOST_TEST(in.next(row));
  check_error(expect_data_error([&] { in.fail(gpta::errc::bad_record, "wrong"); }), gpta::errc::bad_record, f, 2);
  BOOST_CHECK_THROW(csv_reader(f, gpta::data::csv_options{'"', '"', {}}), std::invalid_argument);
  BOOST_CHECK_THROW(csv_reader(f, gpta::data::csv_options{'\n', '"', {}}), std::invalid_argument);
}
