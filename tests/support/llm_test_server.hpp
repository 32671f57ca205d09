// A real HTTP(S) server on 127.0.0.1 (ephemeral port) for transport tests and benchmarks: each
// request gets a scripted action (reply, delay, reset, truncate, chunk...), and it counts what it saw.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace gpta::test {

struct recorded_request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::size_t connection = 0;  // 1-based accept order

  [[nodiscard]] boost::json::object json() const { return boost::json::parse(body).as_object(); }
  [[nodiscard]] std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

struct server_action {
  enum class kind {
    respond,   // a normal HTTP response
    reset,     // read the request, then abort the connection (TCP RST)
    truncate,  // announce the full Content-Length, send `truncate_at` body bytes, close
    raw,       // write `raw` verbatim, close
  };
  kind what = kind::respond;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t chunk_size = 0;  // > 0: Transfer-Encoding: chunked, in pieces of this size
  std::chrono::milliseconds delay{0};
  bool close_after = false;  // answer with Connection: close, then close
  bool drop_after = false;   // answer advertising keep-alive, then close anyway (an idle-timeout server)
  std::size_t truncate_at = 0;
  std::string raw;

  /// A chat completion with one choice per content (a null content when the optional is empty).
  static server_action completion(const std::vector<std::optional<std::string>>& contents, int prompt_tokens = 7,
                                  int completion_tokens = 5) {
    boost::json::array choices;
    for (std::size_t i = 0; i < contents.size(); ++i) {
      boost::json::object msg{{"role", "assistant"}};
      if (contents[i])
        msg["content"] = *contents[i];
      else
        msg["content"] = nullptr;
      choices.push_back(boost::json::object{{"index", i}, {"message", msg}, {"finish_reason", "stop"}});
    }
    boost::json::object o{{"id", "chatcmpl-test"},
                          {"object", "chat.completion"},
                          {"created", 1700000000},
                          {"model", "test-model"},
                          {"choices", choices},
                          {"usage", boost::json::object{{"prompt_tokens", prompt_tokens},
                                                        {"completion_tokens", completion_tokens},
                                                        {"total_tokens", prompt_tokens + completion_tokens}}},
                          {"system_fingerprint", "ignored-by-clients"}};
    return json(200, boost::json::serialize(o));
  }
  static server_action ok(const std::string& content) { return completion({content}); }
  static server_action json(int status, std::string body) {
    server_action a;
    a.status = status;
    a.body = std::move(body);
    a.headers.emplace_back("Content-Type", "application/json");
    return a;
  }
  /// An OpenAI-style error body.
  static server_action error(int status, const std::string& message, const std::string& code = {},
                             const std::string& param = {}) {
    boost::json::object e{{"message", message}, {"type", "test_error"}};
    e["code"] = code.empty() ? boost::json::value(nullptr) : boost::json::value(code);
    e["param"] = param.empty() ? boost::json::value(nullptr) : boost::json::value(param);
    return json(status, boost::json::serialize(boost::json::object{{"error", e}}));
  }
  server_action& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  server_action& after(std::chrono::milliseconds d) {
    delay = d;
    return *this;
  }
};

class llm_test_server {
 public:
  using handler_type = std::function<server_action(const recorded_request&, std::size_t index)>;

