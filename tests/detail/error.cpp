// Tests for include/gpta/detail/error.hpp.
#include <gpta/detail/error.hpp>

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <type_traits>

static_assert(std::is_error_code_enum_v<gpta::errc>);
static_assert(std::is_nothrow_copy_constructible_v<gpta::data_error>,
              "exceptions must copy without throwing");

BOOST_AUTO_TEST_CASE(errc_converts_to_error_code_in_the_gpta_category) {
  const std::error_code ec = gpta::errc::parse_error;  // implicit: is_error_code_enum
  BOOST_TEST(ec.category().name() == std::string("gpta.data"));
  BOOST_TEST(ec.value() == 3);  // numeric ids are documented as stable
  BOOST_TEST(ec.message() == "parse error");
  BOOST_TEST(static_cast<bool>(ec));
  BOOST_TEST(gpta::error_id(ec) == "gpta.parse_error");
  BOOST_TEST(gpta::error_id(std::make_error_code(std::errc::timed_out)).find("generic:") == 0u);
}

BOOST_AUTO_TEST_CASE(every_id_has_a_distinct_name_and_message) {
  std::set<std::string> ids, messages;
  for (int v = 1; v <= 10; ++v) {
    const std::error_code ec = static_cast<gpta::errc>(v);
    const std::string id = gpta::error_id(ec);
    BOOST_TEST(id != "gpta.unknown");
    ids.insert(id);
    messages.insert(ec.message());
  }
  BOOST_TEST(ids.size() == 10u);
  BOOST_TEST(messages.size() == 10u);
  BOOST_TEST(gpta::error_id(gpta::errc::bad_record) == "gpta.bad_record");
  BOOST_TEST(gpta::error_id(gpta::errc::encoding_error) == "gpta.encoding_error");
  BOOST_TEST(gpta::make_error_code(static_cast<gpta::errc>(99)).message().find("99") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(file_and_io_ids_match_the_portable_conditions) {
  BOOST_TEST((gpta::make_error_code(gpta::errc::file_not_found) == std::errc::no_such_file_or_directory));
  BOOST_TEST((gpta::make_error_code(gpta::errc::io_error) == std::errc::io_error));
  BOOST_TEST((gpta::make_error_code(gpta::errc::parse_error) != std::errc::io_error));
}

BOOST_AUTO_TEST_CASE(data_error_what_names_file_line_and_id) {
  const gpta::data_error e(gpta::errc::parse_error, "data/x.csv", 12, "unterminated quoted field");
  BOOST_TEST(std::string(e.what()) == "data/x.csv:12: unterminated quoted field [gpta.parse_error]");
  BOOST_TEST(e.file() == std::filesystem::path("data/x.csv"));
  BOOST_TEST(e.line() == 12u);
  BOOST_TEST(e.message() == "unterminated quoted field");
  BOOST_TEST((e.code() == gpta::errc::parse_error));
}

BOOST_AUTO_TEST_CASE(data_error_leaves_out_line_zero_and_an_empty_file) {
  const gpta::data_error whole_file(gpta::errc::empty_dataset, "a.tsv", 0, "no examples");
  BOOST_TEST(std::string(whole_file.what()) == "a.tsv: no examples [gpta.empty_dataset]");
  const gpta::data_error no_file(gpta::errc::unsupported_version, "", 0, "checkpoint version 9");
  BOOST_TEST(std::string(no_file.what()) == "checkpoint version 9 [gpta.unsupported_version]");
}

BOOST_AUTO_TEST_CASE(data_error_is_caught_as_system_error_and_copies_keep_the_text) {
  try {
    throw gpta::data_error(gpta::errc::bad_label, "l.txt", 7, "label must be 0 or 1");
  } catch (const std::system_error& e) {
    BOOST_TEST(std::string(e.what()) == "l.txt:7: label must be 0 or 1 [gpta.bad_label]");
    const gpta::data_error copy = dynamic_cast<const gpta::data_error&>(e);
    BOOST_TEST(std::string(copy.what()) == std::string(e.what()));
    BOOST_TEST(copy.line() == 7u);
    BOOST_TEST((copy.code() == gpta::errc::bad_label));
    return;
  }
  BOOST_FAIL("data_error was not caught as std::system_error");
}
