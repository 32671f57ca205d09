// A type-erased llm_transport for coarse boundaries (CLI, run configuration): one virtual call
// per request, which is nothing next to an LLM round trip, and no template in the caller.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <gpta/concepts/llm_transport.hpp>
#include <gpta/core/chat.hpp>

namespace gpta {

class any_transport {
 public:
  any_transport() = default;

  /// Own a transport (moved in).
  template <class Transport>
    requires(!std::is_same_v<std::remove_cvref_t<Transport>, any_transport> &&
             llm_transport<std::remove_cvref_t<Transport>>)
  any_transport(Transport&& t)  // NOLINT(google-explicit-constructor): a transport is-an any_transport
      : impl_(std::make_unique<model<std::remove_cvref_t<Transport>>>(std::forward<Transport>(t))) {}

  /// Refer to a transport owned elsewhere (it must outlive this object).
  template <class Transport>
    requires llm_transport<Transport>
  any_transport(std::reference_wrapper<Transport> t)  // NOLINT(google-explicit-constructor)
      : impl_(std::make_unique<model<Transport&>>(t.get())) {}

  any_transport(any_transport&&) noexcept = default;
  any_transport& operator=(any_transport&&) noexcept = default;

  chat_response complete(const chat_request& req) {
    if (!impl_) throw std::invalid_argument("gpta::any_transport: complete() on an empty transport");
    return impl_->complete(req);
  }

  [[nodiscard]] explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  struct concept_base {
    virtual ~concept_base() = default;
    virtual chat_response complete(const chat_request&) = 0;
  };
  template <class T>
  struct model final : concept_base {
    template <class U>
    explicit model(U&& u) : t(std::forward<U>(u)) {}
    chat_response complete(const chat_request& req) override { return t.complete(req); }
    T t;
  };

  std::unique_ptr<concept_base> impl_;
};

static_assert(llm_transport<any_transport>);

}  // namespace gpta
