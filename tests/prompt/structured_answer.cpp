#include <gpta/prompt/structured_answer.hpp>

#include <string>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_CASE(the_schema_fixes_the_item_count_and_bounds_each_item) {
  const gpta::response_format f = gpta::prefixes_schema(3, 120);
  BOOST_TEST(f.type == "json_schema");
  BOOST_TEST(f.schema_name == "prefixes");
  BOOST_TEST(f.strict);
  const auto schema = boost::json::parse(f.schema_json).as_object();
  BOOST_TEST(schema.at("type").as_string() == "object");
  BOOST_TEST(schema.at("required").as_array().at(0).as_string() == "prefixes");
  BOOST_TEST(schema.at("additionalProperties").as_bool() == false);
  const auto& list = schema.at("properties").at("prefixes").as_object();
  BOOST_TEST(list.at("type").as_string() == "array");
  BOOST_TEST(list.at("minItems").to_number<int>() == 3);
  BOOST_TEST(list.at("maxItems").to_number<int>() == 3);
  BOOST_TEST(list.at("items").at("maxLength").to_number<int>() == 120);
  BOOST_TEST(list.at("items").at("minLength").to_number<int>() == 1);
  // 0 characters: no length bound at all.
  const auto unbounded = boost::json::parse(gpta::prefixes_schema(1, 0).schema_json);
  BOOST_TEST(!unbounded.at("properties").at("prefixes").at("items").as_object().contains("maxLength"));
}

BOOST_AUTO_TEST_CASE(a_structured_answer_is_read_in_order) {
  const auto a = gpta::parse_structured_answer(R"( {"prefixes": ["Is it positive?", "Name the tone."]} )");
  BOOST_TEST(a.structured);
  BOOST_TEST(a.problems.empty());
  BOOST_TEST_REQUIRE(a.items.size() == 2u);
  BOOST_TEST(a.items[0] == "Is it positive?");
  BOOST_TEST(a.items[1] == "Name the tone.");
  // Inside a ```json fence, as models write it when no grammar binds them.
  const auto fenced = gpta::parse_structured_answer("```json\n{\"prefixes\": [\"Judge it.\"]}\n```");
  BOOST_TEST(fenced.structured);
  BOOST_TEST_REQUIRE(fenced.items.size() == 1u);
  BOOST_TEST(fenced.items[0] == "Judge it.");
}

BOOST_AUTO_TEST_CASE(prose_and_other_json_are_not_structured_answers) {
  for (const char* text : {"<prefix>Read it.</prefix>", "Sure! Here is a prefix.", "", "{not json",
                           R"({"prefix": "singular key"})", R"(["a", "b"])"})
    BOOST_TEST(!gpta::parse_structured_answer(text).structured, text);
}

BOOST_AUTO_TEST_CASE(bad_lists_are_problems_not_fallbacks) {
  const auto empty = gpta::parse_structured_answer(R"({"prefixes": []})");
  BOOST_TEST(empty.structured);
  BOOST_TEST(empty.items.empty());
  BOOST_TEST_REQUIRE(empty.problems.size() == 1u);
  BOOST_TEST(empty.problems[0].find("empty") != std::string::npos);

  const auto mixed = gpta::parse_structured_answer(R"({"prefixes": ["ok", 3, null]})");
  BOOST_TEST(mixed.structured);
  BOOST_TEST(mixed.items.size() == 1u);
  BOOST_TEST(mixed.problems.size() == 2u);
  BOOST_TEST(mixed.problems[0].find("item 2") != std::string::npos);

  const auto not_list = gpta::parse_structured_answer(R"({"prefixes": "one string"})");
  BOOST_TEST(not_list.structured);
  BOOST_TEST(not_list.items.empty());
  BOOST_TEST(not_list.problems.at(0).find("not a list") != std::string::npos);
}
