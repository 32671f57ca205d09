// gpta-test-labels: integration examples
// The embedding examples (examples/embedding/) run on the shared SST-2 file: your own loop with
// prefix_tuner against a scripted TA on loopback (the real HTTP transport), a custom strategy
// through the registry, a custom student, and a JSONL callback.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "support/llm_test_server.hpp"
#include "support/scripted_ta.hpp"
#include "support/run_command.hpp"

namespace {

using gpta::test::run_command;

const std::string bin = GPTA_TEST_BINARY_DIR "/bin/";
const std::string data_dir = GPTA_TEST_SHARED_DATA_DIR;

std::vector<boost::json::object> json_lines(const std::string& text) {
  std::vector<boost::json::object> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] == '{') out.push_back(boost::json::parse(l).as_object());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(own_loop_drives_prefix_tuner_against_a_real_http_ta) {
  gpta::test::llm_test_server ta = gpta::test::fresh_prefixes_ta();
  const auto r =
      run_command("OPENAI_BASE_URL=" + ta.base_url() + " " + bin + "gpta_example_own_loop " + data_dir + " 3");
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  const auto lines = json_lines(r.output);
  BOOST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0].at("prefix").as_string() == "great film or awful film");  // the TA's first prefix
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(lines[i].at("round").as_int64() == i);
    const std::string prefix(lines[i].at("prefix").as_string());
    BOOST_TEST((prefix == "great film or awful film" || prefix.find(" review") != std::string::npos ||
                prefix.rfind("good or bad ", 0) == 0),
               prefix);  // the first prefix or one the TA proposed
    BOOST_TEST(!lines[i].contains("ta_error"));
    const double acc = lines[i].at("dev_accuracy").as_double();
    BOOST_TEST((acc >= 0.0 && acc <= 1.0));
  }
  BOOST_TEST(lines[0].at("candidates").as_int64() == 2);  // both revised prefixes reached the loop
  BOOST_TEST(lines[1].at("candidates").as_int64() == 2);
  BOOST_TEST(!lines[2].contains("candidates"));  // no request after the last round
  BOOST_TEST(lines[3].at("feedbacks_sent").as_int64() == 2);
  BOOST_TEST(lines[3].at("ta_requests").as_int64() == static_cast<std::int64_t>(ta.requests().size()));
  BOOST_TEST(ta.requests().size() >= 3u);
}

BOOST_AUTO_TEST_CASE(custom_strategy_runs_through_the_registry_and_its_candidates_are_probed) {
  const auto r = run_command(bin + "gpta_example_custom_strategy " + data_dir + " templates");
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  const auto lines = json_lines(r.output);
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0].at("strategy").as_string() == "templates");
  // Asked after rounds 0..2 of 4: templates 1-2, 2-3 and 3-4 are probed.
  BOOST_TEST(lines[0].at("candidates_probed").as_int64() == 6);
  const std::set<std::string> templates{"movie review:", "is this review positive or negative?",
                                        "sentiment of the sentence:", "the critic's opinion of the film:",
                                        "sst2 sentence:"};
  BOOST_TEST(templates.count(std::string(lines[0].at("best_prefix").as_string())) == 1u);

  const auto none = run_command(bin + "gpta_example_custom_strategy " + data_dir + " none");
  BOOST_TEST_REQUIRE(none.status == 0, none.output);
  const auto n = json_lines(none.output);
  BOOST_REQUIRE(n.size() == 1u);
  BOOST_TEST(n[0].at("best_prefix").as_string() == "");
  BOOST_TEST(n[0].at("candidates_probed").as_int64() == 0);

  const auto bad = run_command(bin + "gpta_example_custom_strategy " + data_dir + " psychic");
  BOOST_TEST(WEXITSTATUS(bad.status) == 2);
  BOOST_TEST(bad.output.find("templates: the user's hand-written prefixes, tried in turn") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(custom_student_trains_through_basic_trainer) {
  const auto a = run_command(bin + "gpta_example_custom_student " + data_dir);
  BOOST_TEST_REQUIRE(a.status == 0, a.output);
  const auto lines = json_lines(a.output);
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0].at("rounds").as_int64() == 2);
  BOOST_TEST(lines[0].at("test_count").as_int64() == 200);
  // Before any example is seen every similarity is 0, so the loss is exactly log 2 (two classes);
  // once the centroids hold the training sentences, dev accuracy is above chance.
  BOOST_TEST(lines[0].at("untrained_dev_loss").as_double() == std::log(2.0), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(lines[0].at("first_train_loss").as_double() > 0.0);
  BOOST_TEST(lines[0].at("dev_accuracy").as_double() > 0.5);
  const auto b = run_command(bin + "gpta_example_custom_student " + data_dir);
  BOOST_TEST(b.output == a.output);  // deterministic
}

BOOST_AUTO_TEST_CASE(jsonl_callback_logs_every_hook) {
  const auto log = std::filesystem::temp_directory_path() / ("gpta_example_" + std::to_string(::getpid()) + ".jsonl");
  const auto r = run_command(bin + "gpta_example_jsonl_callback " + data_dir + " " + log.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  const auto lines = json_lines(text.str());
  std::filesystem::remove(log);
  BOOST_REQUIRE(lines.size() == 1u + 3u * 2u + 3u + 1u);  // begin, 2 epochs x 3 rounds, 3 rounds, end
  BOOST_TEST(lines.front().at("event").as_string() == "run_begin");
  BOOST_TEST(lines.back().at("event").as_string() == "run_end");
  for (int round = 0; round < 3; ++round) {
    const auto& e0 = lines[1 + round * 3];
    const auto& e1 = lines[2 + round * 3];
    const auto& rr = lines[3 + round * 3];
    BOOST_TEST(e0.at("event").as_string() == "epoch");
    BOOST_TEST(e0.at("epoch").as_int64() == 0);
    BOOST_TEST(e1.at("epoch").as_int64() == 1);
    BOOST_TEST(e0.at("steps").as_int64() == 4);  // 32 training sentences in batches of 8
    BOOST_TEST(rr.at("event").as_string() == "round");
    BOOST_TEST(rr.at("round").as_int64() == round);
    // The round's train loss is the mean over its two epochs.
    BOOST_TEST(rr.at("train_loss").as_double() ==
                   (e0.at("loss").as_double() + e1.at("loss").as_double()) / 2.0,
               boost::test_tools::tolerance(1e-9));
  }
}
