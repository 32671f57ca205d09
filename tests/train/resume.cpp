#include <gpta/train/basic_trainer.hpp>

#include <filesystem>

#include <boost/test/unit_test.hpp>

#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/student/bow_classifier.hpp>

#include "support/archetypes.hpp"

namespace {

using student_t = gpta::student::bow_classifier;

/// Texts whose label is carried by a word, so the student learns and dev scores move round to round.
gpta::text_dataset make_words_dataset(std::size_t n, std::uint64_t salt) {
  gpta::text_dataset d;
  d.label_names = {"negative", "positive"};
  const char* neg[] = {"awful", "dull", "bad", "boring"};
  const char* pos[] = {"great", "fun", "good", "lovely"};
  for (std::size_t i = 0; i < n; ++i) {
    const int label = static_cast<int>((i * 7 + salt) % 2);
    std::string text = std::string(label ? pos[(i + salt) % 4] : neg[(i + salt) % 4]) + " film number " +
                       std::to_string(i * 13 + salt) + (i % 5 == 0 ? " but" : " and");
    d.examples.push_back({text, label});
  }
  return d;
}

/// Proposes the incumbent with a numbered suffix after every round, so prefixes change and the
/// replayed conversation matters.
struct counting_strategy {
  int calls = 0;
  gpta::prefix_proposal start(const gpta::task_info&) { return gpta::prefix_proposal::ready({"rate it"}); }
  gpta::prefix_proposal feedback(const gpta::round_feedback& f) {
    ++calls;
    return gpta::prefix_proposal::ready({f.incumbent + " v" + std::to_string(calls), "good or bad"});
  }
  gpta::prefix_proposal on_reply(const gpta::chat_response&) { return {}; }
  std::string_view name() const { return "counting"; }
};

struct crash_after_round {
  int round;
  void on_round_end(const gpta::round_context& c) {
    if (c.record.round == round) throw std::runtime_error("simulated crash");
  }
};

struct crash_mid_round {
  int round;
  void on_epoch_end(const gpta::epoch_context& c) {
    if (c.round == round && c.epoch == 1) throw std::runtime_error("simulated crash");
  }
};

using trainer_t = gpta::basic_trainer<student_t, counting_strategy>;

trainer_t make_trainer(const gpta::text_dataset& train, bool overlap = false) {
  gpta::trainer_options o;
  o.overlap = overlap;
  o.rounds = 4;
  o.epochs_per_round = 2;
  o.batch_size = 8;
  o.probe_steps = 3;
  o.progress = false;
  o.seed = 7;
  gpta::student::bow_options b;
  b.dim = 8;
  b.oov_buckets = 64;
  b.seed = 7;
  return trainer_t(student_t(student_t::fit_vocabulary(train.examples), 2, b), counting_strategy{}, {}, o);
}

std::filesystem::path fresh_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("gpta_resume_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d;
}

void check_same(const gpta::run_result& a, const gpta::run_result& b) {
  BOOST_TEST_REQUIRE(a.rounds.size() == b.rounds.size());
  for (std::size_t i = 0; i < a.rounds.size(); ++i) {
    BOOST_TEST(a.rounds[i].prefix == b.rounds[i].prefix);
    BOOST_TEST(a.rounds[i].next_prefix == b.rounds[i].next_prefix);
    BOOST_TEST(a.rounds[i].candidates.size() == b.rounds[i].candidates.size());
    BOOST_TEST(a.rounds[i].candidates_from_round.value_or(-1) == b.rounds[i].candidates_from_round.value_or(-1));
    BOOST_TEST(a.rounds[i].dev.accuracy == b.rounds[i].dev.accuracy, boost::test_tools::tolerance(1e-12));
    // Training losses depend on the weights and the batch order: equal only if both were restored.
    BOOST_TEST(a.rounds[i].train_loss == b.rounds[i].train_loss, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(a.rounds[i].dev.loss == b.rounds[i].dev.loss, boost::test_tools::tolerance(1e-12));
  }
  BOOST_TEST(a.best_round == b.best_round);
  BOOST_TEST(a.best_prefix == b.best_prefix);
  BOOST_TEST_REQUIRE(a.test.has_value());
  BOOST_TEST_REQUIRE(b.test.has_value());
  // The test score is computed, not read back, so it must match bit for bit.
  BOOST_TEST(a.test->accuracy == b.test->accuracy);
  BOOST_TEST(a.test->loss == b.test->loss);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_run_crashed_after_a_round_resumes_to_the_same_result) {
  const auto train = make_words_dataset(120, 1), dev = make_words_dataset(60, 2), test = make_words_dataset(80, 3);
  const auto dir_a = fresh_dir("a"), dir_b = fresh_dir("b");
  auto ta = make_trainer(train);
  ta.record_to(dir_a, {{"k", 1}});
  const auto whole = ta.fit(train, dev, test, gpta::task_info{});

  auto first = make_trainer(train);
  BOOST_TEST(!first.resume(dir_b, {{"k", 1}}));  // nothing to resume yet
  BOOST_CHECK_THROW(first.fit(train, dev, test, gpta::task_info{}, crash_after_round{1}), std::runtime_error);
  BOOST_TEST(std::filesystem::exists(dir_b / "state" / "trainer.json"));

  auto second = make_trainer(train);
  BOOST_TEST(second.resume(dir_b, {{"k", 1}}));
  const auto resumed = second.fit(train, dev, test, gpta::task_info{});
  check_same(whole, resumed);
  // The strategy was replayed for the two feedbacks before the crash, then asked once more.
  BOOST_TEST(second.strategy().calls == 3);
  std::filesystem::remove_all(dir_a);
  std::filesystem::remove_all(dir_b);
}

BOOST_AUTO_TEST_CASE(with_overlap_the_request_in_flight_at_the_crash_is_sent_again_on_resume) {
  const auto train = make_words_dataset(120, 1), dev = make_words_dataset(60, 2), test = make_words_dataset(80, 3);
  const auto dir_a = fresh_dir("ova"), dir_b = fresh_dir("ovb");
  auto ta = make_trainer(train, true);
  ta.record_to(dir_a, {});
  const auto whole = ta.fit(train, dev, test, gpta::task_info{});
  BOOST_TEST(ta.strategy().calls == 2);  // feedback after rounds 0 and 1 of 4
  BOOST_TEST(whole.rounds.at(2).candidates_from_round.value_or(-1) == 1);

  // Crash after round 1: the feedback of round 1 is in flight; its candidates are not probed yet.
  auto first = make_trainer(train, true);
  first.record_to(dir_b, {});
  BOOST_CHECK_THROW(first.fit(train, dev, test, gpta::task_info{}, crash_after_round{1}), std::runtime_error);
  auto second = make_trainer(train, true);
  BOOST_TEST(second.resume(dir_b, {}));
  const auto resumed = second.fit(train, dev, test, gpta::task_info{});
  check_same(whole, resumed);
  BOOST_TEST(resumed.rounds.at(2).candidates.size() == 2u);
  // Round 0's feedback replayed, round 1's sent again: the conversation matches the whole run's.
  BOOST_TEST(second.strategy().calls == 2);
  std::filesystem::remove_all(dir_a);
  std::filesystem::remove_all(dir_b);
}

BOOST_AUTO_TEST_CASE(a_run_crashed_mid_round_redoes_that_round) {
  const auto train = make_words_dataset(120, 1), dev = make_words_dataset(60, 2), test = make_words_dataset(80, 3);
  const auto dir_a = fresh_dir("c"), dir_b = fresh_dir("d");
  auto ta = make_trainer(train);
  ta.record_to(dir_a, {});
  const auto whole = ta.fit(train, dev, test, gpta::task_info{});

  auto first = make_trainer(train);
  first.record_to(dir_b, {});
  BOOST_CHECK_THROW(first.fit(train, dev, test, gpta::task_info{}, crash_mid_round{2}), std::runtime_error);
  auto second = make_trainer(train);
  BOOST_TEST(second.resume(dir_b, {}));
  check_same(whole, second.fit(train, dev, test, gpta::task_info{}));
  std::filesystem::remove_all(dir_a);
  std::filesystem::remove_all(dir_b);
}

BOOST_AUTO_TEST_CASE(resume_refuses_a_different_configuration_and_names_the_field) {
  const auto train = make_words_dataset(40, 1), dev = make_words_dataset(20, 2);
  const auto dir = fresh_dir("e");
  auto first = make_trainer(train);
  first.record_to(dir, {{"lr", 0.1}, {"task", "x"}});
  BOOST_CHECK_THROW(first.fit(train, dev, {}, gpta::task_info{}, crash_after_round{0}), std::runtime_error);
  auto second = make_trainer(train);
  try {
    second.resume(dir, {{"lr", 0.2}, {"task", "x"}});
    BOOST_FAIL("resume accepted a different configuration");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("'lr'") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_corrupt_state_file_is_an_error_naming_the_file) {
  const auto train = make_words_dataset(40, 1);
  const auto dir = fresh_dir("f");
  std::filesystem::create_directories(dir / "state");
  gpta::detail::write_file_atomic(dir / "state" / "trainer.json", "{\"format\": \"gpta.trainer_state/1\", \"completed");
  auto t = make_trainer(train);
  try {
    t.resume(dir, {});
    BOOST_FAIL("a corrupt state file was accepted");
  } catch (const gpta::data_error& e) {
    BOOST_TEST(std::string(e.what()).find("trainer.json") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
