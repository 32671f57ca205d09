// Each archetype models its concept: the concepts are not over-constrained.
#include <gpta/concepts/callback.hpp>
#include <gpta/concepts/llm_transport.hpp>
#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/concepts/student_model.hpp>

#include <boost/test/unit_test.hpp>

#include "support/archetypes.hpp"

static_assert(gpta::detail::check_student_model<gpta::test::student_archetype>());
static_assert(gpta::detail::check_prompt_strategy<gpta::test::strategy_archetype>());
static_assert(gpta::detail::check_llm_transport<gpta::test::transport_archetype>());
static_assert(gpta::detail::check_callback<gpta::test::callback_archetype>());
static_assert(gpta::llm_transport<gpta::null_transport>);
static_assert(gpta::student_model<gpta::test::oracle_student>);

// The concepts must also reject what they should, or they check nothing.
static_assert(!gpta::student_model<int>);
static_assert(!gpta::prompt_strategy<gpta::test::student_archetype>);
static_assert(!gpta::llm_transport<gpta::test::strategy_archetype>);
static_assert(!gpta::callback<gpta::test::transport_archetype>);
static_assert(!gpta::has_predict_with_loss<gpta::test::student_archetype>);

BOOST_AUTO_TEST_CASE(null_transport_refuses_every_request) {
  gpta::null_transport t;
  BOOST_CHECK_THROW(t.complete(gpta::chat_request{}), std::logic_error);
}
