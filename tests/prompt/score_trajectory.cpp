#include <gpta/prompt/score_trajectory.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <gpta/concepts/prompt_strategy.hpp>

static_assert(gpta::detail::check_prompt_strategy<gpta::score_trajectory>());

namespace {

gpta::task_info task() {
  gpta::task_info t;
  t.task_type = "binary sentiment classification";
  t.description = "Tweets about products.";
  t.label_names = {"negative", "positive"};
  t.prefix_token_budget = 20;
  return t;
}

gpta::chat_response reply(std::string content) {
  gpta::chat_response r;
  r.choices.push_back({std::move(content), "stop"});
  return r;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

gpta::round_feedback feedback_with(std::vector<gpta::scored_prefix> history) {
  gpta::round_feedback fb;
  fb.metric_name = "accuracy";
  fb.history = std::move(history);
  fb.candidates_wanted = 2;
  fb.prefix_token_budget = 20;
  return fb;
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_zero_is_one_fresh_prompt_without_scores) {
  gpta::score_trajectory s;
  BOOST_TEST(s.name() == "opro");
  const auto p = s.start(task());
  BOOST_TEST_REQUIRE(p.request.has_value());
  BOOST_TEST_REQUIRE(p.request->messages.size() == 1u);  // OPRO: a single user turn
  const auto& text = p.request->messages[0].content;
  BOOST_TEST(p.request->messages[0].role == "user");
  BOOST_TEST(contains(text, "Tweets about products."));
  BOOST_TEST(contains(text, "(no prefix has been scored yet)"));
  BOOST_TEST(contains(text, "at most 20 words"));
  BOOST_TEST(!contains(text, "{{"));
  BOOST_TEST(s.on_reply(reply("<prefix>Is the tweet happy?</prefix>")).candidates ==
             std::vector<std::string>{"Is the tweet happy?"});
}

BOOST_AUTO_TEST_CASE(trajectory_is_ascending_by_score_and_every_round_starts_afresh) {
  gpta::score_trajectory s;
  (void)s.start(task());
  (void)s.on_reply(reply("<prefix>p0</prefix>"));
  // The trainer hands history best first; OPRO lists it worst first, best next to the instruction.
  const auto p = s.feedback(feedback_with({{"best one", 0.9, 2}, {"middle one", 0.8, 1}, {"worst one", 0.6, 0}}));
  BOOST_TEST_REQUIRE(p.request->messages.size() == 1u);
  const auto& text = p.request->messages[0].content;
  const auto worst = text.find("text: worst one\nscore: 0.6000");
  const auto middle = text.find("text: middle one\nscore: 0.8000");
  const auto best = text.find("text: best one\nscore: 0.9000");
  BOOST_TEST_REQUIRE(worst != std::string::npos);
  BOOST_TEST_REQUIRE(middle != std::string::npos);
  BOOST_TEST_REQUIRE(best != std::string::npos);
  BOOST_TEST((worst < middle && middle < best));
  BOOST_TEST(contains(text, "dev accuracy"));
  BOOST_TEST(contains(text, "holding exactly 2 different instructions"));
  const auto c = s.on_reply(reply("<prefix>new a</prefix><prefix>new b</prefix>"));
  BOOST_TEST(c.candidates == (std::vector<std::string>{"new a", "new b"}));

  // The same order however the history arrives.
  BOOST_TEST(s.trajectory_text({{"b", 0.2, 0}, {"a", 0.1, 1}, {"c", 0.3, 2}}) ==
             "text: a\nscore: 0.1000\n\ntext: b\nscore: 0.2000\n\ntext: c\nscore: 0.3000");
}

BOOST_AUTO_TEST_CASE(only_the_best_distinct_prefixes_up_to_max_history_are_shown) {
  gpta::score_trajectory_options o;
  o.max_history = 3;
  gpta::score_trajectory s(o);
  const std::string t = s.trajectory_text(
      {{"p1", 0.1, 0}, {"p5", 0.5, 1}, {"p2", 0.2, 2}, {"p4", 0.4, 3}, {"p3", 0.3, 4}, {"p5", 0.05, 5}});
  BOOST_TEST(t == "text: p3\nscore: 0.3000\n\ntext: p4\nscore: 0.4000\n\ntext: p5\nscore: 0.5000");
}

BOOST_AUTO_TEST_CASE(corrections_stay_inside_the_round_and_the_next_round_is_fresh) {
  gpta::score_trajectory s;
  (void)s.start(task());
  (void)s.on_reply(reply("<prefix>p0</prefix>"));
  (void)s.feedback(feedback_with({{"p0", 0.5, 0}}));
  const auto again = s.on_reply(reply("no tags here"));
  BOOST_TEST_REQUIRE(again.request.has_value());
  BOOST_TEST(again.request->messages.size() == 3u);
  BOOST_TEST(s.counters().corrections_sent == 1u);
  BOOST_TEST(s.on_reply(reply("<prefix>p1</prefix><prefix>p2</prefix>")).candidates ==
             (std::vector<std::string>{"p1", "p2"}));
  const auto next = s.feedback(feedback_with({{"p1", 0.6, 1}, {"p0", 0.5, 0}}));
  BOOST_TEST(next.request->messages.size() == 1u);
  BOOST_TEST(s.conversation().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_new_round_abandons_an_unanswered_request) {
  // After a transport failure the trainer never calls on_reply; the next round must still work.
  gpta::score_trajectory s;
  (void)s.start(task());
  const auto p = s.feedback(feedback_with({{"p0", 0.5, 0}}));
  BOOST_TEST(p.request.has_value());
  BOOST_TEST(s.on_reply(reply("<prefix>p1</prefix><prefix>p2</prefix>")).candidates ==
             (std::vector<std::string>{"p1", "p2"}));
}

BOOST_AUTO_TEST_CASE(seeds_advance_per_request_without_overflow) {
  gpta::score_trajectory_options o;
  o.ta.seed = INT64_MAX;
  gpta::score_trajectory s(o);
  BOOST_TEST(*s.start(task()).request->seed == INT64_MAX);
  BOOST_TEST(*s.feedback(feedback_with({})).request->seed == INT64_MIN);  // wraps, no UB
}

BOOST_AUTO_TEST_CASE(misuse_is_reported) {
  gpta::score_trajectory s;
  BOOST_CHECK_THROW((void)s.feedback(feedback_with({})), std::logic_error);
  gpta::score_trajectory_options o;
  o.trajectory_template = "{{trajectory}} {{history}}";  // `history` belongs to the dialogue template
  BOOST_CHECK_THROW(gpta::score_trajectory{o}, std::invalid_argument);
}
