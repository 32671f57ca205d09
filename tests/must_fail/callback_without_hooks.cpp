// gpta-expect-error: a callback must provide at least one hook
#include <gpta/concepts/callback.hpp>

struct deaf_callback {
  void on_round_finished(const gpta::round_context&) {}
};

static_assert(gpta::detail::check_callback<deaf_callback>());
