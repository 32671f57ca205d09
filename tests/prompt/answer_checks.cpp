#include <gpta/prompt/answer_checks.hpp>

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_CASE(normalisation_ignores_case_punctuation_and_spacing) {
  BOOST_TEST(gpta::normalize_for_comparison("  Is this review POSITIVE, or negative?! ") ==
             "is this review positive or negative");
  BOOST_TEST(gpta::normalize_for_comparison("a--b") == "a b");
  BOOST_TEST(gpta::normalize_for_comparison("...") == "");
  // Non-ASCII bytes are kept: two prefixes in another script stay different.
  BOOST_TEST(gpta::normalize_for_comparison("Ärger!") == "\xC3\x84rger");
  BOOST_TEST(gpta::normalize_for_comparison("Ärger") != gpta::normalize_for_comparison("Örger"));
}

BOOST_AUTO_TEST_CASE(repeats_are_found_under_the_normalised_comparison) {
  const std::vector<std::string> seen{"Read the review.", "Decide: positive or negative?"};
  BOOST_TEST(gpta::is_repeat("read the review", seen));
  BOOST_TEST(gpta::is_repeat("DECIDE positive or negative", seen));
  BOOST_TEST(!gpta::is_repeat("Read the whole review.", seen));
  BOOST_TEST(!gpta::is_repeat("anything", {}));
}

BOOST_AUTO_TEST_CASE(placeholders_are_unusable) {
  const std::string prompt = "Task: binary sentiment classification";
  for (const char* p : {"task_instruction_1", "Prefix 2", "instruction", "first instruction", "the instruction",
                        "The Instruction.", "{{prefix}}",
                        "[insert instruction here]", "<instruction>", "Classify the review ...",
                        "Classify the review \xE2\x80\xA6", "[the instruction]"}) {
    const auto why = gpta::unusable_reason(p, prompt);
    BOOST_TEST_REQUIRE(why.has_value(), p);
    BOOST_TEST(why->find("placeholder") != std::string::npos, p);
  }
  // Real instructions pass, including short ones and ones with underscores between words.
  for (const char* p : {"Is this movie review positive or negative?", "Classify.", "Judge the tone of snake_case code."})
    BOOST_TEST(!gpta::unusable_reason(p, prompt).has_value(), p);
}

BOOST_AUTO_TEST_CASE(echoes_of_the_prompt_are_unusable_but_short_overlaps_are_not) {
  const std::string prompt =
      "You write the instruction that is put in front of every input.\nDataset: Single sentences from English movie "
      "reviews.";
  const auto why = gpta::unusable_reason("single sentences from English movie reviews", prompt);
  BOOST_TEST_REQUIRE(why.has_value());
  BOOST_TEST(why->find("repeats the prompt") != std::string::npos);
  BOOST_TEST(gpta::unusable_reason("You write the instruction that is put in front", prompt).has_value());
  // Four words or fewer may coincide with the prompt by chance ("movie reviews" is a fine cue).
  BOOST_TEST(!gpta::unusable_reason("English movie reviews.", prompt).has_value());
  BOOST_TEST(!gpta::unusable_reason("Single movie reviews are positive or negative.", prompt).has_value());
  BOOST_TEST(gpta::unusable_reason("", prompt).has_value());
}

BOOST_AUTO_TEST_CASE(restatements_of_the_system_turn_are_unusable_but_the_output_format_is_not) {
  // What the 1.5B TA answered for XSum: the system turn's advice turned into a "prefix".
  const std::string system =
      "You write the instruction that is put in front of every input of a small model. The model reads your "
      "instruction, then one input, and must answer. A good instruction says what the task is, names the possible "
      "answers, and says which cues in the input point to each answer.";
  const std::string prompt = system + "\nThe model must answer with: one sentence of about 20 words";
  const std::string parrot =
      "Write an instruction that says what the task is, names the possible answers, and says which cues in the input "
      "point to each answer.";
  // Not a verbatim copy of a prompt sentence, so the echo check alone lets it through ...
  BOOST_TEST(!gpta::unusable_reason(parrot, prompt).has_value());
  // ... but it shares 8 words in a row with the system turn.
  const auto why = gpta::unusable_reason(parrot, prompt, system);
  BOOST_TEST_REQUIRE(why.has_value());
  BOOST_TEST(why->find("restates the instructions you were given") != std::string::npos, *why);
  BOOST_TEST(why->find("\"says what the task is names the possible\"") != std::string::npos, *why);
  // 8 words is the line: 7 in a row pass, 8 do not.
  BOOST_TEST(!gpta::unusable_reason("The model reads your instruction, then one article.", prompt, system).has_value());
  BOOST_TEST(gpta::unusable_reason("The model reads your instruction, then one input and answers.", prompt, system)
                 .has_value());
  // The task turn is not searched for runs: restating the output format is a good prefix.
  BOOST_TEST(!gpta::unusable_reason("Answer with one sentence of about 20 words that says what happened.", prompt, system)
                  .has_value());
}

BOOST_AUTO_TEST_CASE(cutting_to_a_budget_prefers_sentence_ends_then_word_boundaries) {
  // The sentence end inside the budget wins over a later word boundary.
  BOOST_TEST(gpta::cut_to_budget("Read it. Then decide whether it is positive or negative.", 5) == "Read it.");
  // No sentence end fits: the last word boundary that fits.
  BOOST_TEST(gpta::cut_to_budget("Decide whether this review is positive or negative.", 4) == "Decide whether this review");
  BOOST_TEST(gpta::cut_to_budget("Short enough.", 5) == "Short enough.");
  BOOST_TEST(gpta::cut_to_budget("Anything at all", 0) == "Anything at all");  // 0: no limit
  // Word boundaries only: the new second sentence is kept as far as it fits, without the comma.
  BOOST_TEST(gpta::cut_to_budget("Read it. Then decide, carefully, whether it is positive.", 5, {}, gpta::cut_at::word) ==
             "Read it. Then decide, carefully");
  // Another unit: a counter of characters / 4.
  const gpta::token_counter bytes4 = [](std::string_view s) { return (s.size() + 3) / 4; };
  BOOST_TEST(gpta::cut_to_budget("abcd efgh ijkl", 3, bytes4) == "abcd efgh");
  BOOST_TEST(gpta::cut_to_budget("abcdefghijklmnop", 2, bytes4).empty());  // not one word fits
}
