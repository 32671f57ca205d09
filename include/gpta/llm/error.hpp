// The `gpta.llm` error category and the exception every transport throws on failure.
// Ids are stable and greppable; the exception also carries the server's own words and status.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace gpta {

/// Why a teaching-assistant call failed. Values are part of the interface: never renumber.
enum class llm_errc {
  connection_failed = 1,  ///< resolve/connect/TLS/reset/truncated response: the exchange broke
  timeout = 2,            ///< connect timeout, request deadline, or HTTP 408
  rate_limited = 3,       ///< HTTP 429 (retried)
  quota_exceeded = 4,     ///< HTTP 429 with code `insufficient_quota` (never retried)
  unauthorized = 5,       ///< HTTP 401/403
  bad_request = 6,        ///< HTTP 400/404 and other 4xx the server will repeat
  server_error = 7,       ///< HTTP 409 and >= 500
  malformed_response = 8, ///< not HTTP, not JSON, or a required field missing/mistyped
  response_too_large = 9, ///< body (or header) over the configured cap
  empty_response = 10,    ///< no choices, or a choice with null content
  cache_miss = 11,        ///< caching_transport in replay-only mode had no entry
  exposure_budget_exceeded = 12,  ///< audited_transport refused a request over the exemplar budget
};

/// The stable id of a code, e.g. "rate_limited": what `gpta chat` prints as `error: <id>: ...`.
[[nodiscard]] constexpr std::string_view to_string(llm_errc e) noexcept {
  switch (e) {
    case llm_errc::connection_failed: return "connection_failed";
    case llm_errc::timeout: return "timeout";
    case llm_errc::rate_limited: return "rate_limited";
    case llm_errc::quota_exceeded: return "quota_exceeded";
    case llm_errc::unauthorized: return "unauthorized";
    case llm_errc::bad_request: return "bad_request";
    case llm_errc::server_error: return "server_error";
    case llm_errc::malformed_response: return "malformed_response";
    case llm_errc::response_too_large: return "response_too_large";
    case llm_errc::empty_response: return "empty_response";
    case llm_errc::cache_miss: return "cache_miss";
    case llm_errc::exposure_budget_exceeded: return "exposure_budget_exceeded";
  }
  return "unknown";
}

namespace detail {
class llm_category_impl final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "gpta.llm"; }
  [[nodiscard]] std::string message(int ev) const override {
    return std::string(to_string(static_cast<llm_errc>(ev)));
  }
};
}  // namespace detail

/// The category object. Immutable, so the function-local static is not mutable global state.
[[nodiscard]] inline const std::error_category& llm_category() noexcept {
  static const detail::llm_category_impl cat;
  return cat;
}

[[nodiscard]] inline std::error_code make_error_code(llm_errc e) noexcept {
  return {static_cast<int>(e), llm_category()};
}

/// The stable id of an error code in the gpta.llm category, or the code's own message otherwise.
/// (gpta::error_id in detail/error.hpp names data errors "gpta.<id>"; this one gives the bare id.)
[[nodiscard]] inline std::string llm_error_id(const std::error_code& ec) {
  if (ec.category() == llm_category()) return std::string(to_string(static_cast<llm_errc>(ec.value())));
  return ec.message();
}

/// A failed call. `what()` reads "<id>: <detail>"; detail() is the text after the id, which
/// includes the HTTP status and the server's own message when there was one. Never contains
/// the API key: transports redact it before building the exception.
class llm_error : public std::system_error {
 public:
  llm_error(llm_errc code, std::string detail, int http_status = 0, std::string server_message = {},
            std::string server_code = {})
      : std::system_error(make_error_code(code)),
        what_(std::string(to_string(code)) + ": " + detail),
        detail_(std::move(detail)),
        server_message_(std::move(server_message)),
        server_code_(std::move(server_code)),
        http_status_(http_status) {}

  /// "<id>: <detail>", the same on every standard library (system_error's own format is not).
  [[nodiscard]] const char* what() const noexcept override { return what_.c_str(); }
  [[nodiscard]] llm_errc errc() const noexcept { return static_cast<llm_errc>(code().value()); }
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
  /// `error.message` of an OpenAI-style error body (empty when the body had none).
  [[nodiscard]] const std::string& server_message() const noexcept { return server_message_; }
  /// `error.code` (or `error.type`) of the error body, e.g. "insufficient_quota".
  [[nodiscard]] const std::string& server_code() const noexcept { return server_code_; }
  /// 0 when the failure happened below HTTP (connect, TLS, timeout before a status line).
  [[nodiscard]] int http_status() const noexcept { return http_status_; }

 private:
  std::string what_;
  std::string detail_;
  std::string server_message_;
  std::string server_code_;
  int http_status_;
};

}  // namespace gpta

template <>
struct std::is_error_code_enum<gpta::llm_errc> : std::true_type {};
