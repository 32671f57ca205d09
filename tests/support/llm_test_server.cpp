// The loopback test server's Asio/Beast side (see llm_test_server.hpp), compiled once into the
// gpta_test_llm_server library instead of in every test that starts a server.
#include "support/llm_test_server.hpp"

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

namespace gpta::test {

struct llm_test_server::impl {
  impl(handler_type handler, boost::asio::ssl::context* tls) : handler_(std::move(handler)), tls_(tls) {
    namespace net = boost::asio;
    acceptor_.open(net::ip::tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind({net::ip::make_address_v4("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~impl() {
    ioc_.stop();
    thread_.join();
  }

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

  llm_test_server::handler_type handler_;
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

llm_test_server::llm_test_server(handler_type handler, boost::asio::ssl::context* tls)
    : impl_(std::make_unique<impl>(std::move(handler), tls)) {}

llm_test_server::~llm_test_server() = default;

std::uint16_t llm_test_server::port() const noexcept { return impl_->port_; }

std::string llm_test_server::base_url(const std::string& host) const {
  return std::string(impl_->tls_ ? "https" : "http") + "://" + host + ":" + std::to_string(impl_->port_) + "/v1";
}

std::size_t llm_test_server::request_count() const {
  std::lock_guard lock(impl_->mutex_);
  return impl_->requests_.size();
}

std::vector<recorded_request> llm_test_server::requests() const {
  std::lock_guard lock(impl_->mutex_);
  return impl_->requests_;
}

std::size_t llm_test_server::connection_count() const noexcept { return impl_->connections_.load(); }

std::size_t llm_test_server::tls_handshake_failures() const noexcept { return impl_->handshake_failures_.load(); }

std::vector<std::string> llm_test_server::sni_names() const {
  std::lock_guard lock(impl_->mutex_);
  return impl_->sni_;
}

}  // namespace gpta::test
