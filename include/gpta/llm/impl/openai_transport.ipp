// The coroutines of openai_transport.hpp: one call with its retries and `n` fallback. Included by
// that header (header-only use), or compiled once by <gpta/llm/src.hpp> where
// GPTA_LLM_SEPARATE_COMPILATION is defined.
#pragma once

#include <gpta/llm/openai_transport.hpp>

namespace gpta::detail {

GPTA_LLM_DECL net::awaitable<call_result> call_once(std::shared_ptr<client_core> core, chat_request req,
                                                    llm_clock::time_point total_deadline) {
  const auto http_req = make_http_request(*core, canonical_json(req));
  const std::string& key = core->opts.api_key;
  for (int attempt = 0;; ++attempt) {
    const auto attempt_deadline = std::min(total_deadline, llm_clock::now() + core->opts.request_timeout);
    exchange_result ex = co_await exchange(core, http_req, attempt_deadline);
    std::optional<llm_error> err;
    bool retryable = false;
    std::optional<std::chrono::milliseconds> hint;
    if (ex.response) {
      const auto& res = *ex.response;
      const int status = static_cast<int>(res.result_int());
      if (status >= 200 && status < 300) {
        call_result out;
        try {
          out.response = parse_chat_response(res.body());
        } catch (const llm_error& e) {
          // The server answered and would answer the same again: not retried.
          out.error.emplace(e.errc(),
                            redact(e.detail() + " (HTTP " + std::to_string(status) + ", " + core->where() + ")", key),
                            status);
        }
        co_return out;
      }
      const server_error_body body = parse_error_body(res.body());
      const std::string& code = body.code.empty() ? body.type : body.code;
      const std::string server_msg = redact(body.message.empty() ? body_excerpt(res.body()) : body.message, key);
      std::string detail = "HTTP " + std::to_string(status);
      if (const auto reason = res.reason(); !reason.empty()) detail += " " + std::string(reason);
      detail += " from " + core->where();
      if (!server_msg.empty()) detail += ": " + server_msg;
      err.emplace(errc_for_status(status, code), detail, status, server_msg, redact(code, key));
      if (status == 400 && req.n > 1 && blames_n(body)) co_return call_result{std::nullopt, std::move(err), true};
      retryable = is_retryable_status(status, code);
      hint = parse_retry_after(std::string_view(res[http::field::retry_after]), std::string_view(res["retry-after-ms"]));
    } else {
      err.emplace(ex.failure->code, redact(ex.failure->detail, key));
      retryable = ex.failure->retryable;
    }
    if (!retryable || attempt >= core->opts.retry.max_retries) {
      // Assign a complete new error: emplace would destroy the strings its arguments refer to.
      if (retryable && attempt > 0)
        err = llm_error(err->errc(), err->detail() + " (after " + std::to_string(attempt + 1) + " attempts)",
                        err->http_status(), err->server_message(), err->server_code());
      co_return call_result{std::nullopt, std::move(err), false};
    }
    const auto wait = core->backoff.delay(attempt, hint);
    if (llm_clock::now() + wait >= total_deadline) {
      err = llm_error(err->errc(), err->detail() + " (no time left for a retry before total_timeout)",
                      err->http_status(), err->server_message(), err->server_code());
      co_return call_result{std::nullopt, std::move(err), false};
    }
    ++core->retries;
    net::steady_timer timer(co_await net::this_coro::executor, wait);
    co_await timer.async_wait(use_tuple);
  }
}

GPTA_LLM_DECL net::awaitable<chat_response> run_call(std::shared_ptr<client_core> core, chat_request req) {
  ++core->calls;
  if (req.n < 1) {
    ++core->failed;
    throw std::invalid_argument("gpta::openai_transport: chat_request.n must be >= 1");
  }
  if (req.messages.empty()) {
    ++core->failed;
    throw std::invalid_argument("gpta::openai_transport: chat_request has no messages");
  }
  const auto total_deadline = core->opts.total_timeout ? llm_clock::now() + *core->opts.total_timeout
                                                       : llm_clock::time_point::max();
  const auto wanted = static_cast<std::size_t>(req.n);
  chat_response out;
  call_result first = co_await call_once(core, req, total_deadline);
  const bool fallback = core->opts.sequential_n_fallback;
  if (first.error && !(first.n_rejected && fallback)) {
    ++core->failed;
    throw std::move(*first.error);
  }
  if (first.response) out = std::move(*first.response);
  while (fallback && out.choices.size() < wanted) {
    chat_request one = req;
    one.n = 1;
    // Identical seeds would make every fallback candidate the same text.
    if (req.seed) one.seed = *req.seed + static_cast<std::int64_t>(out.choices.size());
    ++core->fallback_requests;
    call_result r = co_await call_once(core, std::move(one), total_deadline);
    if (r.error) {
      ++core->failed;
      throw std::move(*r.error);
    }
    if (out.id.empty()) out.id = r.response->id;
    if (out.model.empty()) out.model = r.response->model;
    for (auto& c : r.response->choices) out.choices.push_back(std::move(c));
    out.usage += r.response->usage;
  }
  if (out.choices.size() > wanted) out.choices.resize(wanted);
  {
    std::lock_guard lock(core->usage_mutex);
    core->usage += out.usage;
  }
  ++core->succeeded;
  co_return out;
}

GPTA_LLM_DECL chat_response run_call_blocking(const std::shared_ptr<client_core>& core, const chat_request& req) {
  return net::co_spawn(core->strand, run_call(core, req), net::use_future).get();
}

}  // namespace gpta::detail
