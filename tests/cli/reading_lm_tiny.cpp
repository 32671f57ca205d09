// gpta-test-labels: integration cli
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

// `gpta compare|train|eval --task squad|race --student qwen0.5b` end to end on a tiny random Qwen2
// GGUF and the shared data: the causal LM writes SQuAD answers (EM/F1) and scores RACE option
// letters (accuracy), the run keeps its adapters, and `gpta eval` scores them on another file with
// exactly the figures the run printed for it.

#include "support/qwen2_tiny_gguf.hpp"
#include "support/run_command.hpp"

namespace fs = std::filesystem;

namespace {

using gpta::test::run_command;

struct workspace {
  fs::path dir = fs::temp_directory_path() / ("gpta_cli_reading_lm_" + std::to_string(::getpid()));
  workspace() {
    fs::create_directories(dir / "race");
    gpta::test::write_tiny_qwen2_gguf(dir / "tiny.gguf", 3);
    // A SQuAD-format file of 3 questions and a folder of one RACE passage with 2 questions.
    std::ofstream(dir / "squad.json") << R"({"version": "1.1", "data": [{"title": "T", "paragraphs": [{"context":
      "The council met on Monday. It voted on the new road.", "qas": [
      {"id": "s1", "question": "When did the council meet?", "answers": [{"answer_start": 19, "text": "Monday"}]},
      {"id": "s2", "question": "Who met?", "answers": [{"answer_start": 0, "text": "The council"}]},
      {"id": "s3", "question": "What was voted on?", "answers": [{"answer_start": 39, "text": "the new road"}]}]}]}]})";
    std::ofstream(dir / "race" / "middle1.txt") << R"({"id": "middle1.txt", "article": "Tom has a red bike. He rides it to school.",
      "questions": ["What colour is the bike?", "Tom rides to _ ."], "options": [["red", "blue", "green", "black"],
      ["school", "town", "work", "the sea"]], "answers": ["A", "A"]})";
  }
  ~workspace() { fs::remove_all(dir); }
};

std::string line_starting(const std::string& text, const std::string& head) {
  const auto at = text.find("\n" + head);
  if (at == std::string::npos) return text.rfind(head, 0) == 0 ? text.substr(0, text.find('\n')) : "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(squad_and_race_train_on_the_causal_lm_and_eval_reproduces_the_runs_scores) {
  workspace w;
  const std::string gpta = GPTA_TEST_BINARY_DIR "/bin/gpta";
  const std::string common = " --student qwen0.5b --qwen-gguf " + (w.dir / "tiny.gguf").string() +
                             " --data-dir " GPTA_TEST_SHARED_DATA_DIR
                             " --train-questions 4 --dev-questions 2 --test-questions 3 --rounds 1 --epochs 1"
                             " --batch-size 2 --max-length 250 --lr 1e-2 --quiet";
  for (const std::string task : {"squad", "race"}) {
    const fs::path eval_file = task == "squad" ? w.dir / "squad.json" : w.dir / "race";
    const fs::path out = w.dir / ("out_" + task);
    const auto r = run_command(gpta + " compare --task " + task + " --strategies none,fixed --seeds 1" + common +
                               (task == "squad" ? " --summary-tokens 6" : "") + " --eval-file " + eval_file.string() +
                               " --out " + out.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(r.output.find("student qwen0.5b, 4 training questions, test set of 3 questions") != std::string::npos,
               r.output);
    BOOST_TEST(r.output.find(task == "squad" ? "test EM" : "test accuracy") != std::string::npos, r.output);
    std::ifstream in(out / "compare.json");
    const auto doc = boost::json::parse(std::string(std::istreambuf_iterator<char>(in), {})).as_object();
    const auto& runs = doc.at("runs").as_array();
    BOOST_TEST_REQUIRE(runs.size() == 2u);
    for (const auto& run : runs) {
      BOOST_TEST(run.at("test_metric").as_string() == (task == "squad" ? "f1" : "accuracy"));
      const double s = run.at("test_score").to_number<double>();
      BOOST_TEST((s >= 0.0 && s <= 1.0));
    }
    // The fixed run's adapters, scored again from disk on the same file: the same line.
    const fs::path run_dir = out / "fixed" / "seed-1";
    BOOST_TEST_REQUIRE(fs::exists(run_dir / "best" / "student.ckpt"));
    const fs::path record = run_dir / "eval" / (eval_file.filename().string() + ".json");
    std::ifstream rec_in(record);
    BOOST_TEST_REQUIRE(rec_in.good());
    const auto rec = boost::json::parse(std::string(std::istreambuf_iterator<char>(rec_in), {})).as_object();
    const double in_run = rec.at("result").at("score").to_number<double>();
    rec_in.close();
    fs::remove(record);
    const auto e = run_command(gpta + " eval --run " + run_dir.string() + " --file " + eval_file.string());
    BOOST_TEST_REQUIRE(e.status == 0, e.output);
    const std::string line = line_starting(e.output, "on " + eval_file.string());
    BOOST_TEST(line.find(task == "squad" ? "(squad, 3 examples)" : "(race, 2 examples)") != std::string::npos, e.output);
    std::ifstream again_in(record);
    BOOST_TEST_REQUIRE(again_in.good());
    const auto again = boost::json::parse(std::string(std::istreambuf_iterator<char>(again_in), {})).as_object();
    BOOST_TEST(again.at("result").at("score").to_number<double>() == in_run);
  }
}
