#include <gpta/prompt/random_prefix.hpp>

#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/prompt/common_words.hpp>

static_assert(gpta::detail::check_prompt_strategy<gpta::random_prefix>());

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::string w;
  for (const char c : s + " ") {
    if (c == ' ') {
      if (!w.empty()) out.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(matches_the_reference_length_in_words) {
  gpta::random_prefix_options o;
  o.reference = "Decide whether the reviewer liked the film overall.";  // 8 words
  gpta::random_prefix s(o);
  const auto p = s.start(gpta::task_info{});
  BOOST_TEST_REQUIRE(p.candidates.size() == 1u);
  BOOST_TEST(!p.request.has_value());
  BOOST_TEST(gpta::count_words(p.candidates[0]) == 8u);
  BOOST_TEST(s.prefix() == p.candidates[0]);
  BOOST_TEST(s.name() == "random");
  // Every word comes from the built-in list.
  std::set<std::string> builtin;
  for (const auto w : gpta::detail::common_words()) builtin.emplace(w);
  for (const auto& w : split(p.candidates[0])) BOOST_TEST(builtin.count(w) == 1u);
  // Offline: nothing more to say after a round.
  BOOST_TEST(s.feedback(gpta::round_feedback{}).candidates.empty());
}

BOOST_AUTO_TEST_CASE(deterministic_for_a_seed_and_different_across_seeds) {
  gpta::random_prefix_options o;
  o.length = 12;
  o.seed = 42;
  const auto a = gpta::random_prefix(o).start(gpta::task_info{}).candidates.at(0);
  const auto b = gpta::random_prefix(o).start(gpta::task_info{}).candidates.at(0);
  BOOST_TEST(a == b);
  o.seed = 43;
  const auto c = gpta::random_prefix(o).start(gpta::task_info{}).candidates.at(0);
  BOOST_TEST(a != c);  // 364^12 outcomes: a collision means the seed is ignored
  BOOST_TEST(gpta::count_words(c) == 12u);
}

BOOST_AUTO_TEST_CASE(without_reference_or_length_the_task_budget_sets_the_length) {
  gpta::task_info t;
  t.prefix_token_budget = 5;
  BOOST_TEST(gpta::count_words(gpta::random_prefix{}.start(t).candidates.at(0)) == 5u);
}

BOOST_AUTO_TEST_CASE(user_vocabulary_skips_special_and_subword_entries) {
  gpta::random_prefix_options o;
  o.vocabulary = {"[PAD]", "[CLS]", "##ing", "<s>", "", "two words", "tab\there", ",", "42", "apple", "caf\xC3\xA9",
                  "bad\xFF"};
  o.length = 50;
  gpta::random_prefix s(o);
  BOOST_TEST(s.words() == (std::vector<std::string>{"apple", "caf\xC3\xA9"}));
  const auto p = s.start(gpta::task_info{}).candidates.at(0);
  std::set<std::string> seen;
  for (const auto& w : split(p)) seen.insert(w);
  BOOST_TEST(seen == (std::set<std::string>{"apple", "caf\xC3\xA9"}));  // 50 draws from 2 words hit both

  o.vocabulary = {"[PAD]", "##s"};
  BOOST_CHECK_THROW(gpta::random_prefix{o}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_token_counter_measures_reference_and_result) {
  gpta::random_prefix_options o;
  o.reference = "abcdefghij";  // 10 "tokens" by the byte counter below, one word
  o.vocabulary = {"xy"};
  o.count = [](std::string_view s) { return s.size(); };
  const auto p = gpta::random_prefix(o).start(gpta::task_info{}).candidates.at(0);
  BOOST_TEST(p == "xy xy xy xy");  // 11 bytes: the first length >= 10
}
