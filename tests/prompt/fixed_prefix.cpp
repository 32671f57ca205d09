#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/prompt/no_prefix.hpp>

#include <boost/test/unit_test.hpp>

static_assert(gpta::detail::check_prompt_strategy<gpta::fixed_prefix>());
static_assert(gpta::detail::check_prompt_strategy<gpta::no_prefix>());

BOOST_AUTO_TEST_CASE(fixed_prefix_returns_its_string_and_keeps_it) {
  gpta::fixed_prefix s{"Classify the sentiment:"};
  auto p = s.start(gpta::task_info{});
  BOOST_TEST(p.candidates.size() == 1u);
  BOOST_TEST(p.candidates.front() == "Classify the sentiment:");
  BOOST_TEST(!p.request.has_value());
  BOOST_TEST(s.feedback(gpta::round_feedback{}).candidates.empty());
  BOOST_CHECK_THROW(s.on_reply(gpta::chat_response{}), std::logic_error);
}

BOOST_AUTO_TEST_CASE(no_prefix_is_the_empty_string) {
  gpta::no_prefix s;
  auto p = s.start(gpta::task_info{});
  BOOST_TEST(p.candidates == std::vector<std::string>{""});
  BOOST_TEST(s.name() == "none");
}
