// gpta-test-labels: integration mpi cli launcher
// `mpirun -np 2 gpta train ...` on the shared SST-2 file: the same losses, scores and prefixes as
// one process with the same global batch; rank 0 alone writes the record, prints, and talks to
// the TA (a scripted server on loopback); what mpirun cannot do yet is refused with one line.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "support/llm_test_server.hpp"
#include "support/scripted_ta.hpp"
#include "support/run_command.hpp"

namespace fs = std::filesystem;

namespace {

namespace tt = boost::test_tools;
using gpta::test::run_command;

const std::string gpta_bin = GPTA_TEST_BINARY_DIR "/bin/gpta";
const std::string mpirun = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader "
                           "OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1 "
                           "timeout 300 mpirun -np 2 --oversubscribe ";
const std::string flags = " train --task sst2 --student bow --data-dir " GPTA_TEST_SHARED_DATA_DIR
                          " --k-per-class 16 --dev-per-class 16 --test-size 200 --rounds 3 --epochs 2"
                          " --batch-size 8 --quiet";

fs::path fresh(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("gpta_mpi_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p;
}

boost::json::object result_of(const fs::path& dir) {
  std::ifstream in(dir / "run.json");
  std::stringstream s;
  s << in.rdbuf();
  return boost::json::parse(s.str()).as_object().at("result").as_object();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

void check_same_run(const boost::json::object& one, const boost::json::object& two) {
  const auto& r1 = one.at("rounds").as_array();
  const auto& r2 = two.at("rounds").as_array();
  BOOST_REQUIRE(r1.size() == r2.size());
  for (std::size_t i = 0; i < r1.size(); ++i) {
    const auto& a = r1[i].as_object();
    const auto& b = r2[i].as_object();
    BOOST_TEST(a.at("prefix").as_string() == b.at("prefix").as_string());
    BOOST_TEST(a.at("train_loss").to_number<double>() == b.at("train_loss").to_number<double>(), tt::tolerance(1e-4));
    BOOST_TEST(a.at("dev").at("score").to_number<double>() == b.at("dev").at("score").to_number<double>());
  }
  BOOST_TEST(one.at("test").at("accuracy").to_number<double>() == two.at("test").at("accuracy").to_number<double>());
}

}  // namespace

BOOST_AUTO_TEST_CASE(mpirun_train_matches_one_process) {
  const fs::path one = fresh("one"), two = fresh("two");
  const auto a = run_command(gpta_bin + flags + " --strategy fixed --out " + one.string());
  BOOST_TEST_REQUIRE(a.status == 0, a.output);
  const auto b = run_command(mpirun + gpta_bin + flags + " --strategy fixed --out " + two.string());
  BOOST_TEST_REQUIRE(b.status == 0, b.output);
  check_same_run(result_of(one), result_of(two));
  BOOST_TEST(count(b.output, "task sst2, student bow, strategy fixed") == 1u, b.output);  // rank 0 prints alone
  BOOST_TEST(b.output.find("data-parallel over 2 processes, global batch 8") != std::string::npos, b.output);
  fs::remove_all(one);
  fs::remove_all(two);
}

BOOST_AUTO_TEST_CASE(mpirun_dialogue_asks_the_ta_from_rank_0_only) {
  gpta::test::llm_test_server ta = gpta::test::fresh_prefixes_ta();
  const fs::path one = fresh("dialogue_one"), two = fresh("dialogue_two");
  const std::string ta_flags = " --strategy dialogue --candidates 2 --ta-base-url " + ta.base_url();
  const auto a = run_command(gpta_bin + flags + ta_flags + " --out " + one.string());
  BOOST_TEST_REQUIRE(a.status == 0, a.output);
  const std::size_t single_requests = ta.requests().size();
  const auto b = run_command(mpirun + gpta_bin + flags + ta_flags + " --out " + two.string());
  BOOST_TEST_REQUIRE(b.status == 0, b.output);
  const auto r1 = result_of(one), r2 = result_of(two);
  check_same_run(r1, r2);
  // The two ranks asked once between them: the same number of requests as the single process.
  BOOST_TEST(ta.requests().size() - single_requests == single_requests);
  BOOST_TEST(r2.at("ta_requests").to_number<std::size_t>() == single_requests);
  fs::remove_all(one);
  fs::remove_all(two);
}

BOOST_AUTO_TEST_CASE(mpirun_refuses_what_it_cannot_do_yet_with_one_line) {
  const fs::path dir = fresh("resume");
  const auto r = run_command(mpirun + gpta_bin + flags + " --strategy none --resume --out " + dir.string());
  BOOST_TEST(r.status != 0);
  BOOST_TEST(r.output.find("flag --resume: not under mpirun yet") != std::string::npos, r.output);
  fs::remove_all(dir);
}
