// gpta-test-labels: integration cli
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

// `gpta compare --task xsum` end to end on a tiny random Qwen2 GGUF and a tiny XSum-format file:
// the summariser trains, decodes and is scored by ROUGE beside the lead-1 baseline; a student
// that cannot write text is refused with a message naming the flag. `gpta train --strategy
// dialogue` against a scripted TA on loopback: the run's table prints ROUGE, and the feedback turn
// carries the summary figures and no text of any document.

#include "support/llm_test_server.hpp"
#include "support/run_command.hpp"
#include "support/qwen2_tiny_gguf.hpp"

namespace fs = std::filesystem;

namespace {

using gpta::test::run_command;

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
  const auto r = run_command(gpta + " compare --student qwen0.5b --strategies none,fixed --seeds 1,2" + common + " --out " +
                     (w.dir / "out").string());
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  BOOST_TEST(r.output.find("ROUGE-1 F1") != std::string::npos, r.output);
  BOOST_TEST(r.output.find("lead-1") != std::string::npos, r.output);
  BOOST_TEST(r.output.find("3 training documents, test set of 3 documents") != std::string::npos, r.output);
  std::ifstream in(w.dir / "out" / "compare.json");
  const auto doc = boost::json::parse(std::string(std::istreambuf_iterator<char>(in), {})).as_object();
  BOOST_TEST_REQUIRE(doc.at("runs").as_array().size() == 4u);
  for (const auto& run : doc.at("runs").as_array()) {
    BOOST_TEST(run.at("test_metric").as_string() == "rougeL");
    BOOST_TEST(run.at("test_figures").as_array().size() == 3u);
  }
  // fixed against none, paired by seed: the mean of the two per-seed test differences, and a
  // bootstrap over the 2 x 3 test documents.
  BOOST_TEST(r.output.find("paired against none") != std::string::npos, r.output);
  const auto& runs = doc.at("runs").as_array();
  const auto score = [&](std::size_t i) { return runs[i].at("test_score").to_number<double>(); };
  const auto paired = doc.at("paired_vs_none").as_array();
  BOOST_TEST_REQUIRE(paired.size() == 1u);
  BOOST_TEST(paired[0].at("strategy").as_string() == "fixed");
  BOOST_TEST(paired[0].at("seeds").to_number<std::size_t>() == 2u);
  BOOST_TEST(paired[0].at("mean_difference").to_number<double>() ==
                 ((score(2) - score(0)) + (score(3) - score(1))) / 2, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(paired[0].at("bootstrap").at("examples").to_number<std::size_t>() == 6u);
  BOOST_TEST(paired[0].at("bootstrap").at("difference").to_number<double>() ==
                 paired[0].at("mean_difference").to_number<double>(), boost::test_tools::tolerance(1e-12));
  // lead-1 of every test document is its first line, which shares "The council" with the reference.
  const auto lead = doc.at("lead_baseline").at("figures").as_array();
  BOOST_TEST(lead.at(0).to_number<double>() > 0.3);

  // An unfinished summariser run: the summariser cannot be checkpointed, so `compare --resume`
  // runs it afresh (it used to fail with "student 'qwen0.5b' cannot be checkpointed yet (these
  // can: bow, qwen0.5b)"), reuses the other three, and gives the same table.
  const fs::path record = w.dir / "out" / "fixed" / "seed-2" / "run.json";
  auto unfinished = boost::json::parse(gpta::test::slurp(record)).as_object();
  unfinished["result"].as_object()["status"] = "running";
  unfinished["result"].as_object()["test"] = nullptr;
  std::ofstream(record) << boost::json::serialize(unfinished);
  const auto resumed = run_command(gpta + " compare --student qwen0.5b --strategies none,fixed --seeds 1,2" + common +
                                   " --resume --out " + (w.dir / "out").string());
  BOOST_TEST_REQUIRE(resumed.status == 0, resumed.output);
  BOOST_TEST(resumed.output.find("cannot continue a run, so " + (w.dir / "out" / "fixed" / "seed-2").string() +
                                 " starts afresh") != std::string::npos,
             resumed.output);
  const auto again = boost::json::parse(gpta::test::slurp(record));
  BOOST_TEST(again.at("result").at("status").as_string() == "complete");
  const auto redone = boost::json::parse(gpta::test::slurp(w.dir / "out" / "compare.json"));
  BOOST_TEST(redone.at("paired_vs_none").as_array().at(0).at("mean_difference").to_number<double>() ==
                 paired[0].at("mean_difference").to_number<double>(), boost::test_tools::tolerance(1e-9));
  // `gpta train --resume` on such a run says why it cannot, naming the student and the task.
  const auto no_resume = run_command(gpta + " train --student qwen0.5b --strategy fixed --seed 2" + common +
                                     " --resume --out " + (w.dir / "out" / "fixed" / "seed-2").string());
  BOOST_TEST(no_resume.status != 0);
  BOOST_TEST(no_resume.output.find("error: flag --resume: the qwen0.5b student of task 'xsum' cannot be checkpointed "
                                   "yet; run it again without --resume") != std::string::npos,
             no_resume.output);

  const auto refused = run_command(gpta + " train --student bow --strategy none" + common + " --out " + (w.dir / "bow").string());
  BOOST_TEST(refused.status != 0);
  BOOST_TEST(refused.output.find("error: flag --student: task 'xsum' needs a student that writes text") != std::string::npos,
             refused.output);
}

BOOST_AUTO_TEST_CASE(dialogue_on_xsum_tells_a_scripted_ta_the_summary_figures_and_no_document_text) {
  workspace w;
  using gpta::test::server_action;
  gpta::test::llm_test_server ta([](const gpta::test::recorded_request& req, std::size_t) {
    if (req.json().at("messages").as_array().size() <= 2)
      return server_action::ok("<prefix>Summarise the article in one short sentence.</prefix>");
    return server_action::ok("<prefix>Say what the council decided.</prefix>\n<prefix>Name who acted and what "
                             "they did.</prefix>");
  });
  const std::string gpta = GPTA_TEST_BINARY_DIR "/bin/gpta";
  const auto r = run_command(gpta + " train --task xsum --student qwen0.5b --strategy dialogue --qwen-gguf " +
                     (w.dir / "tiny.gguf").string() + " --data-dir " + (w.dir / "data").string() +
                     " --train-docs 3 --dev-docs 2 --test-docs 2 --rounds 2 --epochs 1 --batch-size 2"
                     " --summary-tokens 6 --max-length 250 --lr 1e-2 --candidates 2 --probe-steps 1 --probe-dev 2"
                     " --ta-format tags --ta-base-url " + ta.base_url() + " --quiet --out " +
                     (w.dir / "dialogue").string());
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  // The run's table speaks ROUGE, not the classifiers' accuracy (which a summariser leaves at 0):
  // the test line's ROUGE-L is the run record's test score.
  BOOST_TEST(r.output.find("round  train_loss  dev_R1   dev_R2   dev_RL   prefix") != std::string::npos, r.output);
  const auto record = boost::json::parse(gpta::test::slurp(w.dir / "dialogue" / "run.json"));
  const auto& test = record.at("result").at("test");
  BOOST_TEST_REQUIRE(test.at("metric").as_string() == "rougeL");
  char rouge_l[32];
  std::snprintf(rouge_l, sizeof rouge_l, "%.4f", test.at("score").to_number<double>());
  BOOST_TEST(r.output.find(std::string(", ROUGE-L ") + rouge_l + " F1 on 2 documents") != std::string::npos,
             rouge_l << " not in:\n" << r.output);
  BOOST_TEST(r.output.find("accuracy 0.0000, macro-F1") == std::string::npos, r.output);
  const auto requests = ta.requests();
  BOOST_TEST_REQUIRE(requests.size() >= 2u);
  std::string feedback;
  for (const auto& q : requests) {
    const auto messages = q.json().at("messages").as_array();
    if (messages.size() > 2) feedback = messages.back().at("content").as_string().c_str();
    // No document or reference text reaches the TA (every document starts "The council met on day").
    BOOST_TEST(q.body.find("council met") == std::string::npos);
    BOOST_TEST(q.body.find("voted on the new road") == std::string::npos);
  }
  BOOST_TEST_REQUIRE(!feedback.empty());
  for (const char* want : {"dev rougeL:", "- dev scores per ROUGE variant:", "  - rouge2: ", "- other dev figures:",
                           "  - mean predicted length (words): ", "  - mean reference length (words): 6.0000",
                           "  - share of predictions copying a lead sentence: ", "  - repetition rate (repeated trigrams): ",
                           "  - share of novel bigrams: ", "The weakest ROUGE variant is"})
    BOOST_TEST(feedback.find(want) != std::string::npos, "missing \"" << want << "\" in:\n" << feedback);
}
