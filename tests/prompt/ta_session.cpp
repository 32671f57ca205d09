#include <gpta/prompt/ta_session.hpp>

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <gpta/prompt/default_templates.hpp>

// The session's reading of answers: the structured list first, the tag parser as fallback, then
// the checks every item passes (duplicates, echoes, placeholders, length) and the refill turns.

namespace {

gpta::chat_response reply(std::string content, std::string finish = "stop") {
  gpta::chat_response r;
  r.choices.push_back({std::move(content), std::move(finish)});
  return r;
}

gpta::ta_session session(gpta::ta_settings s = {}) {
  return gpta::ta_session("test", s,
                          gpta::prompt_template{std::string(gpta::default_templates::correction), "correction"});
}

const std::string task_turn = "Dataset: Single sentences from English movie reviews. Write the instructions.";

gpta::prefix_proposal open(gpta::ta_session& s, std::size_t n, std::size_t budget = 12) {
  s.reset({{"system", "You write instructions."}, {"user", task_turn}});
  return s.ask(n, budget);
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(the_request_carries_the_schema_for_the_items_it_asks) {
  auto s = session();
  const auto p = open(s, 2);
  BOOST_TEST_REQUIRE(p.request->format.has_value());
  const auto schema = boost::json::parse(p.request->format->schema_json);
  BOOST_TEST(schema.at("properties").at("prefixes").at("minItems").to_number<int>() == 2);
  BOOST_TEST(schema.at("properties").at("prefixes").at("items").at("maxLength").to_number<int>() == 12 * 6 + 16);
  // Off: no response_format at all.
  gpta::ta_settings tags;
  tags.structured_output = false;
  auto t = session(tags);
  BOOST_TEST(!open(t, 2).request->format.has_value());
}

BOOST_AUTO_TEST_CASE(a_schema_answer_is_used_and_counted) {
  auto s = session();
  (void)open(s, 2);
  const auto c = s.on_reply(reply(R"({"prefixes": ["Is this review positive or negative?", "Name the tone."]})"));
  BOOST_TEST(c.candidates == (std::vector<std::string>{"Is this review positive or negative?", "Name the tone."}));
  BOOST_TEST(s.counters().schema_answers == 1u);
  BOOST_TEST(s.counters().fallback_answers == 0u);
  BOOST_TEST(s.counters().answers_usable == 1u);
  BOOST_TEST(s.counters().prefixes_accepted == 2u);
}

BOOST_AUTO_TEST_CASE(a_server_that_ignores_the_schema_is_read_by_the_tag_parser) {
  auto s = session();
  (void)open(s, 1);
  const auto c = s.on_reply(reply("Sure: <prefix>Judge the reviewer's opinion.</prefix>"));
  BOOST_TEST(c.candidates == std::vector<std::string>{"Judge the reviewer's opinion."});
  BOOST_TEST(s.counters().fallback_answers == 1u);
  BOOST_TEST(s.counters().schema_answers == 0u);
}

BOOST_AUTO_TEST_CASE(fewer_items_than_asked_are_refilled_within_the_turn_budget) {
  auto s = session();
  (void)open(s, 3);
  const auto again = s.on_reply(reply(R"({"prefixes": ["Read the review closely."]})"));
  BOOST_TEST_REQUIRE(again.request.has_value());
  // The refill asks for the two missing ones, in the prompt and in the schema.
  BOOST_TEST(contains(again.request->messages.back().content, "2 more needed"));
  BOOST_TEST(contains(again.request->format->schema_json, "\"maxItems\":2"));
  const auto c = s.on_reply(reply(R"({"prefixes": ["Is it positive?", "Is it negative?"]})"));
  BOOST_TEST(c.candidates ==
             (std::vector<std::string>{"Read the review closely.", "Is it positive?", "Is it negative?"}));
  BOOST_TEST(s.counters().corrections_sent == 1u);
  // Refill off: what came is used at once.
  gpta::ta_settings once;
  once.refill_candidates = false;
  auto t = session(once);
  (void)open(t, 3);
  BOOST_TEST(t.on_reply(reply(R"({"prefixes": ["Read the review closely."]})")).candidates.size() == 1u);
}

BOOST_AUTO_TEST_CASE(duplicates_of_each_other_and_of_tried_prefixes_are_dropped_and_counted) {
  gpta::ta_settings st;
  st.max_corrections = 1;
  auto s = session(st);
  s.set_tried({"Classify the review."});
  (void)open(s, 2);
  const auto again =
      s.on_reply(reply(R"({"prefixes": ["classify the REVIEW", "Focus on adjectives.", "focus on adjectives!"]})"));
  BOOST_TEST(s.counters().duplicates == 2u);
  BOOST_TEST_REQUIRE(again.request.has_value());  // one usable of two: asked again
  BOOST_TEST(contains(again.request->messages.back().content, "repeats a prefix already tried"));
  // The second answer repeats the first one's usable item: still a duplicate; corrections are
  // used up, so the session goes on with the one it has.
  const auto c = s.on_reply(reply(R"({"prefixes": ["Focus on adjectives."]})"));
  BOOST_TEST(c.candidates == std::vector<std::string>{"Focus on adjectives."});
  BOOST_TEST(s.counters().duplicates == 3u);
  // A later exchange of the same session does not get it again either.
  s.add_user_turn("Next round.");
  (void)s.ask(1, 12);
  const auto again2 = s.on_reply(reply(R"({"prefixes": ["Focus on adjectives"]})"));
  BOOST_TEST(again2.request.has_value());
}

BOOST_AUTO_TEST_CASE(echoes_and_placeholders_are_unusable_answers) {
  auto s = session();
  (void)open(s, 1);
  const auto again = s.on_reply(reply(R"({"prefixes": ["task_instruction_1"]})"));
  BOOST_TEST_REQUIRE(again.request.has_value());
  BOOST_TEST(contains(again.request->messages.back().content, "placeholder"));
  const auto again2 = s.on_reply(reply(R"({"prefixes": ["Single sentences from English movie reviews."]})"));
  BOOST_TEST_REQUIRE(again2.request.has_value());
  BOOST_TEST(contains(again2.request->messages.back().content, "repeats the prompt"));
  BOOST_TEST(s.counters().unusable == 2u);
  BOOST_TEST(s.counters().answers == 2u);
  BOOST_TEST(s.counters().answers_usable == 0u);
  const auto c = s.on_reply(reply(R"({"prefixes": ["Is the reviewer pleased or disappointed?"]})"));
  BOOST_TEST(c.candidates.size() == 1u);
  BOOST_TEST(s.counters().answers_usable == 1u);
}

BOOST_AUTO_TEST_CASE(an_empty_list_and_non_json_text_get_corrective_turns) {
  gpta::ta_settings st;
  st.max_corrections = 2;
  auto s = session(st);
  (void)open(s, 1);
  const auto a = s.on_reply(reply(R"({"prefixes": []})"));
  BOOST_TEST_REQUIRE(a.request.has_value());
  BOOST_TEST(contains(a.request->messages.back().content, "list is empty"));
  const auto b = s.on_reply(reply("I would suggest focusing on the sentiment."));
  BOOST_TEST_REQUIRE(b.request.has_value());
  BOOST_TEST(contains(b.request->messages.back().content, "no <prefix>"));
  BOOST_TEST(s.counters().schema_answers == 1u);
  BOOST_TEST(s.counters().fallback_answers == 1u);
  BOOST_CHECK_THROW((void)s.on_reply(reply("still prose")), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(over_long_items_are_corrected_then_cut_and_recorded_as_repaired) {
  gpta::ta_settings st;
  st.max_corrections = 1;
  auto s = session(st);
  (void)open(s, 1, 6);
  const std::string longer = "Decide if the review is positive. Use the adjectives and the final verdict.";
  const auto again = s.on_reply(reply(R"({"prefixes": [")" + longer + R"("]})"));
  BOOST_TEST_REQUIRE(again.request.has_value());
  BOOST_TEST(contains(again.request->messages.back().content, "more than the limit of 6"));
  const auto c = s.on_reply(reply(R"({"prefixes": [")" + longer + R"("]})"));
  BOOST_TEST(c.candidates == std::vector<std::string>{"Decide if the review is positive."});
  BOOST_TEST(s.counters().repaired == 1u);
  BOOST_TEST(s.counters().over_budget == 2u);
  // The conversation keeps the repaired prefix as the TA's answer.
  BOOST_TEST(s.conversation().back().content == R"({"prefixes":["Decide if the review is positive."]})");
}

BOOST_AUTO_TEST_CASE(a_repair_that_would_repeat_the_incumbent_keeps_the_new_words) {
  // The TA lengthens the incumbent: its first sentence is the incumbent itself, so the repair cuts
  // at a word boundary and keeps the start of what is new.
  gpta::ta_settings st;
  st.max_corrections = 0;
  auto s = session(st);
  s.set_tried({"Label the review as negative or positive."});
  (void)open(s, 1, 10);
  const auto c = s.on_reply(reply(
      R"({"prefixes": ["Label the review as negative or positive. Watch for not, never, no and hardly."]})"));
  BOOST_TEST(c.candidates == std::vector<std::string>{"Label the review as negative or positive. Watch for not"});
  BOOST_TEST(s.counters().repaired == 1u);
}

BOOST_AUTO_TEST_CASE(n_choices_each_hold_one_item) {
  gpta::ta_settings st;
  st.mode = gpta::candidate_mode::n_choices;
  auto s = session(st);
  const auto p = open(s, 2);
  BOOST_TEST(p.request->n == 2);
  BOOST_TEST(contains(p.request->format->schema_json, "\"maxItems\":1"));
  gpta::chat_response r;
  r.choices = {{R"({"prefixes": ["Is it good?"]})", "stop"}, {"<prefix>Is it bad?</prefix>", "stop"}};
  const auto c = s.on_reply(r);
  BOOST_TEST(c.candidates == (std::vector<std::string>{"Is it good?", "Is it bad?"}));
  BOOST_TEST(s.counters().answers == 2u);
  BOOST_TEST(s.counters().schema_answers == 1u);
  BOOST_TEST(s.counters().fallback_answers == 1u);
}
