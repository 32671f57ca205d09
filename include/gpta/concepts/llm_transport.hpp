// The llm_transport concept: how a teaching-assistant request reaches an LLM.
// Transports are policies: the Beast client, decorators (cache, audit) and scripted fakes.
#pragma once

#include <concepts>
#include <stdexcept>

#include <gpta/core/chat.hpp>

namespace gpta {

/// Requirement: a blocking call that sends one chat request and returns the parsed response,
/// throwing on failure (std::system_error with a gpta error code for transport failures).
template <class T>
concept has_complete = requires(T& t, const chat_request& r) {
  { t.complete(r) } -> std::same_as<chat_response>;
};

/// See docs/concepts.md#llm_transport.
template <class T>
concept llm_transport = has_complete<T>;

namespace detail {
template <class T>
constexpr bool check_llm_transport() {
  static_assert(has_complete<T>,
                "gpta: Transport must provide `chat_response complete(const chat_request&)` - see "
                "docs/concepts.md#llm_transport");
  return llm_transport<T>;
}
}  // namespace detail

/// The transport for runs that never talk to a TA (no prefix, fixed prefix): any call is misuse.
struct null_transport {
  chat_response complete(const chat_request&) {
    throw std::logic_error(
        "gpta::null_transport: the strategy asked the teaching assistant, but no transport was configured");
  }
};

}  // namespace gpta
