// Parsing of an OpenAI-compatible base URL (`http://127.0.0.1:8080/v1`) into what a client
// needs: scheme, host, port and the path prefix that endpoint paths are appended to.
#pragma once

#include <cctype>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gpta {

struct base_url {
  std::string scheme;       ///< "http" or "https"
  std::string host;         ///< name or address; IPv6 without brackets
  std::uint16_t port = 0;   ///< explicit or the scheme's default
  std::string path_prefix;  ///< "" or "/v1" (never a trailing slash)

  [[nodiscard]] bool tls() const noexcept { return scheme == "https"; }
  [[nodiscard]] bool default_port() const noexcept { return port == (tls() ? 443 : 80); }
  [[nodiscard]] bool ipv6_literal() const noexcept { return host.find(':') != std::string::npos; }

  /// The Host header: port omitted when it is the scheme's default (RFC 9110 7.2).
  [[nodiscard]] std::string host_header() const {
    std::string h;
    if (ipv6_literal()) h.append(1, '[').append(host).append(1, ']');
    else h = host;
    if (!default_port()) h.append(1, ':').append(std::to_string(port));
    return h;
  }
  /// Request target for an endpoint path such as "/chat/completions".
  [[nodiscard]] std::string target(std::string_view endpoint) const { return path_prefix + std::string(endpoint); }
  [[nodiscard]] std::string to_string() const { return scheme + "://" + host_header() + path_prefix; }

  friend bool operator==(const base_url&, const base_url&) = default;
};

/// Parse `scheme://host[:port][/prefix]`. Rejects what a chat client must not guess about:
/// other schemes, user-info (credentials in URLs end up in logs), queries and fragments.
[[nodiscard]] inline base_url parse_base_url(std::string_view url) {
  // A URL with user-info carries a password: it is never echoed back.
  const bool has_userinfo = url.substr(0, url.find('/', url.find("://") + 3)).find('@') != std::string_view::npos;
  auto fail = [&](const std::string& why) -> std::invalid_argument {
    return std::invalid_argument("gpta::parse_base_url: '" + (has_userinfo ? std::string("(redacted)") : std::string(url)) +
                                 "': " + why);
  };
  base_url out;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) throw fail("expected scheme://host[:port][/path]");
  for (char c : url.substr(0, sep)) out.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme != "http" && out.scheme != "https") throw fail("scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    throw fail("user-info is not supported (pass the API key separately)");
  if (path.find_first_of("?#") != std::string_view::npos || authority.find_first_of("?#") != std::string_view::npos)
    throw fail("a base URL has no query or fragment");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw fail("unterminated IPv6 literal");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw fail("unexpected text after the IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty()) throw fail("empty port");
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) throw fail("empty port");
    }
  }
  if (out.host.empty()) throw fail("missing host");
  for (char c : out.host)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      throw fail("host contains whitespace or control characters");
  if (!port_text.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || v == 0 || v > 65535)
      throw fail("port must be a number in [1, 65535]");
    out.port = static_cast<std::uint16_t>(v);
  } else {
    out.port = out.tls() ? 443 : 80;
  }
  for (char c : path)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      throw fail("path contains whitespace or control characters");
  out.path_prefix = std::string(path);
  while (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
  return out;
}

}  // namespace gpta
