#include <gpta/llm/chat_json.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

namespace {

gpta::llm_errc errc_of(const std::string& body) {
  try {
    (void)gpta::parse_chat_response(body);
  } catch (const gpta::llm_error& e) {
    return e.errc();
  }
  BOOST_FAIL("expected an llm_error for: " + body);
  return {};
}

std::string detail_of(const std::string& body) {
  try {
    (void)gpta::parse_chat_response(body);
  } catch (const gpta::llm_error& e) {
    return e.detail();
  }
  return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(error_category_has_stable_ids) {
  std::error_code ec = gpta::llm_errc::quota_exceeded;
  BOOST_TEST(ec.category().name() == std::string("gpta.llm"));
  BOOST_TEST(ec.message() == "quota_exceeded");
  BOOST_TEST(ec.value() == 4);  // part of the interface: ids never renumber
  BOOST_TEST(gpta::llm_error_id(gpta::make_error_code(gpta::llm_errc::empty_response)) == "empty_response");
  BOOST_TEST(static_cast<int>(gpta::llm_errc::connection_failed) == 1);
  BOOST_TEST(static_cast<int>(gpta::llm_errc::response_too_large) == 9);
  gpta::llm_error e(gpta::llm_errc::rate_limited, "HTTP 429: slow down", 429, "slow down", "rate_limit_exceeded");
  BOOST_TEST(std::string(e.what()) == "rate_limited: HTTP 429: slow down");
  BOOST_TEST(e.http_status() == 429);
  BOOST_TEST(e.server_message() == "slow down");
  BOOST_TEST(e.server_code() == "rate_limit_exceeded");
  BOOST_TEST((e.code() == gpta::llm_errc::rate_limited));
}

BOOST_AUTO_TEST_CASE(request_maps_every_field_and_omits_unset_ones) {
  gpta::chat_request r;
  r.model = "m";
  r.messages = {{"system", "be brief"}, {"user", "hi \"there\""}};
  const auto minimal = gpta::to_json(r);
  BOOST_TEST(minimal.size() == 2u);  // model + messages only
  BOOST_TEST(minimal.at("messages").as_array().at(1).as_object().at("content").as_string() == "hi \"there\"");

  r.temperature = 0.5;
  r.top_p = 0.9;
  r.max_tokens = 64;
  r.n = 3;
  r.seed = -7;
  r.stop = {"</prefix>"};
  r.format = gpta::response_format{"json_schema", "prefix", R"({"type":"object"})", true};
  const auto o = gpta::to_json(r);
  BOOST_TEST(o.at("temperature").as_double() == 0.5);
  BOOST_TEST(o.at("top_p").as_double() == 0.9);
  BOOST_TEST(o.at("max_tokens").as_int64() == 64);
  BOOST_TEST(o.at("n").as_int64() == 3);
  BOOST_TEST(o.at("seed").as_int64() == -7);
  BOOST_TEST(o.at("stop").as_array().at(0).as_string() == "</prefix>");
  const auto& f = o.at("response_format").as_object();
  BOOST_TEST(f.at("type").as_string() == "json_schema");
  BOOST_TEST(f.at("json_schema").as_object().at("schema").as_object().at("type").as_string() == "object");
  BOOST_TEST(f.at("json_schema").as_object().at("strict").as_bool() == true);

  r.format->schema_json = "{not json";
  BOOST_CHECK_THROW((void)gpta::to_json(r), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(canonical_json_is_stable_and_sensitive) {
  gpta::chat_request a;
  a.model = "m";
  a.messages = {{"user", "x"}};
  a.seed = 1;
  gpta::chat_request b = a;
  BOOST_TEST(gpta::canonical_json(a) == gpta::canonical_json(b));
  b.seed = 2;
  BOOST_TEST(gpta::canonical_json(a) != gpta::canonical_json(b));
  b = a;
  b.temperature = 0.0;
  BOOST_TEST(gpta::canonical_json(a) != gpta::canonical_json(b));
  BOOST_TEST(gpta::canonical_json(a) == R"({"model":"m","messages":[{"role":"user","content":"x"}],"seed":1})");
}

BOOST_AUTO_TEST_CASE(response_ignores_unknown_fields_and_orders_choices) {
  const auto r = gpta::parse_chat_response(R"({
    "id": "c1", "object": "chat.completion", "created": 1, "model": "m", "system_fingerprint": "fp",
    "choices": [
      {"index": 1, "message": {"role": "assistant", "content": "second", "refusal": null}, "finish_reason": "length", "logprobs": null},
      {"index": 0, "message": {"role": "assistant", "content": "first"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14, "prompt_tokens_details": {"cached_tokens": 0}},
    "timings": {"predicted_ms": 3.5}
  })");
  BOOST_TEST(r.id == "c1");
  BOOST_TEST(r.model == "m");
  BOOST_TEST_REQUIRE(r.choices.size() == 2u);
  BOOST_TEST(r.choices[0].content == "first");
  BOOST_TEST(r.choices[1].content == "second");
  BOOST_TEST(r.choices[1].finish_reason == "length");
  BOOST_TEST(r.usage.prompt_tokens == 10);
  BOOST_TEST(r.usage.completion_tokens == 4);
  BOOST_TEST(r.usage.total_tokens == 14);
}

BOOST_AUTO_TEST_CASE(response_optional_parts_may_be_missing) {
  const auto r = gpta::parse_chat_response(R"({"choices":[{"message":{"content":"hi"}}]})");
  BOOST_TEST(r.choices.at(0).content == "hi");
  BOOST_TEST(r.choices.at(0).finish_reason.empty());
  BOOST_TEST(r.usage.total_tokens == 0);
  // total_tokens missing: derived from the parts.
  const auto u = gpta::parse_chat_response(
      R"({"choices":[{"message":{"content":"x"},"finish_reason":null}],"usage":{"prompt_tokens":2,"completion_tokens":3}})");
  BOOST_TEST(u.usage.total_tokens == 5);
}

BOOST_AUTO_TEST_CASE(response_errors_name_the_field) {
  using gpta::llm_errc;
  BOOST_TEST((errc_of("{\"choices\": [") == llm_errc::malformed_response));
  BOOST_TEST((errc_of("[]") == llm_errc::malformed_response));
  BOOST_TEST((errc_of(R"({"id":"x"})") == llm_errc::malformed_response));
  BOOST_TEST(detail_of(R"({"id":"x"})").find("'choices'") != std::string::npos);
  BOOST_TEST(detail_of(R"({"choices":[{"message":{"content":"a"}},{"message":{}}]})").find("choices[1].message.content") !=
             std::string::npos);
  BOOST_TEST(detail_of(R"({"choices":[{"message":{"content":5}}]})").find("got number") != std::string::npos);
  BOOST_TEST(detail_of(R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":"7"}})")
                 .find("usage.prompt_tokens") != std::string::npos);
  BOOST_TEST(detail_of(R"({"id":3,"choices":[]})").find("'id'") != std::string::npos);
  BOOST_TEST((errc_of(R"({"choices":[]})") == llm_errc::empty_response));
  BOOST_TEST((errc_of(R"({"choices":[{"message":{"content":null},"finish_reason":"content_filter"}]})") ==
              llm_errc::empty_response));
  BOOST_TEST(detail_of(R"({"choices":[{"message":{"content":null},"finish_reason":"content_filter"}]})")
                 .find("content_filter") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(response_round_trips_through_to_json) {
  gpta::chat_response r;
  r.id = "x";
  r.model = "m";
  r.choices = {{"a", "stop"}, {"b\n\"c\"", "length"}};
  r.usage = {3, 4, 7};
  BOOST_TEST((gpta::response_from_json(gpta::to_json(r)) == r));
}

BOOST_AUTO_TEST_CASE(error_bodies_in_every_shape) {
  auto openai = gpta::parse_error_body(
      R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
  BOOST_TEST(openai.message == "You exceeded your current quota");
  BOOST_TEST(openai.code == "insufficient_quota");
  BOOST_TEST(openai.param.empty());
  auto llama = gpta::parse_error_body(R"({"error":{"code":500,"message":"boom","type":"server_error"}})");
  BOOST_TEST(llama.code == "500");
  BOOST_TEST(llama.message == "boom");
  BOOST_TEST(gpta::parse_error_body(R"({"error":"plain"})").message == "plain");
  BOOST_TEST(gpta::parse_error_body(R"({"detail":"fastapi style"})").message == "fastapi style");
  BOOST_TEST(gpta::parse_error_body("<html>502 Bad Gateway</html>").message.empty());
}