  /// `tls`: serve HTTPS with this context (it must outlive the server).
  explicit llm_test_server(handler_type handler, boost::asio::ssl::context* tls = nullptr)
      : handler_(std::move(handler)), tls_(tls) {
    namespace net = boost::asio;
    acceptor_.open(net::ip::tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind({net::ip::make_address_v4("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  /// Each request takes the next action; the last one repeats once the script runs out.
  explicit llm_test_server(std::vector<server_action> script, boost::asio::ssl::context* tls = nullptr)
      : llm_test_server(
            [s = std::move(script)](const recorded_request&, std::size_t i) { return s.at(std::min(i, s.size() - 1)); },
            tls) {}

  llm_test_server(const llm_test_server&) = delete;
  llm_test_server& operator=(const llm_test_server&) = delete;
  ~llm_test_server() {
    ioc_.stop();
    thread_.join();
  }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::string base_url(const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "https" : "http") + "://" + host + ":" + std::to_string(port_) + "/v1";
  }
  [[nodiscard]] std::size_t request_count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }
  [[nodiscard]] std::vector<recorded_request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  [[nodiscard]] std::size_t connection_count() const noexcept { return connections_.load(); }
  [[nodiscard]] std::size_t tls_handshake_failures() const noexcept { return handshake_failures_.load(); }
  /// SNI names clients sent, one per TLS connection (empty string: none sent).
  [[nodiscard]] std::vector<std::string> sni_names() const {
    std::lock_guard lock(mutex_);
    return sni_;
  }

 private:
  using tcp = boost::asio::ip::tcp;

  boost::asio::awaitable<void> accept_loop() {
    namespace net = boost::asio;
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      const std::size_t id = ++connections_;
      if (tls_)
        net::co_spawn(ioc_, tls_session(std::move(socket), id), net::detached);
      else
        net::co_spawn(ioc_, session(std::move(socket), id), net::detached);
    }
  }

  boost::asio::awaitable<void> tls_session(tcp::socket socket, std::size_t id) {
    namespace net = boost::asio;
    net::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, net::as_tuple(net::use_awaitable));
    {
      std::lock_guard lock(mutex_);
      const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      sni_.emplace_back(sni ? sni : "");
    }
    if (ec) {
      ++handshake_failures_;
      co_return;
    }
    co_await serve(stream, id);
  }

  boost::asio::awaitable<void> session(tcp::socket socket, std::size_t id) { co_await serve(socket, id); }

  static tcp::socket& lowest(tcp::socket& s) { return s; }
  static tcp::socket& lowest(boost::asio::ssl::stream<tcp::socket>& s) { return s.next_layer(); }

  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream, std::size_t id) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    const auto tuple = net::as_tuple(net::use_awaitable);
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(stream, buffer, req, tuple);
      if (ec) co_return;
      recorded_request rec;
      rec.method = std::string(req.method_string());
      rec.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        rec.headers[name] = std::string(f.value());
      }
      rec.body = req.body();
      rec.connection = id;
      std::size_t index = 0;
      {
        std::lock_guard lock(mutex_);
        index = requests_.size();
        requests_.push_back(rec);
      }
      const server_action a = handler_(rec, index);
      if (a.delay.count() > 0) {
        net::steady_timer t(co_await net::this_coro::executor, a.delay);
        co_await t.async_wait(tuple);
      }
      switch (a.what) {
        case server_action::kind::reset: {
          auto& s = lowest(stream);
          boost::system::error_code ignored;
          s.set_option(net::socket_base::linger(true, 0), ignored);
          s.close(ignored);
          co_return;
        }
        case server_action::kind::raw: {
          co_await net::async_write(stream, net::buffer(a.raw), tuple);
          lowest(stream).close();
          co_return;
        }
        case server_action::kind::truncate: {
          std::string head = "HTTP/1.1 " + std::to_string(a.status) + " OK\r\nContent-Type: application/json\r\n" +
                             "Content-Length: " + std::to_string(a.body.size()) + "\r\n\r\n";
          head += a.body.substr(0, a.truncate_at);
          co_await net::async_write(stream, net::buffer(head), tuple);
          lowest(stream).close();
          co_return;
        }
        case server_action::kind::respond: break;
      }
      const bool keep = req.keep_alive() && !a.close_after;
      if (a.chunk_size > 0) {
        // Hand-built chunked framing, so the client's parser is tested against bytes we chose.
        std::string out = "HTTP/1.1 " + std::to_string(a.status) + " OK\r\nTransfer-Encoding: chunked\r\n";
        for (const auto& [k, v] : a.headers) out += k + ": " + v + "\r\n";
        if (!keep) out += "Connection: close\r\n";
        out += "\r\n";
        for (std::size_t p = 0; p < a.body.size(); p += a.chunk_size) {
          const std::string piece = a.body.substr(p, a.chunk_size);
          char hex[32];
          std::snprintf(hex, sizeof hex, "%zx", piece.size());
          out += std::string(hex) + "\r\n" + piece + "\r\n";
        }
        out += "0\r\n\r\n";
        auto [wec, wn] = co_await net::async_write(stream, net::buffer(out), tuple);
        if (wec || !keep) co_return;
        continue;
      }
      http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
      for (const auto& [k, v] : a.headers) res.set(k, v);
      res.body() = a.body;
      res.keep_alive(keep);
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, tuple);
      if (wec || !keep || a.drop_after) {
        boost::system::error_code ignored;
        lowest(stream).shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
      }
    }
  }

  handler_type handler_;
  boost::asio::ssl::context* tls_;
  boost::asio::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<recorded_request> requests_;
  std::vector<std::string> sni_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> handshake_failures_{0};
};

}  // namespace gpta::test
