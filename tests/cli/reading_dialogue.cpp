// gpta-test-labels: integration cli
// gpta-test-seconds: 170
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <unistd.h>

// `gpta train --task squad|race --strategy dialogue` with the real MiniLM ($GPTA_MINILM_DIR) on
// the shared data, against a scripted TA on loopback: the feedback turn carries the reading
// figures (per question word / level and kind, lengths of wrong answers) and no passage or
// question text.

#include <gpta/data/squad.hpp>

#include "support/llm_test_server.hpp"
#include "support/run_command.hpp"

namespace fs = std::filesystem;

namespace {

using gpta::test::run_command;

/// The last feedback turn the scripted TA received in a 2-round dialogue run of `task`.
std::string feedback_turn(const std::string& task, std::vector<gpta::test::recorded_request>& requests,
                          const std::string& split = " --train-questions 4") {
  using gpta::test::server_action;
  gpta::test::llm_test_server ta([](const gpta::test::recorded_request& req, std::size_t) {
    if (req.json().at("messages").as_array().size() <= 2)
      return server_action::ok("<prefix>Find the words of the passage that answer the question.</prefix>");
    return server_action::ok("<prefix>Read the question first, then the passage.</prefix>\n<prefix>Answer from "
                             "the passage only.</prefix>");
  });
  const fs::path out = fs::temp_directory_path() / ("gpta_cli_" + task + "_dialogue_" + std::to_string(::getpid()));
  const std::string gpta = GPTA_TEST_BINARY_DIR "/bin/gpta";
  const auto r = run_command("OMP_NUM_THREADS=1 " + gpta + " train --task " + task +
                     " --student minilm --strategy dialogue --data-dir " GPTA_TEST_SHARED_DATA_DIR + split +
                     " --dev-questions 4 --test-questions 4 --rounds 2 --epochs 1 --batch-size 4"
                     " --max-length 128 --candidates 2 --probe-steps 1 --probe-dev 4 --ta-format tags --ta-base-url " +
                     ta.base_url() + " --quiet --out " + out.string());
  fs::remove_all(out);
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  requests = ta.requests();
  std::string feedback;
  for (const auto& q : requests) {
    const auto messages = q.json().at("messages").as_array();
    if (messages.size() > 2) feedback = messages.back().at("content").as_string().c_str();
  }
  return feedback;
}

}  // namespace

BOOST_AUTO_TEST_CASE(squad_feedback_breaks_scores_down_by_question_word) {
  std::vector<gpta::test::recorded_request> requests;
  const std::string fb = feedback_turn("squad", requests);
  BOOST_TEST_REQUIRE(!fb.empty());
  for (const char* want : {"dev f1:", "- dev scores per question word:", "The weakest question word is"})
    BOOST_TEST(fb.find(want) != std::string::npos, "missing \"" << want << "\" in:\n" << fb);
  // Four questions of an untrained span head: some are wrong, so the wrong-answer lengths are there.
  BOOST_TEST(fb.find("  - wrong answers: mean predicted length (words): ") != std::string::npos, fb);
  BOOST_TEST(fb.find("  - share of empty predictions: ") != std::string::npos, fb);
  // No question and no passage of the file reaches the TA (a leak of any split would show: the
  // first 40 characters of every context and every question are looked for in every request).
  const auto all = gpta::data::load_squad(fs::path(GPTA_TEST_SHARED_DATA_DIR) / "squad_v1.1" / "dev-v1.1.shared.json");
  std::size_t looked = 0;
  for (const auto& e : all.examples)
    for (const std::string* text : {&e.question, &e.context}) {
      const std::string head = text->substr(0, 40);
      if (head.size() < 40 || head.find_first_of("\"\\") != std::string::npos) continue;  // JSON-escaped in a body
      ++looked;
      for (const auto& q : requests) BOOST_TEST_REQUIRE(q.body.find(head) == std::string::npos, head);
    }
  BOOST_TEST(looked > 8000u);
}

BOOST_AUTO_TEST_CASE(race_feedback_breaks_scores_down_by_level_and_question_kind) {
  std::vector<gpta::test::recorded_request> requests;
  // Seed 55's 8 training questions include the option "all of the above", the words the
  // feedback turn itself uses ("different from all of the above"): a short option matched whole
  // by the audit refused every feedback turn of such a split (so the dialogue never ran on RACE).
  const std::string fb = feedback_turn("race", requests, " --train-questions 8 --seed 55");
  BOOST_TEST_REQUIRE(!fb.empty());
  for (const char* want : {"dev accuracy:", "- dev scores per level or question kind:",
                           "The weakest level or question kind is"})
    BOOST_TEST(fb.find(want) != std::string::npos, "missing \"" << want << "\" in:\n" << fb);
  BOOST_TEST((fb.find("  - middle: ") != std::string::npos || fb.find("  - high: ") != std::string::npos), fb);
  BOOST_TEST((fb.find("  - cloze: ") != std::string::npos || fb.find("  - question: ") != std::string::npos), fb);
}
