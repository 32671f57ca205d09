// Mixin for strategies that never consult the teaching assistant: supplies on_reply() and
// feedback() so such a strategy only writes start() and name().
#pragma once

#include <stdexcept>

#include <gpta/core/chat.hpp>
#include <gpta/core/feedback.hpp>

namespace gpta {

struct offline_strategy {
  /// Keep the incumbent: offline strategies have nothing new to say after a round.
  prefix_proposal feedback(const round_feedback&) { return prefix_proposal::none(); }

  prefix_proposal on_reply(const chat_response&) {
    throw std::logic_error("gpta::offline_strategy: received a TA reply it never asked for");
  }
};

}  // namespace gpta
