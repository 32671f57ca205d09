// Runs a shell command for the command-line tests: its exit status and stdout + stderr together.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>

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

/// "<temp>/gpta_<name>_<pid>", removed if it exists: a run folder of its own for one test.
inline std::filesystem::path fresh_path(const std::string& name) {
  const auto p = std::filesystem::temp_directory_path() / ("gpta_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p;
}

/// The whole file (empty if it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace gpta::test
