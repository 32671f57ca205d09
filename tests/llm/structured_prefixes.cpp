// Schema-constrained TA answers end to end: the dialogue strategy and the trainer talking to a real
// HTTP server on loopback through openai_transport, with servers that honour `response_format`,
// ignore it, or answer badly (fewer items, duplicates, over-long items, an empty list, prose).
#include <gpta/llm.hpp>

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "support/archetypes.hpp"
#include "support/llm_test_server.hpp"

namespace {

using gpta::test::llm_test_server;
using gpta::test::recorded_request;
using gpta::test::server_action;

/// Items the schema asks for, or 0 when the request has none.
std::size_t items_asked(const recorded_request& r) {
  const auto o = r.json();
  const auto* f = o.if_contains("response_format");
  if (!f) return 0;
  return f->at("json_schema").at("schema").at("properties").at("prefixes").at("maxItems").to_number<std::size_t>();
}

std::string json_list(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& i : items) a.emplace_back(i);
  return boost::json::serialize(boost::json::object{{"prefixes", a}});
}

/// What llama-server does with a schema: exactly the items asked, each well-formed and distinct.
server_action grammar_server(const recorded_request& r, std::size_t index) {
  std::vector<std::string> items;
  for (std::size_t i = 0; i < items_asked(r); ++i)
    items.push_back("Find the sentiment of the review, variant " + std::to_string(index) + "." + std::to_string(i));
  return server_action::ok(json_list(items));
}

gpta::trainer_options options() {
  gpta::trainer_options o;
  o.rounds = 3;
  o.batch_size = 10;
  o.probe_steps = 2;
  o.candidates = 2;
  o.prefix_token_budget = 12;
  o.progress = false;
  o.keep_incumbent_on_ta_error = true;
  return o;
}

gpta::dialogue_gradient strategy(bool lenient_keep = true) {
  gpta::dialogue_gradient_options o;
  o.ta.model = "test-model";
  o.ta.keep_incumbent_when_exhausted = lenient_keep;
  return gpta::dialogue_gradient(o);
}

gpta::run_result run_against(llm_test_server& server) {
  gpta::openai_options oo;
  oo.base_url = server.base_url();
  oo.retry.max_retries = 0;
  gpta::openai_transport http(oo);
  const auto train = gpta::test::make_binary_dataset(40, "train"), dev = gpta::test::make_binary_dataset(40, "dev");
  gpta::task_info task;
  task.label_names = {"negative", "positive"};
  task.description = "Made-up sentences.";
  gpta::basic_trainer<gpta::test::oracle_student, gpta::dialogue_gradient, gpta::openai_transport&> t(
      gpta::test::oracle_student{}, strategy(), http, options());
  return t.fit(train, dev, {}, task);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_server_that_honours_the_schema_gives_every_answer_in_one_request) {
  llm_test_server server(grammar_server);
  const auto run = run_against(server);
  // Round 0 (1 item), after round 0 and after round 1 (2 items each): three requests, no correction.
  BOOST_TEST(server.request_count() == 3u);
  for (const auto& r : server.requests()) {
    const auto o = r.json();
    BOOST_TEST_REQUIRE(o.contains("response_format"));
    BOOST_TEST(o.at("response_format").at("type").as_string() == "json_schema");
  }
  BOOST_TEST(items_asked(server.requests().at(0)) == 1u);
  BOOST_TEST(items_asked(server.requests().at(1)) == 2u);
  BOOST_TEST(run.ta_stats.answers == 3u);
  BOOST_TEST(run.ta_stats.answers_usable == 3u);  // 100% format compliance
  BOOST_TEST(run.ta_stats.schema_answers == 3u);
  BOOST_TEST(run.ta_stats.fallback_answers == 0u);
  BOOST_TEST(run.ta_stats.new_candidates == 5u);
  BOOST_TEST(run.ta_stats.corrections == 0u);
  BOOST_TEST(run.ta_stats.latency_seconds.size() == 3u);
  BOOST_TEST(run.ta_model == "test-model");  // the id the server's replies named
  BOOST_TEST(run.empty_prefix_reason.empty());
  BOOST_TEST(run.rounds.at(0).ta_stats.new_candidates == 2u);
  BOOST_TEST(run.rounds.at(0).candidates.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_server_that_ignores_the_schema_falls_back_to_tags) {
  llm_test_server server([](const recorded_request& r, std::size_t i) {
    std::string text = "Here you are:";
    for (std::size_t k = 0; k < std::max<std::size_t>(1, items_asked(r)); ++k)
      text += " <prefix>Judge the sentiment, take " + std::to_string(i) + "-" + std::to_string(k) + ".</prefix>";
    return server_action::ok(text);
  });
  const auto run = run_against(server);
  BOOST_TEST(server.request_count() == 3u);
  BOOST_TEST(run.ta_stats.fallback_answers == 3u);
  BOOST_TEST(run.ta_stats.schema_answers == 0u);
  BOOST_TEST(run.ta_stats.answers_usable == 3u);
  BOOST_TEST(run.rounds.at(0).prefix == "Judge the sentiment, take 0-0.");
}

BOOST_AUTO_TEST_CASE(fewer_items_duplicates_and_over_long_items_are_asked_again) {
  // Round 0 fine; then an answer with one item of two, then a duplicate and an over-long item,
  // then a good answer.
  const std::string too_long = "Read every single word of this review very carefully and then think hard about it.";
  llm_test_server server({server_action::ok(json_list({"Read the review."})),
                          server_action::ok(json_list({"Weigh the adjectives."})),
                          server_action::ok(json_list({"weigh the ADJECTIVES", too_long})),
                          server_action::ok(json_list({"Spot the verdict at the end."})),
                          server_action::ok(json_list({"Find the sentiment words.", "Ignore plot summary."}))});
  const auto run = run_against(server);
  BOOST_TEST(server.request_count() == 5u);
  const auto& after0 = run.rounds.at(0);
  BOOST_TEST(after0.ta_requests == 3u);  // one answer + two corrective turns
  BOOST_TEST(after0.ta_stats.duplicates == 1u);
  BOOST_TEST(after0.ta_stats.over_budget == 1u);
  BOOST_TEST(after0.ta_stats.corrections == 2u);
  BOOST_TEST(after0.ta_stats.new_candidates == 2u);
  BOOST_TEST(after0.candidates.size() == 2u);
  // The corrective request names what was wrong and asks for the missing one.
  const auto fix = server.requests().at(2).json().at("messages").as_array().back().at("content").as_string();
  BOOST_TEST(std::string(fix).find("1 more needed") != std::string::npos);
  BOOST_TEST(items_asked(server.requests().at(2)) == 1u);
}

BOOST_AUTO_TEST_CASE(an_empty_list_and_prose_keep_the_incumbent_and_say_so) {
  // Round 0 gets only unusable answers: the run trains with the empty prefix, recorded.
  llm_test_server server({server_action::ok(R"({"prefixes": []})"), server_action::ok("I cannot help with that."),
                          server_action::ok(R"({"prefixes": []})")});
  const auto run = run_against(server);
  BOOST_TEST(run.rounds.at(0).prefix.empty());
  BOOST_TEST(!run.empty_prefix_reason.empty());
  BOOST_TEST(run.empty_prefix_reason.find("round 0") != std::string::npos);
  BOOST_TEST(run.ta_stats.answers_usable == 0u);
  BOOST_TEST(run.ta_stats.exhausted >= 1u);
  BOOST_TEST(run.ta_stats.schema_answers >= 2u);
  BOOST_TEST(run.ta_stats.fallback_answers >= 1u);
}
