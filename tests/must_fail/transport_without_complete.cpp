// gpta-expect-error: Transport must provide `chat_response complete
#include <gpta/concepts/llm_transport.hpp>

struct mute_transport {
  gpta::chat_response send(const gpta::chat_request&) { return {}; }
};

static_assert(gpta::detail::check_llm_transport<mute_transport>());
