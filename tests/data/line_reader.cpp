#include <gpta/data/line_reader.hpp>

#include "data/data_test_support.hpp"

#include <string>
#include <vector>

using gpta::data::line_reader;
using gpta_test::check_error;
using gpta_test::expect_data_error;

namespace {
std::vector<std::string> read_all(line_reader& in) {
  std::vector<std::string> lines;
  std::string line;
  while (in.next(line)) lines.push_back(line);
  return lines;
}
}  // namespace

BOOST_AUTO_TEST_CASE(lines_end_at_lf_crlf_is_stripped_and_a_last_unterminated_line_counts) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("a.txt", "one\r\ntwo\n\nfour\r\nlast has\rinner cr");
  line_reader in(f);
  BOOST_TEST(in.line_number() == 0u);
  const auto lines = read_all(in);
  const std::vector<std::string> expected{"one", "two", "", "four", "last has\rinner cr"};
  BOOST_TEST(lines == expected, boost::test_tools::per_element());
  BOOST_TEST(in.line_number() == 5u);
  BOOST_TEST(in.path() == f);
}

BOOST_AUTO_TEST_CASE(a_trailing_newline_does_not_add_an_empty_line_and_empty_files_have_none) {
  gpta_test::temp_dir dir;
  line_reader a(dir.write("a.txt", "x\ny\n"));
  BOOST_TEST(read_all(a).size() == 2u);
  line_reader empty(dir.write("e.txt", ""));
  std::string line;
  BOOST_TEST(!empty.next(line));
  BOOST_TEST(empty.line_number() == 0u);
}

BOOST_AUTO_TEST_CASE(a_utf8_bom_is_dropped_from_the_first_line_only) {
  gpta_test::temp_dir dir;
  line_reader in(dir.write("bom.txt", "\xEF\xBB\xBFhead\n\xEF\xBB\xBFsecond\n"));
  const auto lines = read_all(in);
  BOOST_TEST(lines.at(0) == "head");
  BOOST_TEST(lines.at(1) == "\xEF\xBB\xBFsecond");  // U+FEFF mid-file is a (rare) character
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_an_encoding_error_naming_file_line_and_column) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("bad.txt", "fine\nalso fine\nbro\xFFken\nnever read\n");
  line_reader in(f);
  std::string line;
  BOOST_TEST(in.next(line));
  BOOST_TEST(in.next(line));
  const auto e = expect_data_error([&] { in.next(line); });
  check_error(e, gpta::errc::encoding_error, f, 3);
  BOOST_TEST(gpta_test::contains(e.what(), "0xFF"));
  BOOST_TEST(gpta_test::contains(e.what(), "column 4"));
}

BOOST_AUTO_TEST_CASE(replace_policy_substitutes_and_counts) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("bad.txt", "a\xC3(b\r\nok\n\xFF\xFE\n");
  line_reader in(f, {gpta::data::invalid_utf8_policy::replace});
  const auto lines = read_all(in);
  BOOST_TEST(lines.at(0) == "a\xEF\xBF\xBD(b");
  BOOST_TEST(lines.at(1) == "ok");
  BOOST_TEST(lines.at(2) == "\xEF\xBF\xBD\xEF\xBF\xBD");
  BOOST_TEST(in.replacements() == 3u);
}

BOOST_AUTO_TEST_CASE(lines_longer_than_the_buffer_and_the_default_buffer_both_work) {
  gpta_test::temp_dir dir;
  const std::string long_line(300000, 'x');
  const auto f = dir.write("long.txt", long_line + "\n\xC3\xA9t\xC3\xA9\n");
  for (std::size_t buffer : {std::size_t{0}, std::size_t{7}, std::size_t{1} << 20}) {
    line_reader in(f, {gpta::data::invalid_utf8_policy::error, buffer});
    const auto lines = read_all(in);
    BOOST_TEST(lines.size() == 2u);
    BOOST_TEST(lines.at(0) == long_line);
    BOOST_TEST(lines.at(1) == "\xC3\xA9t\xC3\xA9");
  }
}

BOOST_AUTO_TEST_CASE(missing_files_and_directories_are_named) {
  gpta_test::temp_dir dir;
  const auto missing = dir.path() / "nope.txt";
  check_error(expect_data_error([&] { line_reader in(missing); }), gpta::errc::file_not_found, missing, 0);
  check_error(expect_data_error([&] { line_reader in(dir.path()); }), gpta::errc::io_error, dir.path(), 0);
}

BOOST_AUTO_TEST_CASE(fail_reports_the_current_line) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("x.txt", "a\nb\n");
  line_reader in(f);
  std::string line;
  in.next(line);
  in.next(line);
  check_error(expect_data_error([&] { in.fail(gpta::errc::bad_record, "boom"); }), gpta::errc::bad_record, f, 2);
  check_error(expect_data_error([&] { in.fail_at(gpta::errc::bad_header, 1, "boom"); }), gpta::errc::bad_header, f, 1);
}
