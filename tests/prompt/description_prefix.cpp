#include <gpta/prompt/description_prefix.hpp>

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <gpta/concepts/prompt_strategy.hpp>

static_assert(gpta::detail::check_prompt_strategy<gpta::description_prefix>());

namespace {

gpta::task_info sst2_task() {
  gpta::task_info t;
  t.name = "sst2";
  t.domain = "sentiment";
  t.task_type = "binary sentiment classification";
  t.description = "Single sentences from English movie reviews, lower-cased and tokenised.";
  t.label_names = {"negative", "positive"};
  t.output_format = "one label per sentence";
  t.prefix_token_budget = 24;
  return t;
}

gpta::chat_response reply(std::string content, std::string finish = "stop") {
  gpta::chat_response r;
  r.choices.push_back({std::move(content), std::move(finish)});
  return r;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(round_zero_request_carries_the_description_and_labels_but_no_exemplar) {
  gpta::description_prefix_options o;
  o.ta.model = "smollm2";
  o.ta.temperature = 0.3;
  o.ta.max_tokens = 200;
  o.ta.seed = 7;
  gpta::description_prefix s(o);
  const auto p = s.start(sst2_task());
  BOOST_TEST(p.candidates.empty());
  BOOST_TEST_REQUIRE(p.request.has_value());
  const auto& r = *p.request;
  BOOST_TEST(r.model == "smollm2");
  BOOST_TEST(*r.temperature == 0.3);
  BOOST_TEST(*r.max_tokens == 200);
  BOOST_TEST(*r.seed == 7);
  BOOST_TEST(r.n == 1);
  BOOST_TEST_REQUIRE(r.messages.size() == 2u);
  BOOST_TEST(r.messages[0].role == "system");
  BOOST_TEST(r.messages[1].role == "user");
  const std::string& user = r.messages[1].content;
  BOOST_TEST(contains(user, "Single sentences from English movie reviews"));
  BOOST_TEST(contains(user, "negative, positive"));
  BOOST_TEST(contains(user, "binary sentiment classification"));
  BOOST_TEST(contains(user, "one label per sentence"));
  BOOST_TEST(contains(user, "at most 24 words"));
  BOOST_TEST(contains(user, "{\"prefixes\": ["));  // the answer shape, matching the schema sent
  BOOST_TEST_REQUIRE(r.format.has_value());
  BOOST_TEST(r.format->type == "json_schema");
  BOOST_TEST(contains(r.format->schema_json, "\"maxItems\":1"));
  BOOST_TEST(contains(r.format->schema_json, "\"maxLength\":160"));  // 24 words x 6 + 16 characters
  BOOST_TEST(!contains(user, "Examples"));
  BOOST_TEST(!contains(user, "{{"));  // every placeholder was filled
  BOOST_TEST((s.last_request() == r));
  BOOST_TEST((s.conversation() == r.messages));
  BOOST_TEST(s.counters().requests == 1u);
}

BOOST_AUTO_TEST_CASE(exemplars_appear_only_when_given_and_are_capped) {
  gpta::description_prefix_options o;
  o.exemplars = {"a gripping, well acted thriller -> positive", "dull and overlong -> negative"};
  o.max_exemplars = 2;
  gpta::description_prefix s(o);
  const auto p = s.start(sst2_task());
  const std::string& user = p.request->messages.back().content;
  BOOST_TEST(contains(user, "Examples chosen by the user"));
  BOOST_TEST(contains(user, "- a gripping, well acted thriller -> positive"));
  BOOST_TEST(contains(user, "- dull and overlong -> negative"));

  o.max_exemplars = 1;
  BOOST_CHECK_THROW(gpta::description_prefix{o}, std::invalid_argument);
  o.max_exemplars = 0;  // the default policy: no example reaches the TA
  try {
    gpta::description_prefix bad(o);
    BOOST_FAIL("exemplars beyond the cap were accepted");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(contains(e.what(), "gpta::description_prefix"));
    BOOST_TEST(contains(e.what(), "max_exemplars is 0"));
  }
}

BOOST_AUTO_TEST_CASE(a_good_reply_gives_one_candidate_and_feedback_keeps_it) {
  gpta::description_prefix s;
  (void)s.start(sst2_task());
  const auto p = s.on_reply(reply("Here you go: <prefix>Judge the reviewer's overall opinion.</prefix>"));
  BOOST_TEST(!p.request.has_value());
  BOOST_TEST(p.candidates == std::vector<std::string>{"Judge the reviewer's overall opinion."});
  BOOST_TEST(s.counters().replies_parsed == 1u);
  BOOST_TEST(s.counters().corrections_sent == 0u);
  // The conversation keeps the cleaned answer as the assistant turn.
  BOOST_TEST_REQUIRE(s.conversation().size() == 3u);
  BOOST_TEST(s.conversation()[2].role == "assistant");
  BOOST_TEST(s.conversation()[2].content == R"({"prefixes":["Judge the reviewer's overall opinion."]})");
  const auto f = s.feedback(gpta::round_feedback{});
  BOOST_TEST(f.candidates.empty());
  BOOST_TEST(!f.request.has_value());
  BOOST_CHECK_THROW((void)s.on_reply(reply("<prefix>x</prefix>")), std::logic_error);  // nothing was asked
}

BOOST_AUTO_TEST_CASE(an_unusable_reply_gets_a_corrective_turn_in_the_same_conversation) {
  gpta::description_prefix s;
  (void)s.start(sst2_task());
  // No tags at all, and an invalid byte that must not travel back to the server.
  const auto again = s.on_reply(reply("Decide if the review is positive \xFF or negative."));
  BOOST_TEST(again.candidates.empty());
  BOOST_TEST_REQUIRE(again.request.has_value());
  const auto& m = again.request->messages;
  BOOST_TEST_REQUIRE(m.size() == 4u);
  BOOST_TEST(m[2].role == "assistant");
  BOOST_TEST(contains(m[2].content, "\xEF\xBF\xBD"));  // repaired to U+FFFD
  BOOST_TEST(!contains(m[2].content, "\xFF"));
  BOOST_TEST(m[3].role == "user");
  BOOST_TEST(contains(m[3].content, "no <prefix>...</prefix> block"));
  BOOST_TEST(contains(m[3].content, "at most 24 words"));
  BOOST_TEST(s.counters().corrections_sent == 1u);

  const auto good = s.on_reply(reply("<prefix>Is the reviewer pleased?</prefix>"));
  BOOST_TEST(good.candidates == std::vector<std::string>{"Is the reviewer pleased?"});
  BOOST_TEST(s.counters().replies == 2u);
  BOOST_TEST(s.counters().replies_parsed == 1u);
  BOOST_TEST(s.counters().requests == 2u);
  BOOST_TEST(s.conversation().size() == 5u);
}

BOOST_AUTO_TEST_CASE(over_budget_and_cut_off_answers_are_corrected_then_give_up_with_a_clear_error) {
  gpta::description_prefix_options o;
  o.ta.max_corrections = 1;
  gpta::description_prefix s(o);
  auto t = sst2_task();
  t.prefix_token_budget = 3;
  (void)s.start(t);
  const auto again = s.on_reply(reply("<prefix>far too many words for three</prefix>"));
  BOOST_TEST_REQUIRE(again.request.has_value());
  BOOST_TEST(contains(again.request->messages.back().content, "has 6 words, more than the limit of 3"));
  // The corrective turn did not help: the over-long prefix is cut at a word boundary inside the
  // budget and counted as repaired, rather than training with no prefix.
  const auto repaired = s.on_reply(reply("<prefix>never closed and cut", "length"));
  BOOST_TEST(repaired.candidates == std::vector<std::string>{"far too many"});
  BOOST_TEST(s.counters().repaired == 1u);
  BOOST_TEST(s.counters().over_budget == 1u);
  BOOST_TEST(s.counters().replies_parsed == 0u);

  // Nothing to repair: a clear error.
  gpta::description_prefix s2(o);
  (void)s2.start(t);
  (void)s2.on_reply(reply("no tags"));
  try {
    (void)s2.on_reply(reply("<prefix>never closed and cut", "length"));
    BOOST_FAIL("a second unusable reply was accepted");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(contains(e.what(), "gpta::description_prefix"));
    BOOST_TEST(contains(e.what(), "after 1 corrective turn"));
    BOOST_TEST(contains(e.what(), "cut off"));
  }
}

BOOST_AUTO_TEST_CASE(several_candidates_in_round_zero_and_custom_templates) {
  gpta::description_prefix_options o;
  o.candidates = 3;
  o.system_template = "";  // no system turn
  o.description_template = "Write for {{task_name}} ({{labels}}). {{answer_instruction}}";
  gpta::description_prefix s(o);
  const auto p = s.start(sst2_task());
  BOOST_TEST_REQUIRE(p.request->messages.size() == 1u);
  BOOST_TEST(p.request->messages[0].content ==
             "Write for sst2 (negative, positive). Answer with JSON only, in this shape: {\"prefixes\": [\"first "
             "instruction\", \"second instruction\"]}, holding exactly 3 different instructions.");
  const auto r = s.on_reply(reply("<prefix>a</prefix><prefix>b</prefix><prefix>c</prefix><prefix>d</prefix>"));
  BOOST_TEST(r.candidates == (std::vector<std::string>{"a", "b", "c"}));  // extra blocks beyond n ignored

  gpta::description_prefix_options bad;
  bad.description_template = "Describe {{dataset_text}}";  // not a known placeholder
  BOOST_CHECK_THROW(gpta::description_prefix{bad}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_system_turn_asks_for_the_answer_guidance_that_fits_the_task) {
  // A labelled task reads the turn it always had (cached TA answers of earlier runs stay valid);
  // a free-form one (summaries) is not asked to name possible answers it does not have.
  const std::string labelled_sentence =
      "A good instruction says what the task is, names the possible answers, and says which cues in the input "
      "point to each answer. Write plain sentences";
  gpta::description_prefix labelled(gpta::description_prefix_options{});
  const auto a = labelled.start(sst2_task());
  BOOST_TEST_REQUIRE(a.request.has_value());
  BOOST_TEST(contains(a.request->messages[0].content, labelled_sentence), a.request->messages[0].content);

  gpta::task_info xsum = sst2_task();
  xsum.task_type = "extreme abstractive news summarisation (one sentence)";
  xsum.label_names.clear();
  xsum.output_format = "one sentence of about 20 words";
  gpta::description_prefix free(gpta::description_prefix_options{});
  const auto b = free.start(xsum);
  BOOST_TEST_REQUIRE(b.request.has_value());
  const std::string& system = b.request->messages[0].content;
  BOOST_TEST(!contains(system, "possible answers"), system);
  BOOST_TEST(contains(system, "A good instruction says what the task is, says what the answer must look like (its form "
                              "and length), and which parts of the input it should draw on. Write plain sentences"),
             system);
  BOOST_TEST(!contains(system, "{{"), system);
}
