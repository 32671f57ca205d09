#include <gpta/llm/openai_transport.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "support/llm_test_cert.hpp"
#include "support/llm_test_server.hpp"

using namespace std::chrono_literals;
using gpta::llm_errc;
using gpta::test::llm_test_server;
using gpta::test::server_action;

namespace {

/// A server certificate (self-signed, so it is its own CA file) and a TLS server context.
struct tls_fixture {
  explicit tls_fixture(const std::string& names = "DNS:localhost,IP:127.0.0.1")
      : id(gpta::test::make_self_signed(names)), server_ctx(boost::asio::ssl::context::tls_server) {
    server_ctx.use_certificate_chain(boost::asio::buffer(id.cert_pem));
    server_ctx.use_private_key(boost::asio::buffer(id.key_pem), boost::asio::ssl::context::pem);
    std::random_device rd;
    ca_file = std::filesystem::temp_directory_path() / ("gpta_tls_test_" + std::to_string(rd()) + ".pem");
    std::ofstream(ca_file) << id.cert_pem;
  }
  ~tls_fixture() {
    std::error_code ignored;
    std::filesystem::remove(ca_file, ignored);
  }
  tls_fixture(const tls_fixture&) = delete;
  tls_fixture& operator=(const tls_fixture&) = delete;

  gpta::test::test_identity id;
  boost::asio::ssl::context server_ctx;
  std::filesystem::path ca_file;
};

gpta::openai_options options(const std::string& base_url) {
  gpta::openai_options o;
  o.base_url = base_url;
  o.connect_timeout = 2000ms;
  o.request_timeout = 3000ms;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 2ms;
  return o;
}

gpta::chat_request hello() {
  gpta::chat_request r;
  r.model = "m";
  r.messages = {{"user", "hello over tls"}};
  return r;
}

gpta::llm_error failure_of(gpta::openai_transport& t) {
  try {
    (void)t.complete(hello());
  } catch (const gpta::llm_error& e) {
    return e;
  }
  BOOST_FAIL("the call was expected to fail");
  throw std::logic_error("unreachable");
}

}  // namespace

BOOST_AUTO_TEST_CASE(self_signed_certificate_is_rejected_by_default) {
  tls_fixture f;
  llm_test_server server({server_action::ok("secret")}, &f.server_ctx);
  gpta::openai_transport t(options(server.base_url()));
  const auto e = failure_of(t);
  BOOST_TEST((e.errc() == llm_errc::connection_failed));
  BOOST_TEST(e.detail().find("certificate verification failed") != std::string::npos, e.detail());
  BOOST_TEST(server.request_count() == 0u);    // nothing was sent
  BOOST_TEST(server.connection_count() == 1u);  // and a certificate failure is not retried
}

BOOST_AUTO_TEST_CASE(accepted_with_its_ca_configured_by_address_and_by_name) {
  tls_fixture f;
  llm_test_server server({server_action::ok("over tls")}, &f.server_ctx);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto o = options(server.base_url(host));
    o.ca_file = f.ca_file.string();
    gpta::openai_transport t(o);
    BOOST_TEST(t.complete(hello()).choices.at(0).content == "over tls", host);
    BOOST_TEST(t.complete(hello()).choices.at(0).content == "over tls", host);
    BOOST_TEST(t.stats().connections_opened == 1u, host);  // keep-alive over TLS too
  }
  const auto sni = server.sni_names();
  BOOST_TEST_REQUIRE(sni.size() == 2u);
  BOOST_TEST(sni[0] == "");           // no SNI for an IP literal (RFC 6066)
  BOOST_TEST(sni[1] == "localhost");  // SNI for a name
  BOOST_TEST(server.request_count() == 4u);
}

BOOST_AUTO_TEST_CASE(host_name_is_verified) {
  tls_fixture f("DNS:other.example");  // trusted, but issued to another name
  llm_test_server server({server_action::ok("should not arrive")}, &f.server_ctx);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto o = options(server.base_url(host));
    o.ca_file = f.ca_file.string();
    gpta::openai_transport t(o);
    const auto e = failure_of(t);
    BOOST_TEST((e.errc() == llm_errc::connection_failed), host);
    BOOST_TEST(e.detail().find("mismatch") != std::string::npos, e.detail());
  }
  BOOST_TEST(server.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(another_ca_does_not_vouch_for_the_server) {
  tls_fixture f;
  tls_fixture other;
  llm_test_server server({server_action::ok("x")}, &f.server_ctx);
  auto o = options(server.base_url());
  o.ca_file = other.ca_file.string();
  gpta::openai_transport t(o);
  BOOST_TEST((failure_of(t).errc() == llm_errc::connection_failed));
  BOOST_TEST(server.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(insecure_skip_verify_accepts_and_warns) {
  tls_fixture f("DNS:other.example");
  llm_test_server server({server_action::ok("unverified")}, &f.server_ctx);
  auto o = options(server.base_url("localhost"));
  o.insecure_skip_verify = true;
  std::vector<std::string> warnings;
  o.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
  gpta::openai_transport t(o);
  BOOST_TEST(t.complete(hello()).choices.at(0).content == "unverified");
  BOOST_TEST(t.complete(hello()).choices.at(0).content == "unverified");
  BOOST_TEST(warnings.size() == 1u);
}
