// Committed reference fixtures (tests/fixtures/*.json, made by scripts/fixtures/*.py), read once
// per test program: a missing or malformed fixture fails the test, it never skips it.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace gpta::test {

/// tests/fixtures/<name> parsed as a JSON object.
[[nodiscard]] inline boost::json::object read_fixture(const std::string& name) {
  const std::filesystem::path p = std::filesystem::path(GPTA_TEST_SOURCE_DIR) / "tests" / "fixtures" / name;
  std::ifstream in(p, std::ios::binary);
  BOOST_TEST_REQUIRE(in.good(), "cannot open " << p << " (scripts/fixtures/ makes it)");
  std::ostringstream s;
  s << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(s.str(), ec);
  BOOST_TEST_REQUIRE((!ec && v.is_object()), p << " is not a JSON object: " << ec.message());
  return std::move(v.as_object());
}

}  // namespace gpta::test
