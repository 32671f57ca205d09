// When a failed TA call is worth repeating, and how long to wait first: status classification,
// Retry-After / retry-after-ms parsing (seconds or HTTP date) and seeded, jittered backoff.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/llm/error.hpp>

namespace gpta {

struct retry_options {
  int max_retries = 2;  ///< extra attempts after the first; 0 disables retrying
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  double jitter = 0.25;  ///< each computed wait is shortened by up to this fraction, at random
  /// Longest wait a server may ask for with Retry-After; longer requests are clamped to this
  /// so a confused proxy cannot park the trainer for an hour.
  std::chrono::milliseconds max_retry_after{60000};
  std::uint64_t jitter_seed = 0x67707461;  ///< fixed seed: reruns wait the same amounts
};

/// The gpta.llm code for a non-2xx status; `error_code` is the body's `error.code`.
[[nodiscard]] inline llm_errc errc_for_status(int status, std::string_view error_code = {}) noexcept {
  if (status == 429) return error_code == "insufficient_quota" ? llm_errc::quota_exceeded : llm_errc::rate_limited;
  if (status == 401 || status == 403) return llm_errc::unauthorized;
  if (status == 408) return llm_errc::timeout;
  if (status == 409 || status >= 500) return llm_errc::server_error;
  return llm_errc::bad_request;
}

/// The official OpenAI clients' policy: 408, 409, 429 and >= 500 are transient, except a 429
/// that says the account is out of quota (waiting will not refill it).
[[nodiscard]] inline bool is_retryable_status(int status, std::string_view error_code = {}) noexcept {
  if (status == 429) return error_code != "insufficient_quota";
  return status == 408 || status == 409 || status >= 500;
}

namespace detail {

inline std::optional<int> month_from_name(std::string_view s) noexcept {
  static constexpr std::array<std::string_view, 12> names{"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() != 3) return std::nullopt;
  for (std::size_t i = 0; i < names.size(); ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < 3; ++k) eq = eq && std::tolower(static_cast<unsigned char>(s[k])) == names[i][k];
    if (eq) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

inline std::optional<std::int64_t> parse_uint(std::string_view s) noexcept {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// Non-negative decimal number of seconds or milliseconds ("2", "1.5").
inline std::optional<double> parse_non_negative(std::string_view s) noexcept {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace detail

/// Parse an HTTP-date in any of the three forms RFC 9110 requires recipients to accept:
/// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and
/// asctime "Sun Nov  6 08:49:37 1994". Always UTC.
[[nodiscard]] inline std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '-' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && !(s[j] == ' ' || s[j] == ',' || s[j] == '-' || s[j] == '\t')) ++j;
    if (j > i) tokens.push_back(s.substr(i, j - i));
    i = j;
  }
  std::optional<int> month;
  std::vector<std::int64_t> numbers;
  std::optional<std::array<std::int64_t, 3>> hms;
  for (std::string_view t : tokens) {
    if (t.find(':') != std::string_view::npos) {
      if (hms || t.size() != 8 || t[2] != ':' || t[5] != ':') return std::nullopt;
      auto h = detail::parse_uint(t.substr(0, 2)), m = detail::parse_uint(t.substr(3, 2)),
           sec = detail::parse_uint(t.substr(6, 2));
      if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
      hms = std::array<std::int64_t, 3>{*h, *m, *sec};
    } else if (std::isdigit(static_cast<unsigned char>(t.front()))) {
      auto n = detail::parse_uint(t);
      if (!n) return std::nullopt;
      numbers.push_back(*n);
    } else if (!month) {
      // The weekday comes first and is not a month; only the month name parses as one.
      month = detail::month_from_name(t);
    }
  }
  if (!month || !hms || numbers.size() != 2) return std::nullopt;
  std::int64_t day = numbers[0], year = numbers[1];
  if (year < 100) year += year < 70 ? 2000 : 1900;  // RFC 850 two-digit years
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{static_cast<int>(year)}, std::chrono::month{static_cast<unsigned>(*month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || day > 31) return std::nullopt;
  return sys_days{ymd} + hours{(*hms)[0]} + minutes{(*hms)[1]} + seconds{(*hms)[2]};
}

/// How long the server asked us to wait: `retry-after-ms` (OpenAI's, milliseconds) wins over
/// `Retry-After` (seconds or an HTTP date; a date in the past means "now"). Unparsable or
/// absent headers give nullopt, so the caller falls back to its own backoff.
[[nodiscard]] inline std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view retry_after, std::string_view retry_after_ms,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
  using std::chrono::milliseconds;
  if (auto ms = detail::parse_non_negative(retry_after_ms); ms && *ms < 1e12)
    return milliseconds{static_cast<std::int64_t>(std::ceil(*ms))};
  if (auto sec = detail::parse_non_negative(retry_after); sec && *sec < 1e9)
    return milliseconds{static_cast<std::int64_t>(std::ceil(*sec * 1000.0))};
  if (auto when = parse_http_date(detail::trim(retry_after)))
    return std::max(milliseconds{0}, std::chrono::ceil<milliseconds>(*when - now));
  return std::nullopt;
}

/// Exponential backoff with jitter from a seeded engine. Thread-safe: concurrent requests of
/// one transport draw from the same engine.
class backoff_schedule {
 public:
  explicit backoff_schedule(const retry_options& o) : opts_(o), engine_(o.jitter_seed) {
    if (o.max_retries < 0) throw std::invalid_argument("gpta::retry_options: max_retries must be >= 0");
    if (o.initial_backoff.count() < 0 || o.max_backoff.count() < 0 || o.max_retry_after.count() < 0)
      throw std::invalid_argument("gpta::retry_options: waits must be >= 0");
    if (!(o.jitter >= 0.0 && o.jitter <= 1.0))
      throw std::invalid_argument("gpta::retry_options: jitter must be in [0, 1]");
  }

  /// Wait before retry number `retry` (0 = the first retry). A server hint replaces the
  /// computed wait (clamped to max_retry_after) and is not jittered: the server chose it.
  [[nodiscard]] std::chrono::milliseconds delay(int retry, std::optional<std::chrono::milliseconds> hint = {}) {
    if (hint) return std::min(*hint, opts_.max_retry_after);
    const double base = std::min(static_cast<double>(opts_.max_backoff.count()),
                                 static_cast<double>(opts_.initial_backoff.count()) *
                                     std::pow(2.0, static_cast<double>(std::clamp(retry, 0, 62))));
    double u = 0.0;
    {
      std::lock_guard lock(mutex_);
      u = std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
    }
    return std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(base * (1.0 - opts_.jitter * u)))};
  }

  [[nodiscard]] const retry_options& options() const noexcept { return opts_; }

 private:
  retry_options opts_;
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace gpta
