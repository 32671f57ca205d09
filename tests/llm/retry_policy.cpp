#include <gpta/llm/retry_policy.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(status_classification_follows_the_official_clients) {
  using gpta::llm_errc;
  for (int s : {408, 409, 429, 500, 502, 503, 504, 529}) BOOST_TEST(gpta::is_retryable_status(s), s);
  for (int s : {400, 401, 403, 404, 413, 422}) BOOST_TEST(!gpta::is_retryable_status(s), s);
  BOOST_TEST(!gpta::is_retryable_status(429, "insufficient_quota"));
  BOOST_TEST((gpta::errc_for_status(429) == llm_errc::rate_limited));
  BOOST_TEST((gpta::errc_for_status(429, "insufficient_quota") == llm_errc::quota_exceeded));
  BOOST_TEST((gpta::errc_for_status(401) == llm_errc::unauthorized));
  BOOST_TEST((gpta::errc_for_status(403) == llm_errc::unauthorized));
  BOOST_TEST((gpta::errc_for_status(400) == llm_errc::bad_request));
  BOOST_TEST((gpta::errc_for_status(404) == llm_errc::bad_request));
  BOOST_TEST((gpta::errc_for_status(408) == llm_errc::timeout));
  BOOST_TEST((gpta::errc_for_status(503) == llm_errc::server_error));
}

BOOST_AUTO_TEST_CASE(http_dates_in_all_three_forms) {
  using namespace std::chrono;
  // 1994-11-06 08:49:37 UTC = 784111777 s since the epoch (the RFC 9110 example date).
  const auto expected = system_clock::time_point{seconds{784111777}};
  for (const char* s : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"}) {
    auto t = gpta::parse_http_date(s);
    BOOST_TEST_REQUIRE(t.has_value(), s);
    BOOST_TEST((*t == expected), s);
  }
  BOOST_TEST(!gpta::parse_http_date("yesterday").has_value());
  BOOST_TEST(!gpta::parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT").has_value());
  BOOST_TEST(!gpta::parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT").has_value());
}

BOOST_AUTO_TEST_CASE(retry_after_headers) {
  using std::chrono::milliseconds;
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{784111777}};
  BOOST_TEST(gpta::parse_retry_after("2", "", now).value() == milliseconds{2000});
  BOOST_TEST(gpta::parse_retry_after(" 0 ", "", now).value() == milliseconds{0});
  BOOST_TEST(gpta::parse_retry_after("1.5", "", now).value() == milliseconds{1500});
  BOOST_TEST(gpta::parse_retry_after("2", "250", now).value() == milliseconds{250});  // -ms wins
  BOOST_TEST(gpta::parse_retry_after("", "12.2", now).value() == milliseconds{13});   // ceil
  BOOST_TEST(gpta::parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", "", now).value() == milliseconds{3000});
  BOOST_TEST(gpta::parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", "", now).value() == milliseconds{0});
  BOOST_TEST(!gpta::parse_retry_after("", "", now).has_value());
  BOOST_TEST(!gpta::parse_retry_after("-3", "soon", now).has_value());
}

BOOST_AUTO_TEST_CASE(backoff_grows_is_capped_jittered_and_reproducible) {
  gpta::retry_options o;
  o.initial_backoff = 100ms;
  o.max_backoff = 1000ms;
  o.jitter = 0.25;
  o.max_retry_after = 5000ms;
  gpta::backoff_schedule a(o), b(o);
  for (int retry = 0; retry < 8; ++retry) {
    const double base = std::min(1000.0, 100.0 * (1 << retry));
    const auto d = a.delay(retry);
    BOOST_TEST(d.count() <= base);
    BOOST_TEST(d.count() >= 0.75 * base - 1);
    BOOST_TEST((d == b.delay(retry)));  // same seed, same waits
  }
  BOOST_TEST(a.delay(0, 3000ms).count() == 3000);   // the server's hint, unjittered
  BOOST_TEST(a.delay(0, 60000ms).count() == 5000);  // clamped
  o.jitter = 0.0;
  gpta::backoff_schedule exact(o);
  BOOST_TEST(exact.delay(2).count() == 400);
  o.jitter = 2.0;
  BOOST_CHECK_THROW(gpta::backoff_schedule{o}, std::invalid_argument);
}
