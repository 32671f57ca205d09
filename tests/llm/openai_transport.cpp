#include <gpta/llm/openai_transport.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <sstream>
#include <string>
#include <vector>

#include <gpta/concepts/llm_transport.hpp>

#include "support/llm_test_server.hpp"

// The `gpta chat` command, compiled into this test so its behaviour is checked without a shell.
#include "../../examples/gpta/cmd_chat.cpp"

using namespace std::chrono_literals;
using gpta::llm_errc;
using gpta::test::llm_test_server;
using gpta::test::server_action;

static_assert(gpta::detail::check_llm_transport<gpta::openai_transport>());

namespace {

using steady = std::chrono::steady_clock;

/// Options for a loopback test: tiny waits so retry scenarios take milliseconds.
gpta::openai_options fast(const llm_test_server& s) {
  gpta::openai_options o;
  o.base_url = s.base_url();
  o.api_key = "sk-test-secret-123";
  o.connect_timeout = 1000ms;
  o.request_timeout = 3000ms;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 4ms;
  o.retry.max_retry_after = 2000ms;
  return o;
}

gpta::chat_request hello(int n = 1) {
  gpta::chat_request r;
  r.model = "test-model";
  r.messages = {{"user", "hello"}};
  r.n = n;
  return r;
}

/// The error a call fails with (and a test failure if it succeeds).
gpta::llm_error failure_of(gpta::openai_transport& t, const gpta::chat_request& r = hello()) {
  try {
    (void)t.complete(r);
  } catch (const gpta::llm_error& e) {
    return e;
  }
  BOOST_FAIL("the call was expected to fail");
  throw std::logic_error("unreachable");
}

double ms_since(steady::time_point t0) {
  return std::chrono::duration<double, std::milli>(steady::now() - t0).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_scenarios)

BOOST_AUTO_TEST_CASE(ok_sends_a_well_formed_request) {
  llm_test_server server({server_action::ok("Classify the sentiment:")});
  gpta::openai_transport t(fast(server));
  auto req = hello();
  req.temperature = 0.7;
  req.seed = 42;
  const auto r = t.complete(req);
  BOOST_TEST(r.choices.at(0).content == "Classify the sentiment:");
  BOOST_TEST(r.usage.total_tokens == 12);
  BOOST_TEST(server.request_count() == 1u);
  const auto seen = server.requests().at(0);
  BOOST_TEST(seen.method == "POST");
  BOOST_TEST(seen.target == "/v1/chat/completions");
  BOOST_TEST(seen.header("authorization") == "Bearer sk-test-secret-123");
  BOOST_TEST(seen.header("content-type") == "application/json");
  BOOST_TEST(seen.header("host") == "127.0.0.1:" + std::to_string(server.port()));
  const auto body = seen.json();
  BOOST_TEST(body.at("model").as_string() == "test-model");
  BOOST_TEST(body.at("seed").as_int64() == 42);
  BOOST_TEST(body.at("messages").as_array().at(0).as_object().at("content").as_string() == "hello");
  (void)t.complete(req);
  BOOST_TEST(t.usage_total().total_tokens == 24);
  const auto st = t.stats();
  BOOST_TEST(st.calls == 2u);
  BOOST_TEST(st.succeeded == 2u);
  BOOST_TEST(st.http_requests == 2u);
  BOOST_TEST(st.retries == 0u);
}

BOOST_AUTO_TEST_CASE(rate_limited_then_ok_waits_as_told) {
  // Retry-After in seconds is clamped by max_retry_after; retry-after-ms is used as given.
  {
    llm_test_server server({server_action::error(429, "slow down").with_header("Retry-After", "30"),
                            server_action::ok("fine")});
    auto o = fast(server);
    o.retry.max_retry_after = 150ms;
    gpta::openai_transport t(o);
    const auto t0 = steady::now();
    BOOST_TEST(t.complete(hello()).choices.at(0).content == "fine");
    const double ms = ms_since(t0);
    BOOST_TEST(ms >= 150.0);
    BOOST_TEST(ms < 2000.0);
    BOOST_TEST(server.request_count() == 2u);
    BOOST_TEST(t.stats().retries == 1u);
  }
  {
    llm_test_server server({server_action::error(429, "slow down").with_header("retry-after-ms", "120"),
                            server_action::ok("fine")});
    gpta::openai_transport t(fast(server));
    const auto t0 = steady::now();
    BOOST_TEST(t.complete(hello()).choices.at(0).content == "fine");
    BOOST_TEST(ms_since(t0) >= 120.0);
    BOOST_TEST(server.request_count() == 2u);
  }
}

BOOST_AUTO_TEST_CASE(server_errors_are_retried_until_ok) {
  llm_test_server server({server_action::error(500, "oops"), server_action::error(503, "busy"), server_action::ok("ok")});
  gpta::openai_transport t(fast(server));
  BOOST_TEST(t.complete(hello()).choices.at(0).content == "ok");
  BOOST_TEST(server.request_count() == 3u);
  BOOST_TEST(t.stats().retries == 2u);
}

BOOST_AUTO_TEST_CASE(retries_stop_at_max_retries) {
  llm_test_server server({server_action::error(503, "still busy")});
  auto o = fast(server);
  o.retry.max_retries = 3;
  gpta::openai_transport t(o);
  const auto e = failure_of(t);
  BOOST_TEST((e.errc() == llm_errc::server_error));
  BOOST_TEST(e.http_status() == 503);
  BOOST_TEST(e.server_message() == "still busy");
  BOOST_TEST(server.request_count() == 4u);
  BOOST_TEST(t.stats().failed == 1u);
}

BOOST_AUTO_TEST_CASE(unauthorized_is_not_retried_and_the_key_is_redacted) {
  // Servers echo the offending key; it must not reach the error text.
  llm_test_server server({server_action::error(401, "Incorrect API key provided: sk-test-secret-123", "invalid_api_key")});
  gpta::openai_transport t(fast(server));
  const auto e = failure_of(t);
  BOOST_TEST((e.errc() == llm_errc::unauthorized));
  BOOST_TEST(e.http_status() == 401);
  BOOST_TEST(server.request_count() == 1u);
  BOOST_TEST(std::string(e.what()).find("sk-test-secret-123") == std::string::npos);
  BOOST_TEST(e.server_message().find("sk-test-secret-123") == std::string::npos);
  BOOST_TEST(e.server_message().find("Incorrect API key provided") != std::string::npos);
  BOOST_TEST(e.server_code() == "invalid_api_key");
}

BOOST_AUTO_TEST_CASE(other_client_errors_are_not_retried) {
  for (const auto& [status, expected] : std::vector<std::pair<int, llm_errc>>{
           {400, llm_errc::bad_request}, {403, llm_errc::unauthorized}, {404, llm_errc::bad_request}}) {
    llm_test_server server({server_action::error(status, "no")});
    gpta::openai_transport t(fast(server));
    BOOST_TEST((failure_of(t).errc() == expected), status);
    BOOST_TEST(server.request_count() == 1u, status);
  }
}

BOOST_AUTO_TEST_CASE(insufficient_quota_is_not_retried) {
  llm_test_server server({server_action::error(429, "You exceeded your current quota", "insufficient_quota")
                              .with_header("Retry-After", "1")});
  gpta::openai_transport t(fast(server));
  const auto e = failure_of(t);
  BOOST_TEST((e.errc() == llm_errc::quota_exceeded));
  BOOST_TEST(server.request_count() == 1u);
}

BOOST_AUTO_TEST_CASE(slow_server_hits_the_request_deadline) {
  llm_test_server server({server_action::ok("late").after(5000ms)});
  auto o = fast(server);
  o.request_timeout = 150ms;
  o.retry.max_retries = 1;
  gpta::openai_transport t(o);
  const auto t0 = steady::now();
  const auto e = failure_of(t);
  const double ms = ms_since(t0);
  BOOST_TEST((e.errc() == llm_errc::timeout));
  BOOST_TEST(server.request_count() == 2u);  // timeouts are retried like connection errors
  BOOST_TEST(ms >= 300.0);
  BOOST_TEST(ms < 1500.0);
}

BOOST_AUTO_TEST_CASE(total_timeout_bounds_retries_and_waits) {
  llm_test_server server({server_action::error(503, "busy").with_header("Retry-After", "1")});
  auto o = fast(server);
  o.retry.max_retries = 10;
  o.total_timeout = 300ms;
  gpta::openai_transport t(o);
  const auto t0 = steady::now();
  const auto e = failure_of(t);
  BOOST_TEST((e.errc() == llm_errc::server_error));
  BOOST_TEST(ms_since(t0) < 250.0);  // gave up instead of sleeping past the deadline
  BOOST_TEST(server.request_count() == 1u);
  BOOST_TEST(e.detail().find("total_timeout") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(connection_reset_is_retried) {
  server_action reset;
  reset.what = server_action::kind::reset;
  {
    llm_test_server server({reset, server_action::ok("after reset")});
    gpta::openai_transport t(fast(server));
    BOOST_TEST(t.complete(hello()).choices.at(0).content == "after reset");
    BOOST_TEST(server.request_count() == 2u);
  }
  {
    llm_test_server server({reset});
    auto o = fast(server);
    o.retry.max_retries = 1;
    gpta::openai_transport t(o);
    BOOST_TEST((failure_of(t).errc() == llm_errc::connection_failed));
    BOOST_TEST(server.request_count() == 2u);
  }
}

BOOST_AUTO_TEST_CASE(truncated_body_is_a_connection_failure) {
  server_action cut = server_action::ok("this reply will be cut short");
  cut.what = server_action::kind::truncate;
  cut.truncate_at = 20;
  {
    llm_test_server server({cut, server_action::ok("whole")});
    gpta::openai_transport t(fast(server));
    BOOST_TEST(t.complete(hello()).choices.at(0).content == "whole");
    BOOST_TEST(server.request_count() == 2u);
  }
  {
    llm_test_server server({cut});
    auto o = fast(server);
    o.retry.max_retries = 0;
    gpta::openai_transport t(o);
    BOOST_TEST((failure_of(t).errc() == llm_errc::connection_failed));
    BOOST_TEST(server.request_count() == 1u);
  }
}

BOOST_AUTO_TEST_CASE(malformed_and_empty_bodies_are_not_retried) {
  struct scenario {
    server_action action;
    llm_errc expected;
  };
  const std::vector<scenario> cases{
      {server_action::json(200, "{\"choices\": [ {\"message\": "), llm_errc::malformed_response},
      {server_action::json(200, R"({"id":"x","choices":[]})"), llm_errc::empty_response},
      {server_action::completion({std::nullopt}), llm_errc::empty_response},
      {server_action::json(200, R"({"object":"chat.completion"})"), llm_errc::malformed_response},
  };
  for (const auto& c : cases) {
    llm_test_server server({c.action});
    gpta::openai_transport t(fast(server));
    const auto e = failure_of(t);
    BOOST_TEST((e.errc() == c.expected), c.action.body);
    BOOST_TEST(server.request_count() == 1u, c.action.body);
  }
}

BOOST_AUTO_TEST_CASE(garbage_instead_of_http_is_malformed) {
  server_action junk;
  junk.what = server_action::kind::raw;
  junk.raw = "SSH-2.0-OpenSSH_9.2\r\n\r\n";
  llm_test_server server({junk});
  gpta::openai_transport t(fast(server));
  BOOST_TEST((failure_of(t).errc() == llm_errc::malformed_response));
  BOOST_TEST(server.request_count() == 1u);
}

BOOST_AUTO_TEST_CASE(chunked_transfer_encoding) {
  server_action chunked = server_action::ok("a reply that arrives in several chunks");
  chunked.chunk_size = 7;
  llm_test_server server({chunked});
  gpta::openai_transport t(fast(server));
  BOOST_TEST(t.complete(hello()).choices.at(0).content == "a reply that arrives in several chunks");
  (void)t.complete(hello());  // and the connection stays usable after a chunked body
  BOOST_TEST(server.request_count() == 2u);
  BOOST_TEST(server.connection_count() == 1u);
}

BOOST_AUTO_TEST_CASE(body_over_the_cap_is_refused) {
  const std::string big(64 * 1024, 'x');
  for (std::size_t chunk : {std::size_t{0}, std::size_t{4096}}) {  // with Content-Length, then chunked
    server_action a = server_action::ok(big);
    a.chunk_size = chunk;
    llm_test_server server({a});
    auto o = fast(server);
    o.max_response_bytes = 16 * 1024;
    gpta::openai_transport t(o);
    const auto e = failure_of(t);
    BOOST_TEST((e.errc() == llm_errc::response_too_large), chunk);
    BOOST_TEST(e.detail().find("16384") != std::string::npos);
    BOOST_TEST(server.request_count() == 1u);
  }
}

BOOST_AUTO_TEST_CASE(non_json_error_page_is_a_server_error) {
  server_action page;
  page.status = 502;
  page.headers = {{"Content-Type", "text/html"}};
  page.body = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>";
  llm_test_server server({page});
  auto o = fast(server);
  o.retry.max_retries = 1;
  gpta::openai_transport t(o);
  const auto e = failure_of(t);
  BOOST_TEST((e.errc() == llm_errc::server_error));
  BOOST_TEST(e.http_status() == 502);
  BOOST_TEST(e.detail().find("502 Bad Gateway") != std::string::npos);
  BOOST_TEST(e.detail().find('\n') == std::string::npos);
  BOOST_TEST(server.request_count() == 2u);
}

BOOST_AUTO_TEST_CASE(keep_alive_reuses_one_connection) {
  llm_test_server server({server_action::ok("again")});
  gpta::openai_transport t(fast(server));
  for (int i = 0; i < 5; ++i) (void)t.complete(hello());
  BOOST_TEST(server.request_count() == 5u);
  BOOST_TEST(server.connection_count() == 1u);
  BOOST_TEST(t.stats().connections_opened == 1u);
  BOOST_TEST(t.stats().connections_reused == 4u);
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured) {
  server_action closing = server_action::ok("bye");
  closing.close_after = true;
  llm_test_server server({closing});
  gpta::openai_transport t(fast(server));
  for (int i = 0; i < 3; ++i) (void)t.complete(hello());
  BOOST_TEST(server.connection_count() == 3u);
}

BOOST_AUTO_TEST_CASE(a_connection_closed_while_idle_is_replaced_without_a_retry) {
  server_action dropping = server_action::ok("ok");
  dropping.drop_after = true;
  llm_test_server server({dropping});
  gpta::openai_transport t(fast(server));
  (void)t.complete(hello());
  std::this_thread::sleep_for(20ms);  // let the server's close arrive
  BOOST_TEST(t.complete(hello()).choices.at(0).content == "ok");
  BOOST_TEST(server.request_count() == 2u);
  BOOST_TEST(server.connection_count() == 2u);
  BOOST_TEST(t.stats().retries == 0u);
}

BOOST_AUTO_TEST_CASE(connection_refused_is_a_connection_failure) {
  std::uint16_t port = 0;
  {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  gpta::openai_options o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.retry.initial_backoff = 1ms;
  o.retry.max_retries = 1;
  gpta::openai_transport t(o);
  const auto e = failure_of(t);
  BOOST_TEST((e.errc() == llm_errc::connection_failed));
  BOOST_TEST(e.http_status() == 0);
  BOOST_TEST(t.stats().http_requests == 0u);
  BOOST_TEST(t.stats().retries == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(n_candidates)

BOOST_AUTO_TEST_CASE(n_is_asked_for_in_one_request) {
  llm_test_server server({server_action::completion({"a", "b", "c"})});
  gpta::openai_transport t(fast(server));
  const auto r = t.complete(hello(3));
  BOOST_TEST(r.choices.size() == 3u);
  BOOST_TEST(server.request_count() == 1u);
  BOOST_TEST(server.requests().at(0).json().at("n").as_int64() == 3);
}

BOOST_AUTO_TEST_CASE(ignored_n_is_made_up_sequentially_with_distinct_seeds) {
  llm_test_server server({server_action::completion({"a"}, 10, 1), server_action::completion({"b"}, 10, 2),
                          server_action::completion({"c"}, 10, 3)});
  gpta::openai_transport t(fast(server));
  auto req = hello(3);
  req.seed = 100;
  const auto r = t.complete(req);
  BOOST_TEST_REQUIRE(r.choices.size() == 3u);
  BOOST_TEST(r.choices[2].content == "c");
  BOOST_TEST(server.request_count() == 3u);
  const auto seen = server.requests();
  BOOST_TEST(!seen[1].json().contains("n"));
  BOOST_TEST(seen[1].json().at("seed").as_int64() == 101);
  BOOST_TEST(seen[2].json().at("seed").as_int64() == 102);
  BOOST_TEST(r.usage.completion_tokens == 6);  // all three requests
  BOOST_TEST(t.stats().fallback_requests == 2u);
}

BOOST_AUTO_TEST_CASE(rejected_n_falls_back_to_n_requests) {
  llm_test_server server([](const gpta::test::recorded_request& r, std::size_t) {
    if (r.json().contains("n")) return server_action::error(400, "Only one completion choice is allowed");
    return server_action::ok("one");
  });
  gpta::openai_transport t(fast(server));
  const auto r = t.complete(hello(3));
  BOOST_TEST(r.choices.size() == 3u);
  BOOST_TEST(server.request_count() == 4u);
}

BOOST_AUTO_TEST_CASE(an_unrelated_400_is_not_taken_for_n) {
  llm_test_server server({server_action::error(400, "messages must not be empty", {}, "messages")});
  gpta::openai_transport t(fast(server));
  BOOST_TEST((failure_of(t, hello(3)).errc() == llm_errc::bad_request));
  BOOST_TEST(server.request_count() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(call_styles)

BOOST_AUTO_TEST_CASE(error_code_overload_does_not_throw) {
  llm_test_server server({server_action::error(401, "no")});
  gpta::openai_transport t(fast(server));
  std::error_code ec;
  const auto r = t.complete(hello(), ec);
  BOOST_TEST((ec == llm_errc::unauthorized));
  BOOST_TEST(r.choices.empty());
  BOOST_CHECK_THROW((void)t.complete(hello(0), ec), std::invalid_argument);
  gpta::chat_request none;
  BOOST_CHECK_THROW((void)t.complete(none), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(async_call_lets_the_caller_keep_working) {
  llm_test_server server({server_action::ok("prefix").after(200ms)});
  gpta::openai_transport t(fast(server));
  auto f = t.async_complete(hello(), boost::asio::use_future);
  BOOST_TEST((f.wait_for(0ms) == std::future_status::timeout));
  std::uint64_t steps = 0;  // a student training meanwhile
  while (f.wait_for(0ms) != std::future_status::ready) {
    ++steps;
    std::this_thread::sleep_for(1ms);
  }
  BOOST_TEST(steps > 50u);
  BOOST_TEST(f.get().choices.at(0).content == "prefix");
}

BOOST_AUTO_TEST_CASE(concurrent_calls_overlap) {
  llm_test_server server({server_action::ok("x").after(150ms)});
  gpta::openai_transport t(fast(server));
  const auto t0 = steady::now();
  std::vector<std::future<gpta::chat_response>> fs;
  for (int i = 0; i < 8; ++i) fs.push_back(t.async_complete(hello(), boost::asio::use_future));
  for (auto& f : fs) BOOST_TEST(f.get().choices.at(0).content == "x");
  BOOST_TEST(ms_since(t0) < 8 * 150.0 / 2);  // far below running them one after another
  BOOST_TEST(server.request_count() == 8u);
  BOOST_TEST(t.stats().connections_opened == 8u);
}

BOOST_AUTO_TEST_CASE(async_failure_carries_the_llm_error) {
  llm_test_server server({server_action::error(429, "quota", "insufficient_quota")});
  gpta::openai_transport t(fast(server));
  auto f = t.async_complete(hello(), boost::asio::use_future);
  try {
    (void)f.get();
    BOOST_FAIL("expected a failure");
  } catch (const gpta::llm_error& e) {
    BOOST_TEST((e.errc() == llm_errc::quota_exceeded));
    BOOST_TEST(e.http_status() == 429);
  }
}

BOOST_AUTO_TEST_CASE(async_on_a_callers_executor) {
  llm_test_server server({server_action::ok("on your executor")});
  boost::asio::io_context ioc;
  gpta::openai_transport t(ioc.get_executor(), fast(server));
  std::string got;
  t.async_complete(hello(), [&](std::exception_ptr ep, gpta::chat_response r) {
    BOOST_TEST(!ep);
    got = r.choices.at(0).content;
  });
  ioc.run();
  BOOST_TEST(got == "on your executor");
}

BOOST_AUTO_TEST_CASE(destroying_the_transport_mid_call_is_safe) {
  llm_test_server server({server_action::ok("never read").after(3000ms)});
  std::future<gpta::chat_response> f;
  const auto t0 = steady::now();
  {
    gpta::openai_transport t(fast(server));
    f = t.async_complete(hello(), boost::asio::use_future);
    std::this_thread::sleep_for(50ms);
  }
  BOOST_CHECK_THROW((void)f.get(), std::exception);
  BOOST_TEST(ms_since(t0) < 1000.0);
}

BOOST_AUTO_TEST_CASE(insecure_option_warns_once_at_construction) {
  std::vector<std::string> warnings;
  gpta::openai_options o;
  o.base_url = "https://127.0.0.1:9/v1";
  o.insecure_skip_verify = true;
  o.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
  gpta::openai_transport t(o);
  BOOST_TEST_REQUIRE(warnings.size() == 1u);
  BOOST_TEST(warnings[0].find("insecure_skip_verify") != std::string::npos);
  o.insecure_skip_verify = false;
  o.ca_file = "/nonexistent/ca.pem";
  try {
    gpta::openai_transport bad(o);
    BOOST_FAIL("a missing CA file must be refused");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gpta_chat_command)

namespace {
struct captured {
  int rc = -1;
  std::string out, err;
};

captured run_chat(const std::vector<std::string>& args, const std::string& input = {}) {
  std::ostringstream out, err;
  std::istringstream in(input);
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  auto* old_in = std::cin.rdbuf(in.rdbuf());
  captured c;
  try {
    c.rc = gpta::cli::cmd_chat(args);
  } catch (const gpta::cli::usage_error& e) {
    c.rc = 2;  // what main() does
    err << "error: " << e.what() << "\n";
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  std::cin.rdbuf(old_in);
  c.out = out.str();
  c.err = err.str();
  return c;
}
}  // namespace

BOOST_AUTO_TEST_CASE(prints_the_reply) {
  llm_test_server server({server_action::ok("Hi there")});
  const auto c = run_chat({"--base-url", server.base_url(), "--model", "m", "--api-key", "k", "--temperature", "0.2",
                           "--seed", "3", "say", "hi"});
  BOOST_TEST(c.rc == 0);
  BOOST_TEST(c.out == "Hi there\n");
  BOOST_TEST(c.err.empty());
  const auto body = server.requests().at(0).json();
  BOOST_TEST(body.at("messages").as_array().at(0).as_object().at("content").as_string() == "say hi");
  BOOST_TEST(body.at("seed").as_int64() == 3);
  BOOST_TEST(body.at("temperature").as_double() == 0.2);
}

BOOST_AUTO_TEST_CASE(reads_the_message_from_stdin) {
  llm_test_server server({server_action::ok("ok")});
  const auto c = run_chat({"--base-url", server.base_url(), "--model", "m"}, "from a pipe\n");
  BOOST_TEST(c.rc == 0);
  BOOST_TEST(server.requests().at(0).json().at("messages").as_array().at(0).as_object().at("content").as_string() ==
             "from a pipe\n");
}

BOOST_AUTO_TEST_CASE(failure_is_one_line_on_stderr) {
  llm_test_server server({server_action::error(401, "Incorrect API key provided: sk-live-abc\nsecond line")});
  const auto c = run_chat({"--base-url", server.base_url(), "--model", "m", "--api-key", "sk-live-abc", "hi"});
  BOOST_TEST(c.rc == 1);
  BOOST_TEST(c.out.empty());
  BOOST_TEST(c.err.rfind("error: unauthorized: ", 0) == 0u);
  BOOST_TEST(std::count(c.err.begin(), c.err.end(), '\n') == 1);
  BOOST_TEST(c.err.find("sk-live-abc") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(timeout_flag_bounds_the_command) {
  llm_test_server server({server_action::ok("late").after(5000ms)});
  const auto t0 = steady::now();
  const auto c = run_chat({"--base-url", server.base_url(), "--model", "m", "--timeout-s", "0.2", "hi"});
  BOOST_TEST(c.rc == 1);
  BOOST_TEST(c.err.rfind("error: timeout: ", 0) == 0u);
  BOOST_TEST(ms_since(t0) < 1500.0);
}

BOOST_AUTO_TEST_CASE(usage_errors) {
  BOOST_TEST(run_chat({"--base-url", "ftp://x", "--model", "m", "hi"}).rc == 2);
  BOOST_TEST(run_chat({"--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--max-retries", "-1", "hi"}).rc == 2);
  BOOST_TEST(run_chat({"--base-url", "http://127.0.0.1:9/v1", "--model", "m"}, "  \n").rc == 2);
  BOOST_TEST(run_chat({"--bogus"}).rc == 2);
  const auto help = run_chat({"--help"});
  BOOST_TEST(help.rc == 0);
  BOOST_TEST(help.out.find("--base-url") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
