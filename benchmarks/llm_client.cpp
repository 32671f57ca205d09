// Throughput and latency of gpta's LLM client against an in-process loopback server, at
// concurrency 1 and 8, next to a bare Beast keep-alive loop (the anchor: the cost of HTTP alone).
// Usage: gpta_bench_llm_client [requests_per_run=2000]
#include <gpta/llm/openai_transport.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "../tests/support/llm_test_server.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct result {
  double requests_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

result summarise(std::vector<double> latencies_us, double wall_s) {
  std::sort(latencies_us.begin(), latencies_us.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(latencies_us.size() - 1));
    return latencies_us[i];
  };
  return {static_cast<double>(latencies_us.size()) / wall_s, at(0.50), at(0.99)};
}

double us_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
}

gpta::chat_request request() {
  gpta::chat_request r;
  r.model = "bench";
  r.messages = {{"system", "You write prefix prompts for a sentiment classifier."},
                {"user", "Round 3: dev accuracy 0.842 (+0.011). Propose a better prefix."}};
  r.temperature = 0.7;
  return r;
}

/// The anchor: one keep-alive connection, the same request bytes, no JSON and no retry logic.
result raw_beast(const gpta::test::llm_test_server& server, int count) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
  http::request<http::string_body> req{http::verb::post, "/v1/chat/completions", 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
  req.set(http::field::content_type, "application/json");
  req.body() = gpta::canonical_json(request());
  req.prepare_payload();
  boost::beast::flat_buffer buffer;
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(count));
  const auto start = clock_type::now();
  for (int i = 0; i < count; ++i) {
    const auto t0 = clock_type::now();
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    lat.push_back(us_since(t0));
  }
  return summarise(std::move(lat), us_since(start) / 1e6);
}

result gpta_client(const gpta::test::llm_test_server& server, int count, int concurrency) {
  gpta::openai_options o;
  o.base_url = server.base_url();
  o.api_key = "bench-key";
  gpta::openai_transport transport(o);
  std::vector<std::vector<double>> per_thread(static_cast<std::size_t>(concurrency));
  std::vector<std::thread> threads;
  const auto start = clock_type::now();
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      const gpta::chat_request req = request();
      auto& lat = per_thread[static_cast<std::size_t>(t)];
      for (int i = t; i < count; i += concurrency) {
        const auto t0 = clock_type::now();
        const auto r = transport.complete(req);
        lat.push_back(us_since(t0));
        if (r.choices.empty()) std::abort();
      }
    });
  }
  for (auto& th : threads) th.join();
  const double wall = us_since(start) / 1e6;
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  const auto s = transport.stats();
  if (s.succeeded != static_cast<std::uint64_t>(count) || s.retries != 0) {
    std::fprintf(stderr, "unexpected: %llu of %d calls succeeded, %llu retries\n",
                 static_cast<unsigned long long>(s.succeeded), count, static_cast<unsigned long long>(s.retries));
    std::exit(1);
  }
  return summarise(std::move(all), wall);
}

void print(const char* name, int concurrency, const result& r, const result* anchor) {
  std::printf("%-22s c=%d  %9.0f req/s  p50 %8.1f us  p99 %8.1f us", name, concurrency, r.requests_per_s, r.p50_us,
              r.p99_us);
  if (anchor) std::printf("  (%.2fx anchor req/s)", r.requests_per_s / anchor->requests_per_s);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::max(16, std::atoi(argv[1])) : 2000;
  // A reply the size of a typical TA answer (a prefix of a few hundred characters).
  const std::string prefix(400, 'p');
  gpta::test::llm_test_server server({gpta::test::server_action::completion({prefix}, 180, 100)});
  std::printf("llm_client: %d requests per run, loopback server on 127.0.0.1:%u, %u hardware threads\n", count,
              server.port(), std::thread::hardware_concurrency());
  (void)raw_beast(server, std::min(count, 200));  // warm-up
  const result anchor = raw_beast(server, count);
  print("anchor: raw Beast", 1, anchor, nullptr);
  print("gpta::openai_transport", 1, gpta_client(server, count, 1), &anchor);
  print("gpta::openai_transport", 8, gpta_client(server, count, 8), &anchor);
  return 0;
}
