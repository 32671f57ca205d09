// The callback concept: observers of a training run, each hook taking one context object.
// A type with no recognised hook, or a hook with the wrong parameter, is a compile error.
#pragma once

#include <gpta/core/records.hpp>

namespace gpta {

template <class C>
concept has_on_run_begin = requires(C& c, const run_context& x) { c.on_run_begin(x); };
template <class C>
concept has_on_epoch_end = requires(C& c, const epoch_context& x) { c.on_epoch_end(x); };
template <class C>
concept has_on_round_end = requires(C& c, const round_context& x) { c.on_round_end(x); };
template <class C>
concept has_on_run_end = requires(C& c, const run_context& x) { c.on_run_end(x); };

/// See docs/concepts.md#callback.
template <class C>
concept callback = has_on_run_begin<C> || has_on_epoch_end<C> || has_on_round_end<C> || has_on_run_end<C>;

namespace detail {
// A member that is named like a hook but cannot be called with that hook's context would be
// silently ignored (ensmallen's trap); these detect the name so the check can refuse it.
template <class C> concept names_on_run_begin = requires { &C::on_run_begin; };
template <class C> concept names_on_epoch_end = requires { &C::on_epoch_end; };
template <class C> concept names_on_round_end = requires { &C::on_round_end; };
template <class C> concept names_on_run_end = requires { &C::on_run_end; };

template <class C>
constexpr bool check_callback() {
  static_assert(callback<C>,
                "gpta: a callback must provide at least one hook: on_run_begin(const run_context&), "
                "on_epoch_end(const epoch_context&), on_round_end(const round_context&) or "
                "on_run_end(const run_context&) - see docs/concepts.md#callback");
  static_assert(!names_on_run_begin<C> || has_on_run_begin<C>,
                "gpta: callback's on_run_begin must be callable as on_run_begin(const run_context&) - see "
                "docs/concepts.md#callback");
  static_assert(!names_on_epoch_end<C> || has_on_epoch_end<C>,
                "gpta: callback's on_epoch_end must be callable as on_epoch_end(const epoch_context&) - see "
                "docs/concepts.md#callback");
  static_assert(!names_on_round_end<C> || has_on_round_end<C>,
                "gpta: callback's on_round_end must be callable as on_round_end(const round_context&) - see "
                "docs/concepts.md#callback");
  static_assert(!names_on_run_end<C> || has_on_run_end<C>,
                "gpta: callback's on_run_end must be callable as on_run_end(const run_context&) - see "
                "docs/concepts.md#callback");
  return callback<C>;
}

template <class C>
void call_on_run_begin(C& c, const run_context& x) {
  if constexpr (has_on_run_begin<C>) c.on_run_begin(x);
}
template <class C>
void call_on_epoch_end(C& c, const epoch_context& x) {
  if constexpr (has_on_epoch_end<C>) c.on_epoch_end(x);
}
template <class C>
void call_on_round_end(C& c, const round_context& x) {
  if constexpr (has_on_round_end<C>) c.on_round_end(x);
}
template <class C>
void call_on_run_end(C& c, const run_context& x) {
  if constexpr (has_on_run_end<C>) c.on_run_end(x);
}
}  // namespace detail

}  // namespace gpta
