// gpta-test-labels: integration cli
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

// `gpta compare --task xsum` end to end on a tiny random Qwen2 GGUF and a tiny XSum-format file:
// the summariser trains, decodes and is scored by ROUGE beside the lead-1 baseline; a student
// that cannot write text is refused with a message naming the flag.

#include "support/qwen2_tiny_gguf.hpp"

namespace fs = std::filesystem;

namespace {

struct result {
  int status;
  std::string output;
};

result run(const std::string& command) {
  std::array<char, 4096> buf{};
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen((command + " 2>&1").c_str(), "r"), &pclose);
  BOOST_REQUIRE(p);
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p.get())) out += buf.data();
  const int status = pclose(p.release());
  return {status, out};
}

struct workspace {
  fs::path dir = fs::temp_directory_path() / ("gpta_cli_xsum_" + std::to_string(::getpid()));
  workspace() {
    fs::create_directories(dir / "data" / "xsum");
    gpta::test::write_tiny_qwen2_gguf(dir / "tiny.gguf", 3);
    std::ofstream f(dir / "data" / "xsum" / "test.shared.jsonl");
    for (int i = 0; i < 10; ++i)
      f << boost::json::serialize(boost::json::object{
               {"id", std::to_string(1000 + i)},
               {"document", "The council met on day " + std::to_string(i) + ".\nIt voted on the new road.\nWork starts soon."},
               {"summary", "The council voted on a road."}})
        << "\n";
  }
  ~workspace() { fs::remove_all(dir); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(compare_on_xsum_trains_decodes_and_prints_rouge_beside_lead_1) {
  workspace w;
  const std::string gpta = GPTA_TEST_BINARY_DIR "/bin/gpta";
  const std::string common = " --task xsum --qwen-gguf " + (w.dir / "tiny.gguf").string() + " --data-dir " +
                             (w.dir / "data").string() +
                             " --train-docs 3 --dev-docs 2 --test-docs 3 --rounds 2 --epochs 1 --batch-size 2"
                             " --summary-tokens 6 --max-length 250 --lr 1e-2 --quiet";
  const auto r = run(gpta + " compare --student qwen0.5b --strategies none,fixed --seeds 1" + common + " --out " +
                     (w.dir / "out").string());
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  BOOST_TEST(r.output.find("ROUGE-1 F1") != std::string::npos, r.output);
  BOOST_TEST(r.output.find("lead-1") != std::string::npos, r.output);
  BOOST_TEST(r.output.find("3 training documents, test set of 3 documents") != std::string::npos, r.output);
  std::ifstream in(w.dir / "out" / "compare.json");
  const auto doc = boost::json::parse(std::string(std::istreambuf_iterator<char>(in), {})).as_object();
  BOOST_TEST_REQUIRE(doc.at("runs").as_array().size() == 2u);
  for (const auto& run : doc.at("runs").as_array()) {
    BOOST_TEST(run.at("test_metric").as_string() == "rougeL");
    BOOST_TEST(run.at("test_figures").as_array().size() == 3u);
  }
  // lead-1 of every test document is its first line, which shares "The council" with the reference.
  const auto lead = doc.at("lead_baseline").at("figures").as_array();
  BOOST_TEST(lead.at(0).to_number<double>() > 0.3);

  const auto refused = run(gpta + " train --student bow --strategy none" + common + " --out " + (w.dir / "bow").string());
  BOOST_TEST(refused.status != 0);
  BOOST_TEST(refused.output.find("error: flag --student: task 'xsum' needs a student that writes text") != std::string::npos,
             refused.output);
}
