// The include graph of include/gpta/ follows the layer table of docs/architecture.md: every arrow
// points down, students know no network, strategies no students, and the heavy dependencies stay
// behind their own headers (Beast/Asio/OpenSSL in llm/, CUDA in .cuh, MPI in mpi/).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// Area -> the areas its headers may include (besides its own). Keep in step with docs/architecture.md.
const std::map<std::string, std::set<std::string>> allowed{
    {"detail", {}},
    {"core", {"detail"}},
    {"concepts", {"core", "detail"}},
    {"data", {"core", "detail"}},
    {"nn", {"core", "detail"}},
    {"text", {"core", "data", "detail", "nn"}},
    {"eval", {"core", "data", "detail", "text"}},
    {"llm", {"concepts", "core", "detail"}},
    {"prompt", {"concepts", "core", "data", "detail", "eval", "text"}},
    {"student", {"concepts", "core", "data", "detail", "eval", "nn", "text"}},
    {"backend", {"concepts", "core", "detail", "nn", "student"}},
    {"train", {"concepts", "core", "data", "detail", "eval", "prompt"}},
    {"mpi", {"concepts", "core", "detail", "train"}},
};

struct include_line {
  fs::path file;
  int line = 0;
  std::string target;          // what is inside <...>
  bool under_cudacc = false;  // inside an #if that names __CUDACC__ (compiled by nvcc only)
};

std::vector<include_line> includes_of(const fs::path& file) {
  static const std::regex inc(R"(^\s*#\s*include\s*<([^>]+)>)");
  static const std::regex open_if(R"(^\s*#\s*if)"), close_if(R"(^\s*#\s*endif)");
  std::vector<include_line> out;
  std::vector<bool> conditions;  // open #if blocks: does each name __CUDACC__?
  std::ifstream in(file);
  std::string s;
  int n = 0;
  while (std::getline(in, s)) {
    ++n;
    std::smatch m;
    if (std::regex_search(s, open_if)) conditions.push_back(s.find("__CUDACC__") != std::string::npos);
    if (std::regex_search(s, close_if) && !conditions.empty()) conditions.pop_back();
    if (std::regex_search(s, m, inc)) {
      const bool cudacc = std::find(conditions.begin(), conditions.end(), true) != conditions.end();
      out.push_back({file, n, m[1].str(), cudacc});
    }
  }
  return out;
}

std::string where(const include_line& i) { return i.file.string() + ":" + std::to_string(i.line) + ": " + i.target; }

// The area of a path below include/gpta/ ("" for the umbrella headers at the top).
std::string area_of(const fs::path& relative) {
  auto it = relative.begin();
  const std::string first = it->string();
  return ++it == relative.end() ? std::string() : first;
}

const fs::path& include_root() {
  static const fs::path root = fs::path(GPTA_TEST_SOURCE_DIR) / "include" / "gpta";
  return root;
}

std::vector<fs::path> headers() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(include_root()))
    if (e.is_regular_file() && (e.path().extension() == ".hpp" || e.path().extension() == ".ipp" || e.path().extension() == ".cuh"))
      out.push_back(e.path());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_area_is_in_the_layer_table) {
  std::set<std::string> areas;
  for (const auto& e : fs::directory_iterator(include_root()))
    if (e.is_directory()) areas.insert(e.path().filename().string());
  BOOST_TEST(areas.size() >= 12u);
  for (const auto& a : areas) BOOST_TEST(allowed.contains(a), "include/gpta/" << a << " is not in the layer table");
}

BOOST_AUTO_TEST_CASE(every_include_points_down) {
  std::size_t checked = 0;
  for (const auto& file : headers()) {
    const std::string area = area_of(fs::relative(file, include_root()));
    if (area.empty()) continue;  // gpta.hpp, llm.hpp, version.hpp: the umbrella may include anything
    const auto& ok = allowed.at(area);
    for (const auto& i : includes_of(file)) {
      if (i.target.rfind("gpta/", 0) != 0) continue;
      const std::string to = area_of(fs::path(i.target.substr(5)));
      if (to.empty()) {  // gpta/version.hpp is a leaf anyone may read; the umbrellas are not
        BOOST_TEST(i.target == "gpta/version.hpp", where(i) << ": an area header includes an umbrella header");
        continue;
      }
      ++checked;
      BOOST_TEST((to == area || ok.contains(to)), where(i) << ": " << area << "/ may not include " << to << "/");
    }
  }
  BOOST_TEST(checked > 200u);  // the scan saw the real tree
}

BOOST_AUTO_TEST_CASE(heavy_dependencies_stay_behind_their_headers) {
  std::size_t network = 0, cuda = 0, blas = 0;
  for (const auto& file : headers()) {
    const std::string area = area_of(fs::relative(file, include_root()));
    const bool cuh = file.extension() == ".cuh";
    for (const auto& i : includes_of(file)) {
      const auto starts = [&](const char* p) { return i.target.rfind(p, 0) == 0; };
      if (starts("boost/beast") || starts("boost/asio") || starts("openssl/")) {
        ++network;
        BOOST_TEST(area == "llm", where(i) << ": the network stack is for llm/ headers only");
      }
      if (starts("cuda") || starts("cublas") || starts("thrust/system/cuda")) {
        ++cuda;
        BOOST_TEST((cuh || i.under_cudacc), where(i) << ": CUDA headers are for .cuh files (or #if __CUDACC__) only");
      }
      if (i.target == "mpi.h") BOOST_TEST(area == "mpi", where(i) << ": <mpi.h> is for mpi/ headers only");
      if (i.target == "cblas.h") {  // the GEMM policy's one door to a BLAS (GPTA_GEMM)
        ++blas;
        BOOST_TEST(fs::relative(file, include_root()).generic_string() == "nn/gemm_cblas.hpp",
                   where(i) << ": <cblas.h> is for nn/gemm_cblas.hpp only");
      }
    }
  }
  BOOST_TEST(network > 0u);  // the scan found the transport's includes
  BOOST_TEST(cuda > 0u);
  BOOST_TEST(blas == 1u);
}
