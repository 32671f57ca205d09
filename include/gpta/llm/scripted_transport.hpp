// A transport for unit tests: replies with queued responses or failures and records every
// request, so strategy and trainer tests need neither a network nor an LLM.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gpta/core/chat.hpp>
#include <gpta/llm/error.hpp>

namespace gpta {

class scripted_transport {
 public:
  /// Queue a full response.
  scripted_transport& push(chat_response r) {
    std::lock_guard lock(state_->mutex);
    state_->queue.emplace_back(std::move(r));
    return *this;
  }
  /// Queue a one-choice reply with `content`.
  scripted_transport& push_text(std::string content, token_usage usage = {}) {
    chat_response r;
    r.id = "scripted-" + std::to_string(queued_total());
    r.model = "scripted";
    r.choices.push_back({std::move(content), "stop"});
    r.usage = usage;
    return push(std::move(r));
  }
  /// Queue a failure, thrown as llm_error when its turn comes.
  scripted_transport& push_error(llm_errc code, std::string detail = "scripted failure", int http_status = 0) {
    std::lock_guard lock(state_->mutex);
    state_->queue.emplace_back(llm_error(code, std::move(detail), http_status));
    return *this;
  }
  /// Answer with `fn` whenever the queue is empty (instead of failing).
  scripted_transport& otherwise(std::function<chat_response(const chat_request&)> fn) {
    std::lock_guard lock(state_->mutex);
    state_->fallback = std::move(fn);
    return *this;
  }

  chat_response complete(const chat_request& req) {
    std::unique_lock lock(state_->mutex);
    state_->requests.push_back(req);
    if (state_->queue.empty()) {
      if (!state_->fallback)
        throw std::logic_error("gpta::scripted_transport: no scripted reply left for request #" +
                               std::to_string(state_->requests.size()));
      auto fn = state_->fallback;
      lock.unlock();
      return fn(req);
    }
    auto next = std::move(state_->queue.front());
    state_->queue.pop_front();
    if (auto* e = std::get_if<llm_error>(&next)) throw *e;
    return std::get<chat_response>(std::move(next));
  }

  /// Every request received so far, in order (failed ones included).
  [[nodiscard]] std::vector<chat_request> requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests;
  }
  [[nodiscard]] std::size_t request_count() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests.size();
  }
  /// Replies still queued.
  [[nodiscard]] std::size_t pending() const {
    std::lock_guard lock(state_->mutex);
    return state_->queue.size();
  }

 private:
  std::size_t queued_total() const {
    std::lock_guard lock(state_->mutex);
    return state_->queue.size() + state_->requests.size();
  }

  // Behind a pointer so the transport can be moved into decorators and any_transport.
  struct state {
    mutable std::mutex mutex;
    std::deque<std::variant<chat_response, llm_error>> queue;
    std::vector<chat_request> requests;
    std::function<chat_response(const chat_request&)> fallback;
  };
  std::unique_ptr<state> state_ = std::make_unique<state>();
};

}  // namespace gpta
