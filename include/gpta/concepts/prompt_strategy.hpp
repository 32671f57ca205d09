// The prompt_strategy concept: where prefixes come from (none, fixed, the TA, a score trajectory).
// Strategies never do I/O: they emit requests and read replies, so the trainer owns overlap and retries.
#pragma once

#include <concepts>
#include <string_view>

#include <gpta/core/chat.hpp>
#include <gpta/core/feedback.hpp>
#include <gpta/core/task_info.hpp>

namespace gpta {

/// `prefix_proposal start(const task_info&)`: round 0 - the first prefix, or a TA request for it.
template <class S>
concept has_start = requires(S& s, const task_info& t) {
  { s.start(t) } -> std::same_as<prefix_proposal>;
};

/// `prefix_proposal feedback(const round_feedback&)`: after a round - revised candidates, a TA
/// request, or nothing (keep the incumbent).
template <class S>
concept has_feedback = requires(S& s, const round_feedback& f) {
  { s.feedback(f) } -> std::same_as<prefix_proposal>;
};

/// `prefix_proposal on_reply(const chat_response&)`: parse the TA's answer into candidates, or ask
/// again (a corrective turn). Strategies that never ask may inherit it from gpta::offline_strategy.
template <class S>
concept has_on_reply = requires(S& s, const chat_response& r) {
  { s.on_reply(r) } -> std::same_as<prefix_proposal>;
};

/// `name()`: short id used in records and tables ("none", "fixed", "dialogue", ...).
template <class S>
concept has_strategy_name = requires(const S& s) {
  { s.name() } -> std::convertible_to<std::string_view>;
};

/// See docs/concepts.md#prompt_strategy.
template <class S>
concept prompt_strategy = has_start<S> && has_feedback<S> && has_on_reply<S> && has_strategy_name<S>;

namespace detail {
template <class S>
constexpr bool check_prompt_strategy() {
  static_assert(has_start<S>,
                "gpta: Strategy must provide `prefix_proposal start(const task_info&)` - see "
                "docs/concepts.md#prompt_strategy");
  static_assert(has_feedback<S>,
                "gpta: Strategy must provide `prefix_proposal feedback(const round_feedback&)` - see "
                "docs/concepts.md#prompt_strategy");
  static_assert(has_on_reply<S>,
                "gpta: Strategy must provide `prefix_proposal on_reply(const chat_response&)` (or derive from "
                "gpta::offline_strategy) - see docs/concepts.md#prompt_strategy");
  static_assert(has_strategy_name<S>,
                "gpta: Strategy must provide `std::string_view name() const` - see "
                "docs/concepts.md#prompt_strategy");
  return prompt_strategy<S>;
}
}  // namespace detail

}  // namespace gpta
