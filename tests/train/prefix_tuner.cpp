// prefix_tuner: the strategy/TA side of the loop on its own, as a user's training loop drives it.
#include <gpta/train/prefix_tuner.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <gpta/prompt/dialogue_gradient.hpp>

#include "support/archetypes.hpp"

namespace {

using gpta::test::lines_strategy;

/// Answers with `replies` in turn (the last one repeated), logging every request; throws when
/// `fail` is set. `gate`, when given, holds each answer until it is opened.
struct log_transport {
  std::vector<std::string> replies{"alpha\nbeta"};
  std::vector<gpta::chat_request> requests;
  bool fail = false;
  std::atomic<bool>* gate = nullptr;
  gpta::chat_response complete(const gpta::chat_request& r) {
    requests.push_back(r);
    if (gate) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!gate->load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (fail) throw std::runtime_error("TA unreachable (test)");
    gpta::chat_response out;
    out.model = "test-ta";
    out.choices.push_back({replies[std::min(requests.size(), replies.size()) - 1], "stop"});
    out.usage = {10, 4, 14};
    return out;
  }
};

gpta::round_record round_of(int r, std::string prefix, double dev_score, double train_loss = 0.5) {
  gpta::round_record rec;
  rec.round = r;
  rec.prefix = std::move(prefix);
  rec.train_loss = train_loss;
  rec.dev.score = dev_score;
  rec.dev.accuracy = dev_score;
  rec.dev.loss = 1.0 - dev_score;
  rec.dev.per_class = {{"negative", 0.0, 0.0, dev_score - 0.1, 5}, {"positive", 0.0, 0.0, dev_score + 0.1, 5}};
  rec.dev.diagnostics = {{"mean length", 10.0 + r}};
  return rec;
}

gpta::task_info task() {
  gpta::task_info t;
  t.name = "synthetic";
  t.task_type = "binary sentiment classification";
  t.description = "short product reviews";
  t.label_names = {"negative", "positive"};
  return t;
}

using tuner_t = gpta::prefix_tuner<lines_strategy, log_transport&>;

}  // namespace

BOOST_AUTO_TEST_CASE(start_gives_the_strategy_first_prefix_without_the_ta) {
  log_transport ta;
  tuner_t tuner(lines_strategy{}, ta);
  const gpta::tuner_answer a = tuner.start(task());
  BOOST_TEST(a.candidates == std::vector<std::string>{"plain"});
  BOOST_TEST(a.tally.requests == 0u);
  BOOST_TEST(ta.requests.empty());
}

BOOST_AUTO_TEST_CASE(feedback_holds_the_aggregates_of_the_last_two_rounds_and_the_history_best_first) {
  log_transport ta;
  gpta::prefix_tuner_options o;
  o.candidates = 3;
  o.prefix_token_budget = 12;
  tuner_t tuner(lines_strategy{}, ta, o);
  BOOST_CHECK_THROW((void)tuner.feedback(), std::logic_error);  // nothing recorded yet
  tuner.record_round(round_of(0, "plain", 0.6));
  tuner.record_round(round_of(1, "better", 0.8));
  tuner.record_round(round_of(2, "worse", 0.7, 0.25));
  const gpta::round_feedback fb = tuner.feedback();
  BOOST_TEST(fb.round == 2);
  BOOST_TEST(fb.incumbent == "worse");
  BOOST_TEST(fb.dev_score == 0.7);
  BOOST_TEST(fb.previous_dev_score.value() == 0.8);
  BOOST_TEST(fb.train_loss == 0.25);
  BOOST_TEST(fb.dev_loss == 1.0 - 0.7);
  BOOST_TEST(fb.candidates_wanted == 3u);
  BOOST_TEST(fb.prefix_token_budget == 12u);
  BOOST_REQUIRE(fb.per_class.size() == 2u);
  BOOST_TEST(fb.per_class[1].score == 0.7 + 0.1);
  BOOST_REQUIRE(fb.diagnostics.size() == 1u);
  BOOST_TEST(fb.diagnostics[0].value == 12.0);
  BOOST_TEST(fb.diagnostics[0].previous.value() == 11.0);
  BOOST_REQUIRE(fb.history.size() == 3u);
  BOOST_TEST(fb.history[0].prefix == "better");
  BOOST_TEST(fb.history[1].prefix == "worse");
  BOOST_TEST(fb.history[2].prefix == "plain");
  BOOST_TEST(tuner.history()[0].prefix == "plain");  // the tuner keeps round order
}

BOOST_AUTO_TEST_CASE(ask_returns_the_candidates_and_what_they_cost) {
  log_transport ta;
  ta.replies = {"  alpha  \nbeta"};
  tuner_t tuner(lines_strategy{}, ta);
  (void)tuner.start(task());
  tuner.record_round(round_of(0, "plain", 0.6));
  const gpta::tuner_answer a = tuner.ask();
  BOOST_TEST(!a.failed());
  BOOST_TEST(a.candidates == (std::vector<std::string>{"alpha", "beta"}));  // sanitised
  BOOST_TEST(a.tally.requests == 1u);
  BOOST_TEST(a.tally.tokens.total_tokens == 14);
  BOOST_TEST(a.tally.model == "test-ta");
  BOOST_TEST(a.tally.stats.latency_seconds.size() == 1u);
  BOOST_REQUIRE(ta.requests.size() == 1u);
  BOOST_TEST(ta.requests[0].messages.at(0).content.find("round 0") != std::string::npos);
  BOOST_TEST(tuner.sent().size() == 1u);
  BOOST_TEST(tuner.total().requests == 1u);
  BOOST_TEST(tuner.strategy().feedback_calls == 1);
}

