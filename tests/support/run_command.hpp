// Runs a shell command for the command-line tests: its exit status and stdout + stderr together.
#pragma once

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include <boost/test/unit_test.hpp>

namespace gpta::test {

struct command_result {
  int status = -1;     ///< as pclose returns it (0 = exited with 0)
  std::string output;  ///< stdout and stderr, interleaved
};

inline command_result run_command(const std::string& command) {
  std::array<char, 4096> buf{};
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen((command + " 2>&1").c_str(), "r"), &pclose);
  BOOST_REQUIRE(p);
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p.get())) out += buf.data();
  const int status = pclose(p.release());
  return {status, out};
}

}  // namespace gpta::test
