#include <gpta/train/basic_trainer.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/prompt/no_prefix.hpp>

#include "support/archetypes.hpp"

namespace {

using gpta::test::make_binary_dataset;
using gpta::test::lines_strategy;
using gpta::test::oracle_student;

struct canned_transport {
  std::string reply;
  int calls = 0;
  gpta::chat_response complete(const gpta::chat_request&) {
    ++calls;
    gpta::chat_response r;
    r.choices.push_back({reply, "stop"});
    r.usage = {10, 5, 15};
    return r;
  }
};

struct counting_callback {
  int run_begin = 0, epochs = 0, rounds = 0, run_end = 0;
  void on_run_begin(const gpta::run_context&) { ++run_begin; }
  void on_epoch_end(const gpta::epoch_context&) { ++epochs; }
  void on_round_end(const gpta::round_context&) { ++rounds; }
  void on_run_end(const gpta::run_context&) { ++run_end; }
};

gpta::trainer_options quiet_options() {
  gpta::trainer_options o;
  o.rounds = 3;
  o.epochs_per_round = 1;
  o.batch_size = 10;
  o.probe_steps = 5;
  o.progress = false;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(accepts_the_candidate_that_wins_its_probe_and_counts_ta_accuracy) {
  auto train = make_binary_dataset(100, "train"), dev = make_binary_dataset(200, "dev"),
       test = make_binary_dataset(300, "test");
  canned_transport ta{"noise\n  sentiment\tsentiment \x01"};
  gpta::basic_trainer<oracle_student, lines_strategy, canned_transport> t(oracle_student{}, lines_strategy{}, ta,
                                                                         quiet_options());
  counting_callback cb;
  auto run = t.fit(train, dev, test, gpta::task_info{}, cb);

  BOOST_TEST_REQUIRE(run.rounds.size() == 3u);
  BOOST_TEST(run.rounds[0].prefix == "plain");
  // The winning candidate was sanitised (tab collapsed, control character dropped) before use.
  BOOST_TEST(run.rounds[1].prefix == "sentiment sentiment");
  BOOST_TEST_REQUIRE(run.rounds[0].candidates.size() == 2u);
  BOOST_TEST(!run.rounds[0].candidates[0].accepted);
  BOOST_TEST(run.rounds[0].candidates[1].accepted);
  BOOST_TEST(*run.rounds[0].ta_accuracy == 0.5);
  // Round 1: the incumbent already is "sentiment sentiment", so no candidate beats it.
  BOOST_TEST(*run.rounds[1].ta_accuracy == 0.0);
  BOOST_TEST(*run.ta_accuracy == 0.25);
  // Two feedback rounds (none after the last), each one TA request of 15 tokens.
  BOOST_TEST(t.transport().calls == 2);
  BOOST_TEST(run.ta_requests == 2u);
  BOOST_TEST(run.ta_tokens.total_tokens == 30);
  BOOST_TEST(t.strategy().feedback_calls == 2);
  // Probes never leak into the weights: 10 steps per round, 3 rounds.
  BOOST_TEST(t.student().steps() == 30u);
  BOOST_TEST(t.student().total_steps() > 30u);
  // Best by dev is the last round with the strong prefix; test used it.
  BOOST_TEST(run.best_prefix == "sentiment sentiment");
  BOOST_TEST_REQUIRE(run.test.has_value());
  BOOST_TEST(run.test->count == 300u);
  BOOST_TEST(std::string(to_string(run.status)) == "complete");
  BOOST_TEST(cb.run_begin == 1);
  BOOST_TEST(cb.epochs == 3);
  BOOST_TEST(cb.rounds == 3);
  BOOST_TEST(cb.run_end == 1);
  // Feedback is aggregate only: history sorted best first, per-class scores present.
  const auto& fb = t.strategy().last_feedback;
  BOOST_TEST(fb.round == 1);
  BOOST_TEST(fb.history.size() == 2u);
  BOOST_TEST(fb.history[0].score >= fb.history[1].score);
  BOOST_TEST(fb.per_class.size() == 2u);
  BOOST_TEST(fb.previous_dev_score.has_value());
}

BOOST_AUTO_TEST_CASE(keeps_the_incumbent_when_no_candidate_beats_it_by_the_margin) {
  auto train = make_binary_dataset(100, "train"), dev = make_binary_dataset(200, "dev");
  auto opts = quiet_options();
  opts.accept_margin = 0.5;  // unreachable
  gpta::basic_trainer<oracle_student, lines_strategy, canned_transport> t(
      oracle_student{}, lines_strategy{}, canned_transport{"sentiment"}, opts);
  auto run = t.fit(train, dev, {}, gpta::task_info{});
  for (const auto& r : run.rounds) BOOST_TEST(r.prefix == "plain");
  // Better in the paired comparison, but not by the margin: it does not count as beating it.
  const auto& c = run.rounds[0].candidates.at(0);
  BOOST_TEST(c.paired_gain > 0.0);
  BOOST_TEST(c.margin == 0.5);
  BOOST_TEST(!c.beat_incumbent);
  BOOST_TEST(!c.accepted);
  BOOST_TEST(*run.rounds[0].ta_accuracy == 0.0);
  BOOST_TEST(!run.test.has_value());
}

BOOST_AUTO_TEST_CASE(best_weights_are_restored_for_the_test_evaluation) {
  // Training makes this student worse, so round 0 is best and its weights must come back.
  auto train = make_binary_dataset(40, "train"), dev = make_binary_dataset(200, "dev"),
       test = make_binary_dataset(200, "test");
  auto opts = quiet_options();
  gpta::basic_trainer<oracle_student, gpta::fixed_prefix> t(oracle_student{-0.01}, gpta::fixed_prefix{"x"}, {},
                                                            opts);
  auto run = t.fit(train, dev, test, gpta::task_info{});
  BOOST_TEST(run.best_round == 0);
  BOOST_TEST(t.student().steps() == 4u);  // round 0's state: 4 steps of 10
  BOOST_TEST(run.rounds[2].dev.score < run.rounds[0].dev.score);
}

BOOST_AUTO_TEST_CASE(zero_epochs_keep_the_student_frozen_and_still_evaluate) {
  // Zero-shot: no training step in any round, yet dev and test are scored with the prefix.
  auto train = make_binary_dataset(40, "train"), dev = make_binary_dataset(200, "dev"),
       test = make_binary_dataset(200, "test");
  auto opts = quiet_options();
  opts.epochs_per_round = 0;
  opts.rounds = 1;
  counting_callback cb;
  gpta::basic_trainer<oracle_student, gpta::fixed_prefix> t(oracle_student{0.01}, gpta::fixed_prefix{"x"}, {}, opts);
  auto run = t.fit(train, dev, test, gpta::task_info{}, cb);
  BOOST_TEST(t.student().steps() == 0u);
  BOOST_TEST(cb.epochs == 0);
  BOOST_TEST(run.rounds.size() == 1u);
  BOOST_TEST_REQUIRE(run.test.has_value());
  BOOST_TEST(run.test->count == 200u);
  opts.epochs_per_round = -1;
  BOOST_CHECK_THROW((gpta::basic_trainer<oracle_student, gpta::no_prefix>(oracle_student{}, {}, {}, opts)),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(patience_stops_the_loop) {
  auto train = make_binary_dataset(40, "train"), dev = make_binary_dataset(200, "dev");
  auto opts = quiet_options();
  opts.rounds = 10;
  opts.patience = 2;
  gpta::basic_trainer<oracle_student, gpta::no_prefix> t(oracle_student{-0.01}, gpta::no_prefix{}, {}, opts);
  auto run = t.fit(train, dev, {}, gpta::task_info{});
  BOOST_TEST(run.rounds.size() == 3u);
  BOOST_TEST(std::string(to_string(run.status)) == "stopped_patience");
}

BOOST_AUTO_TEST_CASE(run_json_records_every_round_atomically) {
  const auto dir = std::filesystem::temp_directory_path() / ("gpta_trainer_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto train = make_binary_dataset(40, "train"), dev = make_binary_dataset(50, "dev"),
       test = make_binary_dataset(50, "test");
  gpta::basic_trainer<oracle_student, gpta::fixed_prefix> t(oracle_student{}, gpta::fixed_prefix{"hello"}, {},
                                                            quiet_options());
  t.record_to(dir, {{"task", "synthetic"}});
  struct peek {
    std::filesystem::path file;
    std::vector<std::size_t> seen;
    void on_round_end(const gpta::round_context&) {
      std::ifstream in(file);
      std::stringstream ss;
      ss << in.rdbuf();
      seen.push_back(boost::json::parse(ss.str()).at("result").at("rounds").as_array().size());
    }
  } cb{dir / "run.json", {}};
  auto run = t.fit(train, dev, test, gpta::task_info{}, cb);
  // The file on disk held each completed round by the time the callback ran.
  BOOST_TEST(cb.seen == (std::vector<std::size_t>{1, 2, 3}));
  std::ifstream in(dir / "run.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = boost::json::parse(ss.str()).as_object();
  BOOST_TEST(doc.at("config").at("task").as_string() == "synthetic");
  BOOST_TEST(doc.at("result").at("status").as_string() == "complete");
  BOOST_TEST(doc.at("result").at("rounds").at(2).at("prefix").as_string() == "hello");
  BOOST_TEST(doc.at("result").at("test").at("accuracy").as_double() == run.test->accuracy);
  // No temp file left behind.
  std::size_t files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++files;
  BOOST_TEST(files == 1u);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(rejects_misuse_with_named_errors) {
  gpta::trainer_options o = quiet_options();
  o.rounds = 0;
  BOOST_CHECK_THROW((gpta::basic_trainer<oracle_student, gpta::no_prefix>(oracle_student{}, {}, {}, o)),
                    std::invalid_argument);
  gpta::basic_trainer<oracle_student, gpta::no_prefix> t(oracle_student{}, {}, {}, quiet_options());
  BOOST_CHECK_THROW(t.fit({}, make_binary_dataset(2, "d"), {}, gpta::task_info{}), std::invalid_argument);
}
