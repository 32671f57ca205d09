#include <gpta/eval/lead_baseline.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using strings = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(sentences_end_at_newlines_and_at_terminal_punctuation_before_space) {
  BOOST_TEST(gpta::split_sentences("One. Two! Three? Four") == strings({"One.", "Two!", "Three?", "Four"}),
             boost::test_tools::per_element());
  // Decimals, abbreviations glued to the next word and closing quotes.
  BOOST_TEST(gpta::split_sentences("It cost 3.5m. He said \"no.\" Then\nleft.") ==
                 strings({"It cost 3.5m.", "He said \"no.\"", "Then", "left."}),
             boost::test_tools::per_element());
  BOOST_TEST(gpta::split_sentences("  \n\n ").empty());
}

BOOST_AUTO_TEST_CASE(lead_k_joins_the_first_sentences_with_newlines) {
  BOOST_TEST(gpta::lead_summary("A b. C d. E f. G h.", 3) == "A b.\nC d.\nE f.");
  BOOST_TEST(gpta::lead_summary("Only one", 3) == "Only one");
  BOOST_TEST(gpta::lead_summary("First line\nSecond line", 1) == "First line");
}
