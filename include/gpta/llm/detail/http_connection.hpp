// Internals of openai_transport: one keep-alive HTTP(S) connection, how it is opened (resolve,
// connect, TLS with host-name checks) and how one request/response exchange runs under a deadline.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gpta/core/chat.hpp>
#include <gpta/llm/base_url.hpp>
#include <gpta/llm/detail/separate_compilation.hpp>
#include <gpta/llm/error.hpp>
#include <gpta/llm/openai_options.hpp>
#include <gpta/llm/retry_policy.hpp>

namespace gpta::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using llm_clock = std::chrono::steady_clock;
using llm_strand = net::strand<net::any_io_executor>;

inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

/// Remove every occurrence of `secret` so server echoes of the key never reach an error text.
inline std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (std::size_t p = text.find(secret); p != std::string::npos; p = text.find(secret, p))
    text.replace(p, secret.size(), "[redacted]");
  return text;
}

/// A short, single-line excerpt of a non-JSON body (an HTML error page, say) for messages.
inline std::string body_excerpt(std::string_view body, std::size_t max_chars = 160) {
  std::string out;
  bool space = false;
  for (char c : body) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      space = !out.empty();
      continue;
    }
    if (c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

struct http_connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;  // bytes read past the last response stay here (normally none)

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

/// A failed attempt before a status line arrived, classified for the retry loop.
struct transport_failure {
  llm_errc code = llm_errc::connection_failed;
  std::string detail;
  bool retryable = true;
};

/// Everything one openai_transport shares between its concurrent calls. Lives in a shared_ptr
/// held by every in-flight coroutine, so destroying the transport never strands a call. The
/// idle pool is touched only on the strand; counters are read from any thread.
struct client_core {
  client_core(net::any_io_executor ex, openai_options o)
      : opts(std::move(o)), url(parse_base_url(opts.base_url)), strand(net::make_strand(ex)), backoff(opts.retry) {
    if (opts.connect_timeout.count() <= 0 || opts.request_timeout.count() <= 0 ||
        (opts.total_timeout && opts.total_timeout->count() <= 0))
      throw std::invalid_argument("gpta::openai_transport: timeouts must be positive");
    if (opts.max_response_bytes == 0)
      throw std::invalid_argument("gpta::openai_transport: max_response_bytes must be positive");
    if (url.tls()) tls = make_tls_context(opts);
  }

  static std::unique_ptr<net::ssl::context> make_tls_context(const openai_options& o) {
    auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    if (o.insecure_skip_verify) {
      ctx->set_verify_mode(net::ssl::verify_none);
      return ctx;
    }
    ctx->set_verify_mode(net::ssl::verify_peer);
    boost::system::error_code ec;
    if (!o.ca_file.empty()) {
      ctx->load_verify_file(o.ca_file, ec);
      if (ec)
        throw std::invalid_argument("gpta::openai_transport: cannot load ca_file '" + o.ca_file + "': " + ec.message());
    } else {
      ctx->set_default_verify_paths(ec);
      if (ec)
        throw std::invalid_argument("gpta::openai_transport: cannot load the system CA store: " + ec.message());
    }
    return ctx;
  }

  std::string where() const { return url.to_string(); }

  openai_options opts;
  base_url url;
  llm_strand strand;
  backoff_schedule backoff;
  std::unique_ptr<net::ssl::context> tls;
  std::vector<std::unique_ptr<http_connection>> idle;  // strand only

  std::atomic<std::uint64_t> calls{0}, succeeded{0}, failed{0}, http_requests{0}, retries{0},
      fallback_requests{0}, connections_opened{0}, connections_reused{0};
  mutable std::mutex usage_mutex;
  token_usage usage;
};

/// Map a Beast/Asio/OpenSSL error of `phase` to a gpta.llm failure.
inline transport_failure classify_transport_error(const boost::system::error_code& ec, std::string_view phase,
                                                  const client_core& core, SSL* ssl) {
  const std::string at = " (" + std::string(phase) + ", " + core.where() + ")";
  if (ec == beast::error::timeout || ec == net::error::timed_out)
    return {llm_errc::timeout, "no response within the deadline" + at, true};
  if (ec == http::error::body_limit)
    return {llm_errc::response_too_large,
            "response body exceeds max_response_bytes = " + std::to_string(core.opts.max_response_bytes) + at, false};
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return {llm_errc::response_too_large, "response header exceeds the header limit" + at, false};
  if (ec.category() == net::error::get_ssl_category() || ec == net::ssl::error::stream_truncated) {
    if (ssl && !core.opts.insecure_skip_verify) {
      const long vr = SSL_get_verify_result(ssl);
      if (vr != X509_V_OK)
        // Retrying cannot fix a certificate; fail at once and say why.
        return {llm_errc::connection_failed,
                "TLS certificate verification failed for '" + core.url.host +
                    "': " + X509_verify_cert_error_string(vr) + at,
                false};
    }
    return {llm_errc::connection_failed, "TLS error: " + ec.message() + at, true};
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message)
    return {llm_errc::connection_failed, "connection closed before the full response arrived" + at, true};
  if (ec.category() == http::make_error_code(http::error::bad_version).category())
    return {llm_errc::malformed_response, "not a valid HTTP response: " + ec.message() + at, false};
  return {llm_errc::connection_failed, ec.message() + at, true};
}

/// An error on a kept-alive connection that only says the server closed it while idle.
inline bool is_stale_connection_error(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

struct open_result {
  std::unique_ptr<http_connection> connection;
  std::optional<transport_failure> failure;
};

/// Resolve, connect and (for https) handshake, all before `until`.
GPTA_LLM_DECL net::awaitable<open_result> open_connection(std::shared_ptr<client_core> core,
                                                          llm_clock::time_point until);

struct exchange_result {
  std::optional<http::response<http::string_body>> response;  // any status
  std::optional<transport_failure> failure;
};

/// One request/response on a pooled or new connection, everything before `deadline`. A kept-
/// alive connection the server closed while idle is replaced once, transparently: that is not
/// a failure of the request.
GPTA_LLM_DECL net::awaitable<exchange_result> exchange(std::shared_ptr<client_core> core,
                                                       const http::request<http::string_body>& req,
                                                       llm_clock::time_point deadline);

}  // namespace gpta::detail

#if !defined(GPTA_LLM_SEPARATE_COMPILATION)
#include <gpta/llm/impl/http_connection.ipp>
#endif
