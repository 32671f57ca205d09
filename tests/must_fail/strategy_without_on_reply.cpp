// gpta-expect-error: Strategy must provide `prefix_proposal on_reply
#include <gpta/concepts/prompt_strategy.hpp>

struct forgetful_strategy {
  gpta::prefix_proposal start(const gpta::task_info&) { return {}; }
  gpta::prefix_proposal feedback(const gpta::round_feedback&) { return {}; }
  std::string_view name() const { return "forgetful"; }
};

static_assert(gpta::detail::check_prompt_strategy<forgetful_strategy>());
