// The Beast client for OpenAI-compatible chat completions: deadlines, Retry-After-aware retries,
// keep-alive, verified TLS, `n` fallback; blocking, error_code and Asio-async forms of one call.
#pragma once

#include <cctype>
#include <chrono>
#include <exception>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gpta/llm/chat_json.hpp>
#include <gpta/llm/detail/http_connection.hpp>

namespace gpta {

namespace detail {

struct call_result {
  std::optional<chat_response> response;
  std::optional<llm_error> error;
  bool n_rejected = false;  // a 400 that blames `n`: the caller may fall back to one-choice requests
};

/// True when a 400's error names the `n` parameter: OpenAI puts it in `param`, llama.cpp says
/// "Only one completion choice is allowed", others mention `n` as a word of its own.
inline bool blames_n(const server_error_body& b) {
  if (b.param == "n") return true;
  const std::string& m = b.message;
  if (m.find("completion choice") != std::string::npos) return true;
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] != 'n') continue;
    const bool left = i == 0 || !word_char(m[i - 1]);
    const bool right = i + 1 == m.size() || !word_char(m[i + 1]);
    if (left && right) return true;
  }
  return false;
}

inline http::request<http::string_body> make_http_request(const client_core& core, std::string body) {
  http::request<http::string_body> req{http::verb::post, core.url.target("/chat/completions"), 11};
  req.set(http::field::host, core.url.host_header());
  req.set(http::field::user_agent, core.opts.user_agent);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json");
  if (!core.opts.api_key.empty()) req.set(http::field::authorization, "Bearer " + core.opts.api_key);
  req.keep_alive(core.opts.max_idle_connections > 0);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

/// One chat request with retries: attempts, backoff waits and their classification.
GPTA_LLM_DECL net::awaitable<call_result> call_once(std::shared_ptr<client_core> core, chat_request req,
                                                    llm_clock::time_point total_deadline);

/// A whole call: the `n` request, then one-choice requests to make up missing candidates.
GPTA_LLM_DECL net::awaitable<chat_response> run_call(std::shared_ptr<client_core> core, chat_request req);

/// run_call on the core's strand, waited for by the calling thread (openai_transport::complete).
GPTA_LLM_DECL chat_response run_call_blocking(const std::shared_ptr<client_core>& core, const chat_request& req);

}  // namespace detail

/// Models gpta::llm_transport. Thread-safe: any number of calls may be in flight at once; they
/// share a keep-alive pool and are serialised on one strand (their I/O still overlaps).
class openai_transport {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// Runs on a private io_context with one thread of its own, so blocking calls and futures
  /// work from any thread and the trainer keeps training while a TA request is in flight.
  explicit openai_transport(openai_options opts = {}) : io_(std::make_unique<owned_io>()) {
    core_ = std::make_shared<detail::client_core>(io_->ioc.get_executor(), std::move(opts));
    warn_if_insecure();
    io_->thread = std::thread([ctx = &io_->ioc] { ctx->run(); });
  }

  /// Runs on the caller's executor; someone must run its context. Blocking complete() must
  /// then be called from a thread that is not running it.
  openai_transport(executor_type ex, openai_options opts)
      : core_(std::make_shared<detail::client_core>(std::move(ex), std::move(opts))) {
    warn_if_insecure();
  }

  openai_transport(openai_transport&&) noexcept = default;
  openai_transport& operator=(openai_transport&& o) noexcept {
    if (this != &o) {
      shutdown();
      io_ = std::move(o.io_);
      core_ = std::move(o.core_);
    }
    return *this;
  }
  openai_transport(const openai_transport&) = delete;
  openai_transport& operator=(const openai_transport&) = delete;
  ~openai_transport() { shutdown(); }

  /// Start a call; completes with `void(std::exception_ptr, chat_response)`, the exception
  /// being an llm_error (or std::invalid_argument for a malformed request). Works with any
  /// Asio token: use_future, use_awaitable, deferred, a callback.
  template <class CompletionToken>
  auto async_complete(chat_request req, CompletionToken&& token) {
    return boost::asio::co_spawn(core_->strand, detail::run_call(core_, std::move(req)),
                                 std::forward<CompletionToken>(token));
  }

  /// Blocking call; throws llm_error.
  chat_response complete(const chat_request& req) {
    if (core_->strand.running_in_this_thread() || (io_ && std::this_thread::get_id() == io_->thread.get_id()))
      throw std::invalid_argument(
          "gpta::openai_transport: blocking complete() called on the transport's own executor; use async_complete");
    return detail::run_call_blocking(core_, req);
  }

  /// Blocking call reporting transport failures through `ec` (gpta.llm category); the
  /// response is empty then. Misuse still throws std::invalid_argument.
  chat_response complete(const chat_request& req, std::error_code& ec) {
    ec.clear();
    try {
      return complete(req);
    } catch (const llm_error& e) {
      ec = e.code();
      return {};
    }
  }

  /// Tokens of every successful call since construction.
  [[nodiscard]] token_usage usage_total() const {
    std::lock_guard lock(core_->usage_mutex);
    return core_->usage;
  }

  [[nodiscard]] transport_stats stats() const noexcept {
    const auto& c = *core_;
    return {c.calls.load(),          c.succeeded.load(), c.failed.load(),
            c.http_requests.load(),  c.retries.load(),   c.fallback_requests.load(),
            c.connections_opened.load(), c.connections_reused.load()};
  }

  [[nodiscard]] const base_url& url() const noexcept { return core_->url; }
  [[nodiscard]] executor_type get_executor() const noexcept { return core_->strand; }

 private:
  struct owned_io {
    boost::asio::io_context ioc{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread thread;
  };

  void warn_if_insecure() const {
    if (!core_->url.tls() || !core_->opts.insecure_skip_verify) return;
    const std::string msg = "gpta::openai_transport: WARNING: TLS certificate and host-name verification are OFF for " +
                            core_->where() + " (insecure_skip_verify); anyone on the path can read and alter the "
                            "teaching-assistant traffic";
    if (core_->opts.on_warning)
      core_->opts.on_warning(msg);
    else
      std::cerr << msg << '\n';
  }

  void shutdown() noexcept {
    if (!io_) return;
    // Stop our thread first so nothing else touches the pool, then close idle sockets while
    // their io_context still exists; in-flight calls are destroyed with the io_context.
    io_->guard.reset();
    io_->ioc.stop();
    if (io_->thread.joinable()) io_->thread.join();
    if (core_) core_->idle.clear();
    core_.reset();
    io_.reset();
  }

  std::unique_ptr<owned_io> io_;  // declared first: must outlive core_ during destruction
  std::shared_ptr<detail::client_core> core_;
};

}  // namespace gpta

#if !defined(GPTA_LLM_SEPARATE_COMPILATION)
#include <gpta/llm/impl/openai_transport.ipp>
#endif
