#include <gpta/llm/base_url.hpp>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_CASE(parses_the_usual_endpoints) {
  auto local = gpta::parse_base_url("http://127.0.0.1:8080/v1");
  BOOST_TEST(local.scheme == "http");
  BOOST_TEST(local.host == "127.0.0.1");
  BOOST_TEST(local.port == 8080);
  BOOST_TEST(local.path_prefix == "/v1");
  BOOST_TEST(!local.tls());
  BOOST_TEST(local.host_header() == "127.0.0.1:8080");
  BOOST_TEST(local.target("/chat/completions") == "/v1/chat/completions");

  auto openai = gpta::parse_base_url("HTTPS://api.openai.com/v1/");
  BOOST_TEST(openai.scheme == "https");
  BOOST_TEST(openai.port == 443);
  BOOST_TEST(openai.path_prefix == "/v1");
  BOOST_TEST(openai.host_header() == "api.openai.com");
  BOOST_TEST(openai.to_string() == "https://api.openai.com/v1");

  auto bare = gpta::parse_base_url("http://localhost");
  BOOST_TEST(bare.port == 80);
  BOOST_TEST(bare.path_prefix.empty());
  BOOST_TEST(bare.target("/chat/completions") == "/chat/completions");

  auto v6 = gpta::parse_base_url("http://[::1]:9000/api/v1");
  BOOST_TEST(v6.host == "::1");
  BOOST_TEST(v6.port == 9000);
  BOOST_TEST(v6.host_header() == "[::1]:9000");
  BOOST_TEST(v6.path_prefix == "/api/v1");
}

BOOST_AUTO_TEST_CASE(rejects_what_it_must_not_guess) {
  for (const char* bad : {"127.0.0.1:8080/v1", "ftp://host/v1", "http://", "http://:80/v1", "http://host:0/v1",
                          "http://host:65536", "http://host:8x/v1", "http://user:secret@host/v1", "http://host/v1?x=1",
                          "http://host/v1#frag", "http://[::1/v1", "http://host:/v1", "http://ho st/v1"}) {
    BOOST_CHECK_THROW((void)gpta::parse_base_url(bad), std::invalid_argument);
  }
  try {
    (void)gpta::parse_base_url("http://user:secret@host/v1");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("gpta::parse_base_url") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("secret") == std::string::npos);  // credentials never echoed
  }
}
