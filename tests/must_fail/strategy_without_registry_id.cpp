// gpta-expect-error: every strategy needs `static constexpr std::string_view id`
#include <gpta/prompt/strategy_registry.hpp>

struct anonymous_strategy : gpta::offline_strategy {
  gpta::prefix_proposal start(const gpta::task_info&) { return gpta::prefix_proposal::ready({""}); }
  [[nodiscard]] std::string_view name() const noexcept { return "anonymous"; }
};

using list = gpta::strategy_list<gpta::no_prefix, anonymous_strategy>;
static_assert(!list::names().empty());
