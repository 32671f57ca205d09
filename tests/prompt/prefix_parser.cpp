#include <gpta/prompt/prefix_parser.hpp>

#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace {

bool any_problem_contains(const gpta::prefix_parse_result& r, std::string_view text) {
  for (const auto& p : r.problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

using strings = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_CASE(extracts_every_block_with_case_insensitive_tags_and_trims) {
  const auto r = gpta::parse_prefixes(
      "Sure! Here are two:\n<prefix>  Decide if the review is positive.  </prefix>\nand\n"
      "<PREFIX>\nFocus on the reviewer's overall verdict.\n</Prefix> Hope this helps.");
  BOOST_TEST(r.ok());
  BOOST_TEST(r.prefixes == (strings{"Decide if the review is positive.", "Focus on the reviewer's overall verdict."}));
  BOOST_TEST(r.problems.empty());
}

BOOST_AUTO_TEST_CASE(an_answer_without_tags_is_a_problem_not_a_prefix) {
  const auto r = gpta::parse_prefixes("Decide whether the review is positive or negative.");
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.prefixes.empty());
  BOOST_TEST(any_problem_contains(r, "no <prefix>"));
  BOOST_TEST(!r.summary().empty());
}

BOOST_AUTO_TEST_CASE(unclosed_and_reopened_tags_are_problems) {
  const auto unclosed = gpta::parse_prefixes("<prefix>Read carefully.");
  BOOST_TEST(!unclosed.ok());
  BOOST_TEST(any_problem_contains(unclosed, "never closed"));

  // The re-opened block is reported; the well-formed one after it still counts.
  const auto reopened = gpta::parse_prefixes("<prefix>first <prefix>second</prefix>");
  BOOST_TEST(reopened.prefixes == strings{"second"});
  BOOST_TEST(any_problem_contains(reopened, "prefix 1 opens <prefix> again"));
}

BOOST_AUTO_TEST_CASE(empty_blocks_are_rejected) {
  const auto r = gpta::parse_prefixes("<prefix></prefix><prefix> \n\t </prefix><prefix>\x01\x02</prefix>");
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.problems.size() == 3u);
  BOOST_TEST(any_problem_contains(r, "prefix 3 is empty"));
}

BOOST_AUTO_TEST_CASE(control_characters_are_stripped_by_sanitize_prefix) {
  const auto r = gpta::parse_prefixes("<prefix>Rate\x07 the\ttone\r\n of\x7F the text</prefix>");
  BOOST_TEST(r.prefixes == strings{"Rate the tone of the text"});
  // C1 control U+0085 (NEL) dropped, ordinary non-ASCII kept.
  const auto c1 = gpta::parse_prefixes("<prefix>caf\xC3\xA9\xC2\x85 review</prefix>");
  BOOST_TEST(c1.prefixes == strings{"caf\xC3\xA9 review"});
}

BOOST_AUTO_TEST_CASE(invalid_utf8_blocks_are_rejected_not_repaired) {
  const auto r = gpta::parse_prefixes("<prefix>bad \xC3\x28 byte</prefix><prefix>overlong \xC0\xAF</prefix>"
                                      "<prefix>fine</prefix>");
  BOOST_TEST(r.prefixes == strings{"fine"});
  BOOST_TEST(r.problems.size() == 2u);
  BOOST_TEST(any_problem_contains(r, "prefix 1 is not valid UTF-8"));
  BOOST_TEST(any_problem_contains(r, "prefix 2 is not valid UTF-8"));
}

BOOST_AUTO_TEST_CASE(over_budget_prefixes_are_rejected_in_words_by_default) {
  gpta::prefix_parse_options o;
  o.budget = 4;
  const auto r = gpta::parse_prefixes("<prefix>one two three four</prefix><prefix>one two three four five</prefix>", o);
  BOOST_TEST(r.prefixes == strings{"one two three four"});
  BOOST_TEST(any_problem_contains(r, "prefix 2 has 5 words, more than the limit of 4"));
  o.budget = 0;  // no limit
  BOOST_TEST(gpta::parse_prefixes("<prefix>one two three four five</prefix>", o).ok());
}

BOOST_AUTO_TEST_CASE(a_user_token_counter_replaces_the_word_proxy) {
  gpta::prefix_parse_options o;
  o.budget = 10;
  o.count = [](std::string_view s) { return s.size(); };  // one "token" per byte
  const auto r = gpta::parse_prefixes("<prefix>short</prefix><prefix>two words but long</prefix>", o);
  BOOST_TEST(r.prefixes == strings{"short"});
  BOOST_TEST(any_problem_contains(r, "18 tokens, more than the limit of 10"));
}

BOOST_AUTO_TEST_CASE(duplicates_are_dropped_and_max_prefixes_caps_the_list) {
  gpta::prefix_parse_options o;
  o.max_prefixes = 2;
  const auto r =
      gpta::parse_prefixes("<prefix>a b</prefix><prefix> a  b </prefix><prefix>c</prefix><prefix>d</prefix>", o);
  BOOST_TEST(r.prefixes == (strings{"a b", "c"}));
  BOOST_TEST(r.problems.empty());
}

BOOST_AUTO_TEST_CASE(word_and_ta_token_estimates) {
  BOOST_TEST(gpta::count_words("") == 0u);
  BOOST_TEST(gpta::count_words("  one\ttwo\n three  ") == 3u);
  // 12 bytes -> 3 tokens by bytes; 4 one-letter words win over that.
  BOOST_TEST(gpta::approx_ta_tokens("a b c d     ") == 4u);
  BOOST_TEST(gpta::approx_ta_tokens("internationalization") == 5u);  // 20 bytes / 4
}

BOOST_AUTO_TEST_CASE(a_labelled_prefix_line_is_accepted_when_there_are_no_tags) {
  const auto r = gpta::parse_prefixes("Sure!\n\nPrefix: \"Decide whether the review is positive or negative.\"\nHope it helps.");
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r.prefixes.at(0) == "Decide whether the review is positive or negative.");
  // The labelled form goes through the same checks as a tagged block.
  const auto over = gpta::parse_prefixes("prefix: one two three four", {.budget = 3});
  BOOST_TEST(!over.ok());
  // Looser text is still refused: nothing unparsed reaches the student.
  BOOST_TEST(!gpta::parse_prefixes("The prefix should be about sentiment.").ok());
}

BOOST_AUTO_TEST_CASE(a_block_without_words_is_refused) {
  const auto r = gpta::parse_prefixes("<prefix>...</prefix><prefix>Rate the mood.</prefix>");
  BOOST_TEST(r.prefixes == std::vector<std::string>{"Rate the mood."});
  BOOST_TEST(r.summary().find("has no words") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_bare_one_line_answer_is_a_prefix_only_when_allowed) {
  const std::string answer = "  Decide if the review is positive or negative.  ";
  BOOST_TEST(!gpta::parse_prefixes(answer).ok());
  gpta::prefix_parse_options o;
  o.accept_bare_line = true;
  const auto r = gpta::parse_prefixes(answer, o);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r.prefixes.at(0) == "Decide if the review is positive or negative.");
  // Several lines, or over budget, are still refused.
  BOOST_TEST(!gpta::parse_prefixes("Sure.\nDecide the label.", o).ok());
  o.budget = 3;
  BOOST_TEST(!gpta::parse_prefixes(answer, o).ok());
}
