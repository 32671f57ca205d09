// Overlap mode of basic_trainer: the TA request after round r is in flight while round r+1
// trains; its candidates are probed at the end of round r+1 and train from round r+2 on.
#include <gpta/train/basic_trainer.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "support/archetypes.hpp"

namespace {

using gpta::test::make_binary_dataset;
using gpta::test::lines_strategy;
using gpta::test::oracle_student;

/// What the training thread and the TA's thread see of each other.
struct rendezvous {
  std::atomic<int> epochs{0};  ///< finished epochs
  std::atomic<int> open{0};    ///< TA requests in progress
};

/// Counts finished epochs. In rounds `from`..`to` (where a request must be in flight with
/// overlap) it first waits, bounded, for the request to open, so the test does not depend on how
/// fast the TA's thread starts.
struct epoch_counter {
  rendezvous* sync;
  int from = 1, to = -1;
  void on_epoch_end(const gpta::epoch_context& c) {
    if (c.round >= from && c.round <= to) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (sync->open.load() == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    sync->epochs.fetch_add(1);
  }
};

/// Answers only once the student has finished an epoch since the request arrived (or after
/// `patience`), and records whether it saw that training progress while the request was open.
struct watching_transport {
  rendezvous* sync;
  std::chrono::milliseconds patience{10000};
  std::string reply = "sentiment first\nplain";
  int calls = 0, saw_training = 0;
  bool fail = false;
  gpta::chat_response complete(const gpta::chat_request&) {
    ++calls;
    const int at_start = sync->epochs.load();
    sync->open.fetch_add(1);
    const auto until = std::chrono::steady_clock::now() + patience;
    while (sync->epochs.load() == at_start && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (sync->epochs.load() != at_start) ++saw_training;
    sync->open.fetch_sub(1);
    if (fail) throw std::runtime_error("TA unreachable (test)");
    gpta::chat_response r;
    r.choices.push_back({reply, "stop"});
    r.usage = {10, 5, 15};
    return r;
  }
};

gpta::trainer_options overlap_options() {
  gpta::trainer_options o;
  o.rounds = 4;
  o.epochs_per_round = 1;
  o.batch_size = 10;
  o.probe_steps = 5;
  o.progress = false;
  o.overlap = true;
  return o;
}

using trainer_t = gpta::basic_trainer<oracle_student, lines_strategy, watching_transport&>;

}  // namespace

BOOST_AUTO_TEST_CASE(candidates_asked_after_round_r_are_probed_after_round_r_plus_1_and_train_from_r_plus_2) {
  const auto train = make_binary_dataset(100, "train"), dev = make_binary_dataset(200, "dev"),
             test = make_binary_dataset(100, "test");
  rendezvous sync;
  watching_transport ta{&sync};
  trainer_t t(oracle_student{}, lines_strategy{}, ta, overlap_options());
  const auto run = t.fit(train, dev, test, gpta::task_info{}, epoch_counter{&sync, 1, 2});

  BOOST_TEST_REQUIRE(run.rounds.size() == 4u);
  // Asked after rounds 0 and 1 only: after round 2 no round would be left to train the answer.
  BOOST_TEST(t.strategy().feedback_rounds == std::vector<int>({0, 1}), boost::test_tools::per_element());
  BOOST_TEST(ta.calls == 2);
  BOOST_TEST(run.ta_requests == 2u);
  BOOST_TEST(run.ta_tokens.total_tokens == 30);
  // Round 0 probes nothing; round 1 probes round 0's candidates, round 2 round 1's.
  BOOST_TEST(run.rounds[0].candidates.empty());
  BOOST_TEST(!run.rounds[0].candidates_from_round.has_value());
  BOOST_TEST(run.rounds[1].candidates_from_round.value_or(-1) == 0);
  BOOST_TEST(run.rounds[2].candidates_from_round.value_or(-1) == 1);
  BOOST_TEST(run.rounds[3].candidates.empty());
  BOOST_TEST(!run.rounds[3].candidates_from_round.has_value());
  // One round of lag: round 1 still trains with "plain", the accepted candidate from round 2 on.
  BOOST_TEST(run.rounds[1].prefix == "plain");
  BOOST_TEST_REQUIRE(run.rounds[1].candidates.size() == 2u);
  BOOST_TEST(run.rounds[1].candidates[0].accepted);
  BOOST_TEST(run.rounds[1].next_prefix == "sentiment first");
  BOOST_TEST(run.rounds[2].prefix == "sentiment first");
  BOOST_TEST(run.rounds[3].prefix == "sentiment first");
  // Tokens are counted in the round that received the answer.
  BOOST_TEST(run.rounds[0].ta_tokens.total_tokens == 0);
  BOOST_TEST(run.rounds[1].ta_tokens.total_tokens == 15);
  // Probes never leak into the weights: 10 steps per round.
  BOOST_TEST(t.student().steps() == 40u);
  BOOST_TEST(run.best_prefix == "sentiment first");
}

BOOST_AUTO_TEST_CASE(the_ta_request_is_in_flight_while_the_student_trains) {
  const auto train = make_binary_dataset(100, "train"), dev = make_binary_dataset(100, "dev");
  rendezvous sync;
  watching_transport ta{&sync};
  trainer_t t(oracle_student{}, lines_strategy{}, ta, overlap_options());
  (void)t.fit(train, dev, {}, gpta::task_info{}, epoch_counter{&sync, 1, 2});
  // Every request saw an epoch finish while it was open: training ran during the TA's latency.
  BOOST_TEST(ta.calls == 2);
  BOOST_TEST(ta.saw_training == 2);

  // Without overlap the loop waits for the TA: no epoch can finish while a request is open.
  rendezvous sync2;
  watching_transport ta2{&sync2, std::chrono::milliseconds(50)};
  auto opts = overlap_options();
  opts.overlap = false;
  trainer_t s(oracle_student{}, lines_strategy{}, ta2, opts);
  const auto run = s.fit(train, dev, {}, gpta::task_info{}, epoch_counter{&sync2});
  BOOST_TEST(ta2.calls == 3);
  BOOST_TEST(ta2.saw_training == 0);
  BOOST_TEST(run.rounds[0].candidates_from_round.value_or(-1) == 0);
  BOOST_TEST(run.rounds[0].ta_wait_seconds >= 0.04);
  BOOST_TEST(run.rounds[1].prefix == "sentiment first");
}

BOOST_AUTO_TEST_CASE(a_ta_failure_in_flight_keeps_the_incumbent_or_ends_the_run) {
  const auto train = make_binary_dataset(100, "train"), dev = make_binary_dataset(100, "dev");
  rendezvous sync;
  watching_transport ta{&sync};
  ta.fail = true;
  auto opts = overlap_options();
  opts.keep_incumbent_on_ta_error = true;
  trainer_t t(oracle_student{}, lines_strategy{}, ta, opts);
  const auto run = t.fit(train, dev, {}, gpta::task_info{}, epoch_counter{&sync, 1, 2});
  BOOST_TEST_REQUIRE(run.rounds.size() == 4u);
  BOOST_TEST(run.rounds[1].ta_error.find("TA unreachable (test)") != std::string::npos);
  BOOST_TEST(run.rounds[2].ta_error.find("TA unreachable (test)") != std::string::npos);
  for (const auto& r : run.rounds) BOOST_TEST(r.prefix == "plain");
  BOOST_TEST(run.ta_requests == 2u);

  // Not kept: the failure surfaces from fit() at the end of the round that waited for it.
  rendezvous sync2;
  watching_transport ta2{&sync2};
  ta2.fail = true;
  trainer_t s(oracle_student{}, lines_strategy{}, ta2, overlap_options());
  try {
    (void)s.fit(train, dev, {}, gpta::task_info{}, epoch_counter{&sync2, 1, 1});
    BOOST_FAIL("fit() should have thrown");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) == "TA unreachable (test)");
  }
  BOOST_TEST(sync2.epochs.load() == 2);  // rounds 0 and 1 trained; round 1's end received the failure
}
