// Runtime settings of the OpenAI-compatible client: endpoint, key, deadlines, retries, limits
// and TLS. Plain data, so a CLI or config file can fill it without pulling in the network stack.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <gpta/llm/retry_policy.hpp>

namespace gpta {

struct openai_options {
  /// scheme://host[:port][/prefix]; "/chat/completions" is appended to the prefix.
  std::string base_url = "http://127.0.0.1:8080/v1";
  /// Sent as `Authorization: Bearer ...` when non-empty. Never logged, never in an error text.
  std::string api_key;

  /// Resolve + TCP connect + TLS handshake of a new connection.
  std::chrono::milliseconds connect_timeout{10'000};
  /// One attempt, the whole exchange: from taking a connection to the response's last byte.
  std::chrono::milliseconds request_timeout{120'000};
  /// The whole call: every attempt, every backoff wait and every `n` fallback request. Unset:
  /// bounded only by request_timeout x attempts.
  std::optional<std::chrono::milliseconds> total_timeout;
  retry_options retry;

  /// Largest response body accepted; the parser stops there (response_too_large), it never
  /// buffers more.
  std::size_t max_response_bytes = std::size_t{8} << 20;
  std::size_t max_response_header_bytes = std::size_t{64} << 10;
  /// Keep-alive connections kept open for reuse (0 closes each connection after its response).
  std::size_t max_idle_connections = 8;

  /// PEM file of trusted CAs for https; empty uses the system store.
  std::string ca_file;
  /// Accept any certificate and host name. Only for a local server with a throwaway cert;
  /// the transport warns through on_warning when constructed with it.
  bool insecure_skip_verify = false;

  /// When the server rejects `n` > 1 or returns fewer choices, make up the rest with one-choice
  /// requests (seed + i for the i-th choice when a seed is set, so candidates differ).
  bool sequential_n_fallback = true;

  std::string user_agent = "gpta-llm/1";
  /// Where one-off warnings go (insecure TLS). Unset: standard error.
  std::function<void(std::string_view)> on_warning;
};

/// Counters of one transport since construction (all calls, all threads).
struct transport_stats {
  std::uint64_t calls = 0;               ///< complete()/async_complete() calls started
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t http_requests = 0;       ///< requests written to the wire, retries included
  std::uint64_t retries = 0;             ///< attempts after a retryable failure
  std::uint64_t fallback_requests = 0;   ///< one-choice requests made to make up `n`
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;  ///< requests sent on a kept-alive connection
};

}  // namespace gpta
