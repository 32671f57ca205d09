// gpta-test-labels: integration cli
// gpta-test-seconds: 10
// `gpta compare --resume`: seeds run as separate processes into one --out, then one --resume call
// reuses every finished run and prints the same table (and paired statistics) as one compare of
// all seeds; an unfinished run is run again; a run recorded with another configuration is an
// error naming the field, and its record is left as it was.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <unistd.h>

#include "support/run_command.hpp"

namespace fs = std::filesystem;

namespace {

using gpta::test::run_command;
using gpta::test::slurp;

const std::string gpta_bin = GPTA_TEST_BINARY_DIR "/bin/gpta";
const std::string flags = " --task sst2 --student bow --data-dir " GPTA_TEST_SHARED_DATA_DIR
                          " --k-per-class 8 --dev-per-class 16 --test-size 200 --rounds 2 --epochs 2 --batch-size 8"
                          " --strategies none,fixed --prefix 'a movie review' --quiet";

fs::path fresh(const std::string& name) { return gpta::test::fresh_path("cli_" + name); }

/// The table rows and paired-statistics rows of a compare's output (what must not change).
std::vector<std::string> table_rows(const std::string& output) {
  std::vector<std::string> rows;
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);)
    if (l.rfind("none ", 0) == 0 || l.rfind("fixed ", 0) == 0) rows.push_back(l);
  return rows;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(seeds_run_apart_then_resume_tabulates_them_as_one_compare) {
  const fs::path whole = fresh("compare_whole"), parts = fresh("compare_parts");
  const auto all = run_command(gpta_bin + " compare" + flags + " --seeds 1,2 --out " + whole.string());
  BOOST_TEST_REQUIRE(all.status == 0, all.output);
  const auto rows = table_rows(all.output);
  BOOST_TEST_REQUIRE(rows.size() == 3u, all.output);  // none, fixed, fixed paired against none

  for (const char* seed : {"1", "2"}) {
    const auto one = run_command(gpta_bin + " compare" + flags + " --seeds " + seed + " --out " + parts.string());
    BOOST_TEST_REQUIRE(one.status == 0, one.output);
  }
  const auto resumed = run_command(gpta_bin + " compare" + flags + " --seeds 1,2 --resume --out " + parts.string());
  BOOST_TEST_REQUIRE(resumed.status == 0, resumed.output);
  BOOST_TEST(count(resumed.output, "reusing the finished run") == 4u, resumed.output);
  BOOST_TEST(table_rows(resumed.output) == rows, resumed.output);
  const auto doc = boost::json::parse(slurp(parts / "compare.json"));
  BOOST_TEST(doc.at("runs").as_array().size() == 4u);

  // An unfinished run is run again (bow checkpoints: it continues), the others are reused.
  const fs::path record = parts / "fixed" / "seed-2" / "run.json";
  auto run = boost::json::parse(slurp(record)).as_object();
  run["result"].as_object()["status"] = "running";
  run["result"].as_object()["test"] = nullptr;
  std::ofstream(record) << boost::json::serialize(run);
  const auto again = run_command(gpta_bin + " compare" + flags + " --seeds 1,2 --resume --out " + parts.string());
  BOOST_TEST_REQUIRE(again.status == 0, again.output);
  BOOST_TEST(count(again.output, "reusing the finished run") == 3u, again.output);
  BOOST_TEST(again.output.find("running " + (parts / "fixed" / "seed-2").string() + " again: it did not finish") !=
                 std::string::npos,
             again.output);
  BOOST_TEST(table_rows(again.output) == rows, again.output);

  // Another configuration: one error naming the file and the field; nothing overwritten.
  const std::string before = slurp(parts / "none" / "seed-1" / "run.json");
  const auto other = run_command(gpta_bin + " compare" + flags + " --rounds 3 --seeds 1,2 --resume --out " + parts.string());
  BOOST_TEST(other.status != 0);
  BOOST_TEST(other.output.find((parts / "none" / "seed-1" / "run.json").string() +
                               " was recorded with a different configuration (field 'rounds')") != std::string::npos,
             other.output);
  BOOST_TEST(slurp(parts / "none" / "seed-1" / "run.json") == before);
  fs::remove_all(whole);
  fs::remove_all(parts);
}
