// The one list of strategy names: a compile-time list of strategy types, each naming itself
// (`id`), saying whether it consults the teaching assistant (`consults_ta`) and what it does
// (`summary`). Flags, --help, validation and error messages are derived from it, and a name is
// turned back into its type by visit(), so the names cannot drift from the types.
#pragma once

#include <array>
#include <cstddef>
#include <concepts>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/prompt/description_prefix.hpp>
#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/prompt/no_prefix.hpp>
#include <gpta/prompt/random_prefix.hpp>
#include <gpta/prompt/score_trajectory.hpp>

namespace gpta {

/// What a strategy type must say about itself to be registered.
template <class S>
concept registered_strategy = prompt_strategy<S> && requires {
  { S::id } -> std::convertible_to<std::string_view>;
  { S::consults_ta } -> std::convertible_to<bool>;
  { S::summary } -> std::convertible_to<std::string_view>;
};

template <class... S>
struct strategy_list {
 private:
  using first_type = std::tuple_element_t<0, std::tuple<S...>>;

 public:
  static_assert((registered_strategy<S> && ...),
                "gpta::strategy_list: every strategy needs `static constexpr std::string_view id`, `static "
                "constexpr bool consults_ta` and `static constexpr std::string_view summary` - see "
                "docs/concepts.md#prompt_strategy");
  static_assert(sizeof...(S) > 0, "gpta::strategy_list: list at least one strategy");

  static consteval bool unique_ids() {
    const std::array<std::string_view, sizeof...(S)> ids{S::id...};
    for (std::size_t i = 0; i < ids.size(); ++i)
      for (std::size_t j = i + 1; j < ids.size(); ++j)
        if (ids[i] == ids[j]) return false;
    return true;
  }
  static_assert(unique_ids(), "gpta::strategy_list: two strategies share an id");

  /// Every id, in list order (the order of tables).
  [[nodiscard]] static std::vector<std::string> names() { return {std::string(S::id)...}; }

  /// The ids of the strategies that talk to the teaching assistant.
  [[nodiscard]] static std::vector<std::string> ta_names() {
    std::vector<std::string> out;
    ((S::consults_ta ? (void)out.emplace_back(S::id) : void()), ...);
    return out;
  }

  [[nodiscard]] static bool contains(std::string_view id) { return ((id == S::id) || ...); }

  [[nodiscard]] static bool consults_ta(std::string_view id) {
    return ((id == S::id && S::consults_ta) || ...);
  }

  /// One `indent id: summary` line per strategy (no newline after the last), for --help.
  [[nodiscard]] static std::string help(std::string_view indent = "  ") {
    std::string out;
    ((out += (out.empty() ? "" : "\n") + std::string(indent) + std::string(S::id) + ": " + std::string(S::summary)),
     ...);
    return out;
  }

  /// Calls `f(std::type_identity<T>{})` with the strategy type whose id is `id` and returns its
  /// result; an unknown id throws std::invalid_argument naming every registered id.
  template <class F>
  static std::invoke_result_t<F, std::type_identity<first_type>> visit(std::string_view id, F&& f) {
    using result = std::invoke_result_t<F, std::type_identity<first_type>>;
    static_assert((std::is_same_v<result, std::invoke_result_t<F, std::type_identity<S>>> && ...),
                  "gpta::strategy_list::visit: the visitor must return the same type for every strategy");
    if constexpr (std::is_void_v<result>) {
      if (!((id == S::id ? (f(std::type_identity<S>{}), true) : false) || ...)) throw unknown(id);
    } else {
      std::optional<result> out;
      if (!((id == S::id ? (out.emplace(f(std::type_identity<S>{})), true) : false) || ...)) throw unknown(id);
      return std::move(*out);
    }
  }

 private:
  static std::invalid_argument unknown(std::string_view id) {
    std::string list;
    ((list += (list.empty() ? "" : " | ") + std::string(S::id)), ...);
    return std::invalid_argument("gpta: unknown strategy '" + std::string(id) + "' (registered: " + list + ")");
  }
};

/// The strategies gpta ships, in table order.
using builtin_strategies =
    strategy_list<no_prefix, fixed_prefix, random_prefix, description_prefix, dialogue_gradient, score_trajectory>;

}  // namespace gpta
