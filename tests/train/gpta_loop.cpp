// gpta-test-labels: integration
// The whole GPTA loop on real SST-2 data: bow student, dialogue-gradient strategy, the real Beast
// transport to a loopback test server with deterministic TA answers, audited for exposure; then
// a crash and a resume whose TA answers come from the cache alone.
#include <gpta/train/basic_trainer.hpp>

#include <filesystem>

#include <boost/test/unit_test.hpp>

#include <gpta/data/registry.hpp>
#include <gpta/data/sampling.hpp>
#include <gpta/llm.hpp>
#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/student/bow_classifier.hpp>

#include "support/llm_test_server.hpp"

namespace {

using student_t = gpta::student::bow_classifier;
using gpta::test::server_action;

/// Round 0: one prefix. After each round: three, one of them mentioning the labels.
server_action deterministic_ta(const gpta::test::recorded_request& req, std::size_t) {
  const auto messages = req.json().at("messages").as_array();
  if (messages.size() <= 2) return server_action::ok("<prefix>Read the movie review.</prefix>");
  const std::size_t turn = messages.size();
  return server_action::ok("<prefix>Is this review positive or negative? (" + std::to_string(turn) +
                           ")</prefix>\n<prefix>Movie review follows.</prefix>\n<prefix>Sentiment: positive or "
                           "negative, turn " + std::to_string(turn) + ".</prefix>");
}

struct fixture {
  gpta::text_dataset train, dev, test;
  gpta::task_info task = gpta::data::default_task_info("sst2");
  fixture() {
    const auto all = gpta::data::load_sst2(std::filesystem::path(GPTA_TEST_SHARED_DATA_DIR) / "sst2" / "train.tsv");
    const auto split = gpta::data::low_resource_split(all, 300, 100, 500, 0, 3);
    train = subset(all, split.train);
    dev = subset(all, split.dev);
    test = subset(all, split.test);
  }
  std::vector<std::string> train_texts() const {
    std::vector<std::string> t;
    for (const auto& e : train.examples) t.push_back(e.text);
    return t;
  }
};

gpta::trainer_options loop_options() {
  gpta::trainer_options o;
  o.rounds = 3;
  o.epochs_per_round = 2;
  o.batch_size = 16;
  o.candidates = 3;
  o.probe_steps = 10;
  o.progress = false;
  o.seed = 11;
  return o;
}

student_t make_student(const fixture& f) {
  gpta::student::bow_options b;
  b.seed = 11;
  return student_t(student_t::fit_vocabulary(f.train.examples), 2, b);
}

gpta::dialogue_gradient make_strategy() {
  gpta::dialogue_gradient_options o;
  o.ta.model = "test-model";
  o.ta.seed = 1;
  return gpta::dialogue_gradient(o);
}

std::filesystem::path fresh(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("gpta_loop_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d;
}

struct crash_after_round {
  int round;
  void on_round_end(const gpta::round_context& c) {
    if (c.record.round == round) throw std::runtime_error("simulated crash");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_loop_runs_over_http_and_exposes_no_training_example, fixture) {
  gpta::test::llm_test_server server(deterministic_ta);
  gpta::openai_options oo;
  oo.base_url = server.base_url();
  gpta::openai_transport http(oo);
  const auto dir = fresh("http");
  std::filesystem::create_directories(dir);
  gpta::audited_transport<gpta::openai_transport&> audited(http, train_texts(),
                                                           {dir / "exposure.jsonl", 8, 4, std::size_t{0}});
  gpta::basic_trainer<student_t, gpta::dialogue_gradient, gpta::audited_transport<gpta::openai_transport&>&> t(
      make_student(*this), make_strategy(), audited, loop_options());
  t.record_to(dir);
  const auto run = t.fit(train, dev, test, task);

  // One request for round 0 and one after each round but the last; the second feedback answer
  // repeats "Movie review follows.", so the TA is asked once more for the missing candidate.
  BOOST_TEST(server.request_count() == 4u);
  BOOST_TEST(run.ta_requests == 4u);
  BOOST_TEST(run.ta_tokens.total_tokens == 4 * 12);
  // Diagnostics: every answer came through the tag parser (this server ignores the schema).
  BOOST_TEST(run.ta_stats.answers == 4u);
  BOOST_TEST(run.ta_stats.fallback_answers == 4u);
  BOOST_TEST(run.ta_stats.schema_answers == 0u);
  BOOST_TEST(run.ta_stats.duplicates == 2u);
  BOOST_TEST(run.ta_stats.new_candidates == 7u);  // 1 + 3 + 3
  BOOST_TEST(run.ta_stats.latency_seconds.size() == 4u);
  BOOST_TEST(run.rounds.at(1).ta_stats.corrections == 1u);
  BOOST_TEST(run.rounds.at(0).prefix == "Read the movie review.");
  BOOST_TEST(run.rounds.at(0).candidates.size() == 3u);
  BOOST_TEST_REQUIRE(run.ta_accuracy.has_value());
  BOOST_TEST(*run.ta_accuracy >= 0.0);
  BOOST_TEST(*run.ta_accuracy <= 1.0);
  // Privacy: nothing of the training data reached the TA - by the audit and by inspection.
  BOOST_TEST(audited.summary().examples_exposed == 0u);
  BOOST_TEST(audited.summary().requests == 4u);
  for (const auto& req : server.requests())
    for (const auto& e : train.examples)
      if (e.text.size() > 20) BOOST_TEST_REQUIRE(req.body.find(e.text) == std::string::npos);
  // The feedback turn carries the trainer's own dev score.
  const auto second = server.requests().at(1).json().at("messages").as_array();
  const std::string feedback = second.back().at("content").as_string().c_str();
  char score[16];
  std::snprintf(score, sizeof score, "%.4f", run.rounds.at(0).dev.score);
  BOOST_TEST(feedback.find(score) != std::string::npos);
  BOOST_TEST(std::filesystem::exists(dir / "exposure.jsonl"));
  BOOST_TEST(run.test.has_value());
  std::filesystem::remove_all(dir);
}

BOOST_FIXTURE_TEST_CASE(a_crashed_run_resumes_from_the_ta_cache_to_the_same_result, fixture) {
  gpta::test::llm_test_server server(deterministic_ta);
  gpta::openai_options oo;
  oo.base_url = server.base_url();
  gpta::openai_transport http(oo);
  const auto cache = fresh("cache"), whole_dir = fresh("whole"), crash_dir = fresh("crash");
  using cached_t = gpta::caching_transport<gpta::openai_transport&>;

  cached_t filling(http, {cache, gpta::cache_mode::read_write});
  gpta::basic_trainer<student_t, gpta::dialogue_gradient, cached_t&> whole(make_student(*this), make_strategy(),
                                                                          filling, loop_options());
  whole.record_to(whole_dir);
  const auto expected = whole.fit(train, dev, test, task);
  const std::size_t served = server.request_count();

  cached_t replay(http, {cache, gpta::cache_mode::replay_only});
  gpta::basic_trainer<student_t, gpta::dialogue_gradient, cached_t&> first(make_student(*this), make_strategy(),
                                                                          replay, loop_options());
  first.record_to(crash_dir);
  BOOST_CHECK_THROW(first.fit(train, dev, test, task, crash_after_round{0}), std::runtime_error);
  gpta::basic_trainer<student_t, gpta::dialogue_gradient, cached_t&> second(make_student(*this), make_strategy(),
                                                                           replay, loop_options());
  BOOST_TEST_REQUIRE(second.resume(crash_dir));
  const auto resumed = second.fit(train, dev, test, task);

  BOOST_TEST(server.request_count() == served);  // every TA answer came from the cache
  BOOST_TEST(replay.misses() == 0u);
  BOOST_TEST_REQUIRE(resumed.rounds.size() == expected.rounds.size());
  for (std::size_t i = 0; i < expected.rounds.size(); ++i) {
    BOOST_TEST(resumed.rounds[i].prefix == expected.rounds[i].prefix);
    BOOST_TEST(resumed.rounds[i].train_loss == expected.rounds[i].train_loss, boost::test_tools::tolerance(1e-12));
  }
  BOOST_TEST(resumed.test->accuracy == expected.test->accuracy);
  BOOST_TEST(resumed.test->loss == expected.test->loss);
  for (const auto& d : {cache, whole_dir, crash_dir}) std::filesystem::remove_all(d);
}

BOOST_FIXTURE_TEST_CASE(with_overlap_over_http_a_run_crashed_with_a_request_in_flight_resumes_to_the_same_result,
                        fixture) {
  // The TA answers slowly, so the request after a round is still open while the next one trains.
  gpta::test::llm_test_server server([](const gpta::test::recorded_request& r, std::size_t i) {
    return deterministic_ta(r, i).after(std::chrono::milliseconds(150));
  });
  gpta::openai_options oo;
  oo.base_url = server.base_url();
  gpta::openai_transport http(oo);
  const auto cache = fresh("ov_cache"), whole_dir = fresh("ov_whole"), crash_dir = fresh("ov_crash");
  using cached_t = gpta::caching_transport<gpta::openai_transport&>;
  auto opts = loop_options();
  opts.rounds = 4;
  opts.overlap = true;

  cached_t filling(http, {cache, gpta::cache_mode::read_write});
  gpta::basic_trainer<student_t, gpta::dialogue_gradient, cached_t&> whole(make_student(*this), make_strategy(),
                                                                          filling, opts);
  whole.record_to(whole_dir);
  const auto expected = whole.fit(train, dev, test, task);
  // Round 0's prefix, then feedback after rounds 0 and 1 (round 2's answer would have no round left);
  // the second feedback answer repeats a prefix and is asked again once.
  BOOST_TEST(server.request_count() == 4u);
  BOOST_TEST_REQUIRE(expected.rounds.size() == 4u);
  BOOST_TEST(expected.rounds[0].candidates.empty());
  BOOST_TEST(expected.rounds[1].candidates.size() == 3u);
  BOOST_TEST(expected.rounds[1].candidates_from_round.value_or(-1) == 0);
  BOOST_TEST(expected.rounds[2].candidates.size() == 3u);
  BOOST_TEST(expected.rounds[3].candidates.empty());
  const std::size_t served = server.request_count();

  // Crash after round 1: round 1's feedback is in flight and must be sent again on resume.
  cached_t replay(http, {cache, gpta::cache_mode::replay_only});
  gpta::basic_trainer<student_t, gpta::dialogue_gradient, cached_t&> first(make_student(*this), make_strategy(),
                                                                          replay, opts);
  first.record_to(crash_dir);
  BOOST_CHECK_THROW(first.fit(train, dev, test, task, crash_after_round{1}), std::runtime_error);
  gpta::basic_trainer<student_t, gpta::dialogue_gradient, cached_t&> second(make_student(*this), make_strategy(),
                                                                           replay, opts);
  BOOST_TEST_REQUIRE(second.resume(crash_dir));
  const auto resumed = second.fit(train, dev, test, task);

  BOOST_TEST(server.request_count() == served);
  BOOST_TEST(replay.misses() == 0u);
  BOOST_TEST_REQUIRE(resumed.rounds.size() == expected.rounds.size());
  for (std::size_t i = 0; i < expected.rounds.size(); ++i) {
    BOOST_TEST(resumed.rounds[i].prefix == expected.rounds[i].prefix);
    BOOST_TEST(resumed.rounds[i].candidates.size() == expected.rounds[i].candidates.size());
    BOOST_TEST(resumed.rounds[i].ta_tokens.total_tokens == expected.rounds[i].ta_tokens.total_tokens);
    BOOST_TEST(resumed.rounds[i].train_loss == expected.rounds[i].train_loss, boost::test_tools::tolerance(1e-12));
  }
  BOOST_TEST(resumed.test->accuracy == expected.test->accuracy);
  BOOST_TEST(resumed.test->loss == expected.test->loss);
  for (const auto& d : {cache, whole_dir, crash_dir}) std::filesystem::remove_all(d);
}
