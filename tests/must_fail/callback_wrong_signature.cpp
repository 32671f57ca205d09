// gpta-expect-error: on_round_end must be callable as on_round_end\(const round_context&\)
#include <gpta/concepts/callback.hpp>

// on_run_end is fine, so this is a callback - but on_round_end takes the wrong context and
// would otherwise be silently never called.
struct sloppy_callback {
  void on_run_end(const gpta::run_context&) {}
  void on_round_end(const gpta::epoch_context&) {}
};

static_assert(gpta::detail::check_callback<sloppy_callback>());