BOOST_AUTO_TEST_CASE(a_failed_exchange_is_captured_not_thrown) {
  log_transport ta;
  ta.fail = true;
  tuner_t tuner(lines_strategy{}, ta);
  tuner.record_round(round_of(0, "plain", 0.6));
  const gpta::tuner_answer a = tuner.ask();
  BOOST_TEST(a.failed());
  BOOST_TEST(a.candidates.empty());
  BOOST_TEST(a.tally.requests == 1u);  // the request reached the TA
  BOOST_CHECK_THROW(a.rethrow_if_failed(), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(max_ta_turns_bounds_a_strategy_that_keeps_asking) {
  // A strategy whose on_reply always asks again: the exchange fails after max_ta_turns requests.
  struct insistent : lines_strategy {
    gpta::prefix_proposal on_reply(const gpta::chat_response&) {
      gpta::chat_request r;
      r.messages.push_back({"user", "again"});
      return gpta::prefix_proposal::ask(r);
    }
  };
  log_transport ta;
  gpta::prefix_tuner_options o;
  o.max_ta_turns = 3;
  gpta::prefix_tuner<insistent, log_transport&> tuner(insistent{}, ta, o);
  tuner.record_round(round_of(0, "plain", 0.6));
  const gpta::tuner_answer a = tuner.ask();
  BOOST_TEST(a.failed());
  BOOST_TEST(ta.requests.size() == 3u);
  try {
    a.rethrow_if_failed();
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find("3 turns") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(ask_async_answers_as_ask_does_and_refuses_other_calls_meanwhile) {
  std::atomic<bool> gate{false};
  log_transport ta;
  ta.gate = &gate;
  tuner_t tuner(lines_strategy{}, ta);
  tuner.record_round(round_of(0, "plain", 0.6));
  tuner.ask_async();
  BOOST_TEST(tuner.in_flight());
  BOOST_CHECK_THROW(tuner.ask(), std::logic_error);
  BOOST_CHECK_THROW(tuner.ask_async(), std::logic_error);
  BOOST_CHECK_THROW((void)tuner.start(task()), std::logic_error);
  tuner.record_round(round_of(1, "plain", 0.65));  // the user's loop trains on meanwhile
  gate = true;
  const gpta::tuner_answer a = tuner.wait();
  BOOST_TEST(!tuner.in_flight());
  BOOST_TEST(a.candidates == (std::vector<std::string>{"alpha", "beta"}));
  BOOST_TEST(tuner.strategy().last_feedback.round == 0);  // it answered the feedback on round 0
  BOOST_CHECK_THROW((void)tuner.wait(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(resume_rebuilds_the_dialogue_so_the_next_request_matches_an_uninterrupted_run) {
  // The real dialogue strategy: its next request carries the whole conversation so far.
  const auto options = [] {
    gpta::dialogue_gradient_options o;
    o.ta.seed = 3;
    return o;
  };
  const std::vector<std::string> replies{"<prefix>a review to classify</prefix>",
                                         "<prefix>decide if the review is positive</prefix>",
                                         "<prefix>is this review positive or negative</prefix>"};
  log_transport ta_a;
  ta_a.replies = replies;
  gpta::prefix_tuner<gpta::dialogue_gradient, log_transport&> whole(gpta::dialogue_gradient{options()}, ta_a);
  (void)whole.start(task());
  whole.record_round(round_of(0, "a review to classify", 0.6));
  (void)whole.ask();
  whole.record_round(round_of(1, "decide if the review is positive", 0.7));
  (void)whole.ask();

  // A second tuner resumes after round 0's feedback and asks after round 1.
  log_transport ta_b;
  ta_b.replies = {replies[0], replies[1], replies[2]};
  gpta::prefix_tuner<gpta::dialogue_gradient, log_transport&> resumed(gpta::dialogue_gradient{options()}, ta_b);
  resumed.resume(task(), {whole.history()[0]}, std::span(whole.sent()).first(1),
                 round_of(0, "a review to classify", 0.6), std::nullopt);
  BOOST_TEST(resumed.total().requests == 0u);  // replayed exchanges are not counted
  resumed.record_round(round_of(1, "decide if the review is positive", 0.7));
  BOOST_TEST(resumed.feedback().previous_dev_score.value() == 0.6);
  (void)resumed.ask();
  // Same requests in the same order (corrective turns included), so the same conversation.
  BOOST_REQUIRE(ta_a.requests.size() >= 3u);
  BOOST_REQUIRE(ta_b.requests.size() == ta_a.requests.size());
  BOOST_TEST(ta_b.requests.back().messages.size() > 2u);  // the conversation so far was replayed
  for (std::size_t i = 0; i < ta_a.requests.size(); ++i)
    BOOST_TEST((ta_b.requests[i].messages == ta_a.requests[i].messages), "request " << i);
  BOOST_TEST(resumed.history().size() == 2u);
  BOOST_TEST(resumed.sent().size() == 2u);
}
