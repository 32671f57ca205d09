#include <gpta/prompt/dialogue_gradient.hpp>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "support/archetypes.hpp"

static_assert(gpta::detail::check_prompt_strategy<gpta::dialogue_gradient>());

namespace {

gpta::task_info task() {
  gpta::task_info t;
  t.name = "synthetic";
  t.task_type = "binary sentiment classification";
  t.description = "Short made-up sentences.";
  t.label_names = {"negative", "positive"};
  t.prefix_token_budget = 16;
  return t;
}

gpta::chat_response reply(std::string content) {
  gpta::chat_response r;
  r.choices.push_back({std::move(content), "stop"});
  r.usage = {100, 20, 120};
  return r;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

gpta::round_feedback sample_feedback() {
  gpta::round_feedback fb;
  fb.round = 1;
  fb.incumbent = "Judge the overall tone.";
  fb.dev_score = 0.75;
  fb.previous_dev_score = 0.7;
  fb.train_loss = 0.25;
  fb.dev_loss = 0.5;
  fb.metric_name = "accuracy";
  fb.per_class = {{"negative", 0.6875}, {"positive", 0.8125}};
  fb.history = {{"Judge the overall tone.", 0.75, 1}, {"Read the text.", 0.7, 0}, {"Decide carefully.", 0.8125, 2}};
  fb.candidates_wanted = 3;
  fb.prefix_token_budget = 16;
  return fb;
}

/// Replies from a script, records every request: a TA that answers deterministically.
struct scripted_transport {
  std::deque<std::string> answers;
  std::vector<gpta::chat_request> requests;
  gpta::chat_response complete(const gpta::chat_request& r) {
    requests.push_back(r);
    std::string a = answers.empty() ? std::string("<prefix>sentiment words matter</prefix>") : answers.front();
    if (!answers.empty()) answers.pop_front();
    return reply(std::move(a));
  }
};

/// Examples whose texts carry a marker that appears nowhere else, so any leak is detectable.
gpta::text_dataset marked_dataset(std::size_t n, const std::string& split) {
  gpta::text_dataset d;
  d.name = "synthetic";
  d.label_names = {"negative", "positive"};
  for (std::size_t i = 0; i < n; ++i)
    d.examples.push_back({"zqx " + split + " review number " + std::to_string(i) + " about a quiet film", int(i % 2)});
  return d;
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_zero_is_the_description_request) {
  gpta::dialogue_gradient s;
  const auto p = s.start(task());
  BOOST_TEST_REQUIRE(p.request.has_value());
  BOOST_TEST(p.request->messages.size() == 2u);
  BOOST_TEST(contains(p.request->messages[1].content, "Short made-up sentences."));
  BOOST_TEST(contains(p.request->messages[1].content, "negative, positive"));
  BOOST_CHECK_THROW((void)gpta::dialogue_gradient{}.feedback(sample_feedback()), std::logic_error);
}

BOOST_AUTO_TEST_CASE(feedback_turn_holds_score_delta_gap_per_class_and_history_best_first) {
  gpta::dialogue_gradient s;
  (void)s.start(task());
  (void)s.on_reply(reply("<prefix>Read the text.</prefix>"));
  const auto p = s.feedback(sample_feedback());
  BOOST_TEST_REQUIRE(p.request.has_value());
  const std::string& fb = p.request->messages.back().content;
  BOOST_TEST(p.request->messages.back().role == "user");
  BOOST_TEST(contains(fb, "round 2"));  // round 1 (0-based) shown 1-based
  BOOST_TEST(contains(fb, "dev accuracy: 0.7500"));
  BOOST_TEST(contains(fb, "+0.0500"));
  BOOST_TEST(contains(fb, "train loss 0.2500, dev loss 0.5000"));
  BOOST_TEST(contains(fb, "+0.2500"));  // over-fitting gap: dev loss - train loss
  BOOST_TEST(contains(fb, "negative: 0.6875"));
  BOOST_TEST(contains(fb, "positive: 0.8125"));
  BOOST_TEST(contains(fb, "\"Judge the overall tone.\""));
  // History best first, whatever order it arrived in.
  const auto best = fb.find("0.8125 (round 3): \"Decide carefully.\"");
  const auto mid = fb.find("0.7500 (round 2): \"Judge the overall tone.\"");
  const auto worst = fb.find("0.7000 (round 1): \"Read the text.\"");
  BOOST_TEST_REQUIRE(best != std::string::npos);
  BOOST_TEST_REQUIRE(mid != std::string::npos);
  BOOST_TEST_REQUIRE(worst != std::string::npos);
  BOOST_TEST((best < mid && mid < worst));
  BOOST_TEST(contains(fb, "holding exactly 3 different instructions"));  // n = candidates_wanted
  BOOST_TEST_REQUIRE(p.request->format.has_value());  // the schema asks for the same count
  BOOST_TEST(contains(p.request->format->schema_json, "\"minItems\":3"));
  BOOST_TEST(contains(fb, "The weakest answer is \"negative\" (0.69)"));
  BOOST_TEST(contains(fb, "+0.2500, a small over-fitting gap"));  // the gap in words too
  auto overfit = sample_feedback();
  overfit.train_loss = 0.05;
  BOOST_TEST(contains(s.feedback_text(overfit, 1), "over-fitting: prefer general guidance"));
  BOOST_TEST(p.request->n == 1);
  BOOST_TEST(!contains(fb, "{{"));

  // A first round has no previous score: the change is not invented.
  auto first = sample_feedback();
  first.previous_dev_score.reset();
  BOOST_TEST(contains(s.feedback_text(first, 1), "n/a, first round"));
}

BOOST_AUTO_TEST_CASE(breakdown_names_the_per_class_rows_and_diagnostics_show_their_change) {
  gpta::dialogue_gradient s;
  (void)s.start(task());
  (void)s.on_reply(reply("<prefix>Read the text.</prefix>"));
  // A classifier's turn: no diagnostics block at all, the rows are answers.
  const std::string plain = s.feedback_text(sample_feedback(), 1);
  BOOST_TEST(contains(plain, "- dev scores per answer:\n  - negative: 0.6875\n  - positive: 0.8125\nThe weakest answer is"));
  BOOST_TEST(!contains(plain, "other dev figures"));

  auto fb = sample_feedback();
  fb.metric_name = "rouge1";
  fb.breakdown = "ROUGE variant";
  fb.per_class = {{"rouge1", 0.25}, {"rouge2", 0.0625}};
  fb.diagnostics = {{"mean predicted length (words)", 41.5, 50.0}, {"share of novel bigrams", 0.125, std::nullopt}};
  const std::string text = s.feedback_text(fb, 1);
  BOOST_TEST(contains(text, "- dev scores per ROUGE variant:"));
  BOOST_TEST(contains(text, "- other dev figures:\n  - mean predicted length (words): 41.5000 (change -8.5000)\n"
                            "  - share of novel bigrams: 0.1250\nThe weakest ROUGE variant is \"rouge2\" (0.06)"));
  BOOST_TEST(contains(text, "cues of the weakest ROUGE variant."));
  BOOST_TEST(!contains(text, "{{"));
}

BOOST_AUTO_TEST_CASE(the_trainer_hands_diagnostics_with_the_previous_rounds_value) {
  gpta::round_record first, second;
  first.dev.diagnostics = {{"mean predicted length (words)", 50.0}};
  second.dev.breakdown = "question word";
  second.dev.diagnostics = {{"mean predicted length (words)", 40.0}, {"new figure", 2.0}};
  const auto fb = gpta::detail::feedback_for_round(second, &first);
  BOOST_TEST(fb.breakdown == "question word");
  BOOST_TEST_REQUIRE(fb.diagnostics.size() == 2u);
  BOOST_TEST(fb.diagnostics[0].value == 40.0);
  BOOST_TEST_REQUIRE(fb.diagnostics[0].previous.has_value());
  BOOST_TEST(*fb.diagnostics[0].previous == 50.0);
  BOOST_TEST(!fb.diagnostics[1].previous.has_value());  // not measured a round earlier
  // Saved state keeps them (resume replays the same turns).
  const auto back = gpta::feedback_from_json(gpta::feedback_to_json(fb), "state.json");
  BOOST_TEST(back.breakdown == "question word");
  BOOST_TEST_REQUIRE(back.diagnostics.size() == 2u);
  BOOST_TEST(back.diagnostics[0].name == "mean predicted length (words)");
  BOOST_TEST(*back.diagnostics[0].previous == 50.0);
  BOOST_TEST(!back.diagnostics[1].previous.has_value());
}

BOOST_AUTO_TEST_CASE(conversation_grows_by_feedback_and_assistant_turns) {
  gpta::dialogue_gradient s;
  (void)s.start(task());
  BOOST_TEST(s.conversation().size() == 2u);
  (void)s.on_reply(reply("<prefix>Read the text.</prefix>"));
  BOOST_TEST(s.conversation().size() == 3u);
  auto fb = sample_feedback();
  const auto p1 = s.feedback(fb);
  BOOST_TEST(p1.request->messages.size() == 4u);
  const auto c1 = s.on_reply(reply("<prefix>one</prefix>\n<prefix>two</prefix>\n<prefix>three</prefix>"));
  BOOST_TEST(c1.candidates == (std::vector<std::string>{"one", "two", "three"}));
  BOOST_TEST(s.conversation().size() == 5u);
  fb.round = 2;
  const auto p2 = s.feedback(fb);
  const auto& m = p2.request->messages;
  BOOST_TEST_REQUIRE(m.size() == 6u);
  const char* roles[] = {"system", "user", "assistant", "user", "assistant", "user"};
  for (std::size_t i = 0; i < m.size(); ++i) BOOST_TEST(m[i].role == roles[i]);
  // The TA's answer is kept in the form it was asked for (the JSON list), whatever form it came in.
  BOOST_TEST(m[4].content == R"({"prefixes":["one","two","three"]})");
  BOOST_TEST(s.counters().requests == 3u);
}

BOOST_AUTO_TEST_CASE(no_training_text_reaches_a_feedback_turn) {
  // Everything a strategy can be handed after a round, built from a real dataset's metadata.
  const auto train = marked_dataset(50, "train");
  gpta::round_feedback fb = sample_feedback();
  for (std::size_t c = 0; c < train.label_names.size(); ++c) fb.per_class[c].label = train.label_names[c];
  gpta::dialogue_gradient s;
  (void)s.start(task());
  (void)s.on_reply(reply("<prefix>Read the text.</prefix>"));
  const auto p = s.feedback(fb);
  for (const auto& msg : p.request->messages) {
    BOOST_TEST(!contains(msg.content, "zqx"));
    for (const auto& e : train.examples) BOOST_TEST(!contains(msg.content, e.text));
  }
}

BOOST_AUTO_TEST_CASE(history_is_deduplicated_and_trimmed_to_its_token_budget) {
  gpta::dialogue_gradient_options o;
  o.history_token_budget = 40;
  gpta::dialogue_gradient s(o);
  (void)s.start(task());
  auto fb = sample_feedback();
  fb.history.clear();
  for (int i = 0; i < 30; ++i) fb.history.push_back({"prefix number " + std::to_string(i), i / 100.0, i});
  fb.history.push_back({"prefix number 29", 0.01, 30});  // a repeat with a worse score
  const std::string text = s.feedback_text(fb, 1);
  BOOST_TEST(contains(text, "0.2900 (round 30): \"prefix number 29\""));  // the best is always kept
  BOOST_TEST(!contains(text, "0.0100"));  // the repeat is dropped
  BOOST_TEST(!contains(text, "\"prefix number 0\""));  // the worst did not fit
  std::size_t lines = 0;
  for (std::size_t p = text.find("\"prefix number "); p != std::string::npos; p = text.find("\"prefix number ", p + 1))
    ++lines;
  // Each line, e.g. `  - 0.2900 (round 30): "prefix number 29"`, is 41 bytes = 11 approximate
  // tokens (bytes / 4, rounded up): three fit in 40, a fourth would not.
  BOOST_TEST(lines == 3u);
}

BOOST_AUTO_TEST_CASE(conversation_stays_within_its_budget_keeping_system_and_first_turn) {
  gpta::dialogue_gradient_options o;
  o.conversation_token_budget = 700;
  o.ta.refill_candidates = false;  // one prefix per answer is enough here: no corrective turns
  gpta::dialogue_gradient s(o);
  (void)s.start(task());
  const auto first_turns = s.conversation();
  (void)s.on_reply(reply("<prefix>start</prefix>"));
  auto fb = sample_feedback();
  for (int r = 0; r < 12; ++r) {
    fb.round = r;
    const auto p = s.feedback(fb);
    const auto& m = p.request->messages;
    std::size_t tokens = 0;
    for (const auto& x : m) tokens += gpta::approx_ta_tokens(x.content);
    BOOST_TEST((m[0] == first_turns[0]));
    BOOST_TEST((m[1] == first_turns[1]));
    for (std::size_t i = 2; i < m.size(); ++i) BOOST_TEST(m[i].role == (i % 2 == 0 ? "assistant" : "user"));
    BOOST_TEST(m.back().role == "user");
    BOOST_TEST(contains(m.back().content, "round " + std::to_string(r + 1)));  // the new turn is never dropped
    if (m.size() > 4) BOOST_TEST(tokens <= 700u);
    (void)s.on_reply(reply("<prefix>next " + std::to_string(r) + "</prefix>"));
  }
  BOOST_TEST(s.counters().turns_dropped > 0u);
}

BOOST_AUTO_TEST_CASE(n_choices_mode_asks_with_request_n) {
  gpta::dialogue_gradient_options o;
  o.ta.mode = gpta::candidate_mode::n_choices;
  o.ta.seed = 100;
  o.ta.refill_candidates = false;
  gpta::dialogue_gradient s(o);
  const auto p0 = s.start(task());
  BOOST_TEST(*p0.request->seed == 100);
  (void)s.on_reply(reply("<prefix>start</prefix>"));
  const auto p = s.feedback(sample_feedback());
  BOOST_TEST(p.request->n == 3);
  BOOST_TEST(*p.request->seed == 101);  // seed + request index
  BOOST_TEST(contains(p.request->messages.back().content, "holding exactly 1 instruction."));
  gpta::chat_response r;
  r.choices = {{"<prefix>alpha</prefix>", "stop"}, {"no tags", "stop"}, {"<prefix>gamma</prefix>", "stop"}};
  const auto c = s.on_reply(r);
  BOOST_TEST(c.candidates == (std::vector<std::string>{"alpha", "gamma"}));  // partial answers are used
}

BOOST_AUTO_TEST_CASE(after_a_round_exhausted_corrections_can_keep_the_incumbent) {
  gpta::dialogue_gradient_options o;
  o.ta.max_corrections = 1;
  o.ta.keep_incumbent_when_exhausted = true;
  gpta::dialogue_gradient s(o);
  (void)s.start(task());
  (void)s.on_reply(reply("<prefix>start</prefix>"));
  (void)s.feedback(sample_feedback());
  BOOST_TEST(s.on_reply(reply("nothing")).request.has_value());
  const auto p = s.on_reply(reply("still nothing"));
  BOOST_TEST(p.candidates.empty());
  BOOST_TEST(!p.request.has_value());
  BOOST_TEST(s.counters().exhausted == 1u);
  // The conversation still alternates, so the next feedback turn can follow.
  BOOST_TEST(s.conversation().back().role == "assistant");
  BOOST_TEST(s.feedback(sample_feedback()).request.has_value());

  // Round 0: the incumbent is the empty prefix, so the option gives no candidates there too.
  gpta::dialogue_gradient s0(o);
  (void)s0.start(task());
  (void)s0.on_reply(reply("nothing"));
  const auto p0 = s0.on_reply(reply("nothing"));
  BOOST_TEST(p0.candidates.empty());
  BOOST_TEST(!p0.request.has_value());
  // Without the option, round 0 still throws rather than pass raw text on.
  o.ta.keep_incumbent_when_exhausted = false;
  gpta::dialogue_gradient s1(o);
  (void)s1.start(task());
  (void)s1.on_reply(reply("nothing"));
  BOOST_CHECK_THROW((void)s1.on_reply(reply("nothing")), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(an_unanswered_exchange_is_dropped_before_the_next_feedback_turn) {
  gpta::dialogue_gradient s;
  (void)s.start(task());
  (void)s.on_reply(reply("<prefix>start</prefix>"));
  (void)s.feedback(sample_feedback());      // 4 turns, pending
  (void)s.on_reply(reply("no tags"));       // + bad answer + correction: 6 turns, pending
  BOOST_TEST(s.conversation().size() == 6u);
  const auto p = s.feedback(sample_feedback());  // the transport failed; the trainer moved on
  BOOST_TEST_REQUIRE(p.request->messages.size() == 4u);
  BOOST_TEST(p.request->messages[2].content == R"({"prefixes":["start"]})");
  BOOST_TEST(p.request->messages[3].role == "user");
}

BOOST_AUTO_TEST_CASE(inside_the_trainer_no_example_text_reaches_the_teaching_assistant) {
  const auto train = marked_dataset(60, "train"), dev = marked_dataset(80, "dev"), test = marked_dataset(40, "test");
  scripted_transport ta;
  ta.answers = {"<prefix>Classify the review.</prefix>",
                "I think a better prefix would be about sentiment.",  // unusable: corrected
                "<prefix>Find the sentiment.</prefix><prefix>Read it.</prefix>",
                "<prefix>sentiment sentiment first</prefix><prefix>Look closely.</prefix>"};
  gpta::trainer_options opts;
  opts.rounds = 3;
  opts.batch_size = 10;
  opts.probe_steps = 3;
  opts.candidates = 2;
  opts.prefix_token_budget = 12;
  opts.progress = false;
  gpta::basic_trainer<gpta::test::oracle_student, gpta::dialogue_gradient, scripted_transport> t(
      gpta::test::oracle_student{}, gpta::dialogue_gradient{}, ta, opts);
  const auto run = t.fit(train, dev, test, task());

  const auto& requests = t.transport().requests;
  BOOST_TEST(requests.size() == 4u);  // round 0, feedback 1 + its correction, feedback 2
  BOOST_TEST(run.ta_requests == 4u);
  for (const auto& r : requests)
    for (const auto& m : r.messages) {
      BOOST_TEST(!contains(m.content, "zqx"));
      for (const auto* d : {&train, &dev, &test})
        for (const auto& e : d->examples) BOOST_TEST(!contains(m.content, e.text));
    }
  // The feedback turns carry the trainer's own numbers.
  BOOST_TEST(contains(requests[1].messages.back().content,
                      "dev accuracy: " + gpta::detail::format_fixed(run.rounds[0].dev.score)));
  BOOST_TEST(contains(requests[3].messages.back().content,
                      "dev accuracy: " + gpta::detail::format_fixed(run.rounds[1].dev.score)));
  // Every request extends the one before: one conversation.
  for (std::size_t i = 1; i < requests.size(); ++i) {
    BOOST_TEST_REQUIRE(requests[i].messages.size() > requests[i - 1].messages.size());
    for (std::size_t k = 0; k < requests[i - 1].messages.size(); ++k)
      BOOST_TEST((requests[i].messages[k] == requests[i - 1].messages[k]));
  }
  const auto& c = t.strategy().counters();
  BOOST_TEST(c.corrections_sent == 1u);
  BOOST_TEST(c.replies_parsed == 3u);
  BOOST_TEST(run.rounds[0].prefix == "Classify the review.");
  // The oracle rewards "sentiment": the TA's candidates won their probes.
  BOOST_TEST(run.rounds[1].prefix == "Find the sentiment.");
  BOOST_TEST(run.rounds[2].prefix == "sentiment sentiment first");
}
