// The coroutines of http_connection.hpp: opening a connection and one request/response exchange.
// Included by that header (header-only use), or compiled once by <gpta/llm/src.hpp> where
// GPTA_LLM_SEPARATE_COMPILATION is defined.
#pragma once

#include <gpta/llm/detail/http_connection.hpp>

namespace gpta::detail {

GPTA_LLM_DECL net::awaitable<open_result> open_connection(std::shared_ptr<client_core> core,
                                                          llm_clock::time_point until) {
  auto ex = co_await net::this_coro::executor;
  auto c = std::make_unique<http_connection>();
  if (core->tls)
    c->secure.emplace(ex, *core->tls);
  else
    c->plain.emplace(ex);
  auto& low = c->lowest();
  low.expires_at(until);
  const std::string& host = core->url.host;
  boost::system::error_code addr_ec;
  const auto addr = net::ip::make_address(host, addr_ec);
  boost::system::error_code ec;
  if (!addr_ec) {
    std::tie(ec) = co_await low.async_connect(tcp::endpoint(addr, core->url.port), use_tuple);
  } else {
    // The resolver is outside the stream's timer, so a timer of our own cancels it; the
    // timer's handler shares ownership because it may run after this frame moved on.
    auto resolver = std::make_shared<tcp::resolver>(ex);
    net::steady_timer timer(ex, until);
    timer.async_wait([resolver](boost::system::error_code e) {
      if (!e) resolver->cancel();
    });
    auto [rec, results] = co_await resolver->async_resolve(host, std::to_string(core->url.port), use_tuple);
    timer.cancel();
    if (rec == net::error::operation_aborted)
      co_return open_result{nullptr, transport_failure{llm_errc::timeout, "resolving '" + host + "' timed out", true}};
    if (rec)
      co_return open_result{nullptr, transport_failure{llm_errc::connection_failed,
                                                       "cannot resolve '" + host + "': " + rec.message(), true}};
    std::tie(ec, std::ignore) = co_await low.async_connect(results, use_tuple);
  }
  if (ec) co_return open_result{nullptr, classify_transport_error(ec, "connect", *core, nullptr)};
  if (c->secure) {
    SSL* ssl = c->secure->native_handle();
    if (addr_ec) {
      // SNI only for names: RFC 6066 forbids IP literals in server_name.
      SSL_set_tlsext_host_name(ssl, host.c_str());
      if (!core->opts.insecure_skip_verify) SSL_set1_host(ssl, host.c_str());
    } else if (!core->opts.insecure_skip_verify) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    }
    std::tie(ec) = co_await c->secure->async_handshake(net::ssl::stream_base::client, use_tuple);
    if (ec) co_return open_result{nullptr, classify_transport_error(ec, "TLS handshake", *core, ssl)};
  }
  ++core->connections_opened;
  co_return open_result{std::move(c), std::nullopt};
}

GPTA_LLM_DECL net::awaitable<exchange_result> exchange(std::shared_ptr<client_core> core,
                                                       const http::request<http::string_body>& req,
                                                       llm_clock::time_point deadline) {
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<http_connection> c;
    bool reused = false;
    if (round == 0 && !core->idle.empty()) {
      c = std::move(core->idle.back());
      core->idle.pop_back();
      reused = true;
    }
    if (!c) {
      const auto connect_until = std::min(deadline, llm_clock::now() + core->opts.connect_timeout);
      open_result o = co_await open_connection(core, connect_until);
      if (!o.connection) co_return exchange_result{std::nullopt, std::move(o.failure)};
      c = std::move(o.connection);
    }
    ++core->http_requests;
    if (reused) ++core->connections_reused;
    c->lowest().expires_at(deadline);
    http::response_parser<http::string_body> parser;
    parser.body_limit(core->opts.max_response_bytes);
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(core->opts.max_response_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    boost::system::error_code ec;
    std::string_view phase = "send";
    if (c->secure)
      std::tie(ec, std::ignore) = co_await http::async_write(*c->secure, req, use_tuple);
    else
      std::tie(ec, std::ignore) = co_await http::async_write(*c->plain, req, use_tuple);
    if (!ec) {
      phase = "receive";
      if (c->secure)
        std::tie(ec, std::ignore) = co_await http::async_read(*c->secure, c->buffer, parser, use_tuple);
      else
        std::tie(ec, std::ignore) = co_await http::async_read(*c->plain, c->buffer, parser, use_tuple);
    }
    if (ec) {
      if (reused && !parser.got_some() && is_stale_connection_error(ec)) continue;
      co_return exchange_result{std::nullopt, classify_transport_error(ec, phase, *core,
                                                                       c->secure ? c->secure->native_handle() : nullptr)};
    }
    http::response<http::string_body> res = parser.release();
    if (res.keep_alive() && c->buffer.size() == 0 && core->idle.size() < core->opts.max_idle_connections) {
      c->lowest().expires_never();
      core->idle.push_back(std::move(c));
    }
    co_return exchange_result{std::move(res), std::nullopt};
  }
  co_return exchange_result{std::nullopt, transport_failure{llm_errc::connection_failed,
                                                            "connection closed while idle (" + core->where() + ")",
                                                            true}};
}

}  // namespace gpta::detail
