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

#include <boost/json.hpp>

namespace boost::asio::ssl {
class context;
}

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
  explicit llm_test_server(handler_type handler, boost::asio::ssl::context* tls = nullptr);
  /// Each request takes the next action; the last one repeats once the script runs out.
  explicit llm_test_server(std::vector<server_action> script, boost::asio::ssl::context* tls = nullptr)
      : llm_test_server(
            [s = std::move(script)](const recorded_request&, std::size_t i) { return s.at(std::min(i, s.size() - 1)); },
            tls) {}

  llm_test_server(const llm_test_server&) = delete;
  llm_test_server& operator=(const llm_test_server&) = delete;
  ~llm_test_server();

  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] std::string base_url(const std::string& host = "127.0.0.1") const;
  [[nodiscard]] std::size_t request_count() const;
  [[nodiscard]] std::vector<recorded_request> requests() const;
  [[nodiscard]] std::size_t connection_count() const noexcept;
  [[nodiscard]] std::size_t tls_handshake_failures() const noexcept;
  /// SNI names clients sent, one per TLS connection (empty string: none sent).
  [[nodiscard]] std::vector<std::string> sni_names() const;

 private:
  struct impl;  // Asio and Beast live in support/llm_test_server.cpp, compiled once for all tests
  std::unique_ptr<impl> impl_;
};

}  // namespace gpta::test
