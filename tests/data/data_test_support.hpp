// Shared by the tests in tests/data: a throw-away folder for hand-written input files, and a
// helper that runs a loader expecting a gpta::data_error and hands the error back for checks.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/test/unit_test.hpp>

#include <gpta/detail/error.hpp>

namespace gpta_test {

/// A fresh folder under the system temp dir, removed with everything in it on destruction.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("gpta-data-test-" + std::to_string(rd()) + "-" + std::to_string(stamp) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  /// Write `bytes` exactly (binary mode: no newline translation) to `name` inside the folder.
  std::filesystem::path write(const std::string& name, std::string_view bytes) const {
    const std::filesystem::path p = path_ / name;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    BOOST_REQUIRE_MESSAGE(out.good(), "cannot write test file " << p);
    return p;
  }

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// Run `f`, which must throw gpta::data_error; return the error (a failed check otherwise).
inline gpta::data_error expect_data_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const gpta::data_error& e) {
    return e;
  }
  BOOST_FAIL("expected gpta::data_error, nothing was thrown");
  throw std::logic_error("unreachable");
}

/// The checks every loader error must pass: the right id, file and line, and a what() that
/// says "<file>:<line>:" so a user can jump there.
inline void check_error(const gpta::data_error& e, gpta::errc code, const std::filesystem::path& file,
                        std::size_t line) {
  const std::string what = e.what();
  BOOST_TEST(e.code() == gpta::make_error_code(code), "got " << what);
  BOOST_TEST(e.file() == file);
  BOOST_TEST(e.line() == line, "got " << what);
  const std::string place = line == 0 ? file.string() + ": " : file.string() + ":" + std::to_string(line) + ": ";
  BOOST_TEST(what.find(place) == 0u, "'" << what << "' should start with '" << place << "'");
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace gpta_test
