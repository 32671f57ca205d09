// The one list of strategies: ids, TA use and summaries come from the types, visit() maps a
// name back to its type, and unknown names are refused with the list.
#include <gpta/prompt/strategy_registry.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace {
/// A user's strategy registered beside the built-in ones.
struct echo_strategy : gpta::offline_strategy {
  static constexpr std::string_view id = "echo";
  static constexpr bool consults_ta = false;
  static constexpr std::string_view summary = "repeats the task name";
  gpta::prefix_proposal start(const gpta::task_info& t) { return gpta::prefix_proposal::ready({t.name}); }
  [[nodiscard]] std::string_view name() const noexcept { return id; }
};
using my_strategies = gpta::strategy_list<gpta::no_prefix, echo_strategy, gpta::dialogue_gradient>;
}  // namespace

BOOST_AUTO_TEST_CASE(builtin_names_are_the_types_own_names_in_table_order) {
  using reg = gpta::builtin_strategies;
  BOOST_TEST(reg::names() ==
             (std::vector<std::string>{"none", "fixed", "random", "description", "dialogue", "opro"}));
  BOOST_TEST(reg::ta_names() == (std::vector<std::string>{"description", "dialogue", "opro"}));
  BOOST_TEST(reg::contains("dialogue"));
  BOOST_TEST(!reg::contains("Dialogue"));
  BOOST_TEST(reg::consults_ta("opro"));
  BOOST_TEST(!reg::consults_ta("fixed"));
  BOOST_TEST(!reg::consults_ta("unknown"));
  // Every id names a type whose name() is that id (records and tables use name()).
  for (const auto& id : reg::names()) {
    const bool matches = reg::visit(id, [&]<class S>(std::type_identity<S>) {
      if constexpr (std::is_default_constructible_v<S>) return S{}.name() == id;
      else return std::string_view(S::id) == id;
    });
    BOOST_TEST(matches, id);
  }
  BOOST_TEST(gpta::no_prefix{}.name() == "none");
  BOOST_TEST(gpta::fixed_prefix{"x"}.name() == "fixed");
}

BOOST_AUTO_TEST_CASE(visit_dispatches_to_the_named_type_and_refuses_unknown_names) {
  const auto kind = [](const std::string& id) {
    return my_strategies::visit(id, []<class S>(std::type_identity<S>) -> std::string {
      if constexpr (std::is_same_v<S, echo_strategy>) return "echo type";
      else if constexpr (std::is_same_v<S, gpta::no_prefix>) return "no_prefix type";
      else return "dialogue type";
    });
  };
  BOOST_TEST(kind("echo") == "echo type");
  BOOST_TEST(kind("none") == "no_prefix type");
  BOOST_TEST(kind("dialogue") == "dialogue type");
  try {
    (void)kind("fixed");
    BOOST_FAIL("an unregistered name was accepted");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()) == "gpta: unknown strategy 'fixed' (registered: none | echo | dialogue)");
  }
  int calls = 0;  // a void visitor runs once
  my_strategies::visit("echo", [&]<class S>(std::type_identity<S>) { ++calls; });
  BOOST_TEST(calls == 1);
  BOOST_CHECK_THROW(my_strategies::visit("", [&]<class S>(std::type_identity<S>) { ++calls; }), std::invalid_argument);
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(help_has_one_line_per_strategy_with_its_summary) {
  const std::string h = my_strategies::help("  ");
  BOOST_TEST(h == "  none: " + std::string(gpta::no_prefix::summary) + "\n  echo: repeats the task name\n  dialogue: " +
                      std::string(gpta::dialogue_gradient::summary));
  BOOST_TEST(my_strategies::ta_names() == std::vector<std::string>{"dialogue"});
}
