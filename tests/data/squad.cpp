#include <gpta/data/squad.hpp>

#include "data/data_test_support.hpp"

#include <string>

using gpta::data::load_squad;
using gpta_test::check_error;
using gpta_test::contains;
using gpta_test::expect_data_error;

namespace {

// Two articles in the official layout: Normans (2 paragraphs) and a non-ASCII one.
// Offsets count code points: in "Caf\u00e9 M\u00fcller ..." the word "M\u00fcller" starts at 5,
// byte 6; after "\u4e2d\u6587 \ud83d\ude00 " (2 CJK, space, 1 astral, space = 5 code points,
// 3+3+1+4+1 = 12 bytes) the answer "Z\u00fcrich" starts at code point 5, byte 12.
const char* const tiny = R"({"version": "1.1", "data": [
 {"title": "Normans", "paragraphs": [
  {"context": "The Normans were in Normandy, a region in France.",
   "qas": [{"id": "n1", "question": "Where were the Normans?",
            "answers": [{"answer_start": 20, "text": "Normandy"}, {"answer_start": 17, "text": "in Normandy"}]},
           {"id": "n2", "question": "Which country?", "answers": [{"answer_start": 42, "text": "France"}]}]},
  {"context": "Rollo was their leader.", "qas": [{"id": "n3", "question": "Who led?", "answers": [{"answer_start": 0, "text": "Rollo"}], "is_impossible": false}]}]},
 {"title": "Caf\u00e9", "paragraphs": [
  {"context": "Caf\u00e9 M\u00fcller", "qas": [{"id": "c1", "question": "Who?", "answers": [{"answer_start": 5, "text": "M\u00fcller"}]}]},
  {"context": "\u4e2d\u6587 \ud83d\ude00 Z\u00fcrich!", "qas": [{"id": "c2", "question": "Where?",
    "answers": [{"answer_start": 5, "text": "Z\u00fcrich"}, {"answer_start": 3, "text": "\ud83d\ude00"}]}]}]}]})";

/// `tiny` with the first occurrence of `from` replaced by `to`.
std::string tiny_with(const std::string& from, const std::string& to) {
  std::string s = tiny;
  const auto at = s.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "fixture lacks " << from);
  return s.replace(at, from.size(), to);
}

/// Load `json` expecting bad_record (or `code`) whose message starts with the JSON `path`.
void expect_field_error(const std::string& json, const std::string& path, const std::string& says,
                        gpta::errc code = gpta::errc::bad_record, gpta::data::squad_options options = {}) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("bad.json", json);
  const auto e = expect_data_error([&] { (void)load_squad(f, options); });
  check_error(e, code, f, 0);
  BOOST_TEST(e.message().rfind(path + ": ", 0) == 0u, "'" << e.message() << "' should start with '" << path << ": '");
  BOOST_TEST(contains(e.message(), says), "'" << e.message() << "' should say '" << says << "'");
}

}  // namespace

BOOST_AUTO_TEST_CASE(loads_the_official_layout_in_file_order) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("tiny.json", tiny);
  const auto d = load_squad(f);
  BOOST_TEST(d.name == "squad");
  BOOST_TEST(d.source == f.string());
  BOOST_TEST(d.notes.empty());
  BOOST_TEST(d.label_names.empty());
  BOOST_TEST_REQUIRE(d.size() == 5u);
  const auto& n1 = d[0];
  BOOST_TEST(n1.id == "n1");
  BOOST_TEST(n1.question == "Where were the Normans?");
  BOOST_TEST(n1.context == "The Normans were in Normandy, a region in France.");
  BOOST_TEST(n1.title == "Normans");
  BOOST_TEST(n1.article == 0u);
  BOOST_TEST(n1.paragraph == 0u);
  BOOST_TEST_REQUIRE(n1.answers.size() == 2u);
  BOOST_TEST(n1.answers[0].text == "Normandy");
  BOOST_TEST(n1.answers[0].start == 20u);
  BOOST_TEST(n1.answers[0].char_start == 20u);
  BOOST_TEST(n1.answers[0].end() == 28u);
  BOOST_TEST(n1.answers[1].start == 17u);
  BOOST_TEST(d[1].paragraph == 0u);
  BOOST_TEST(d[2].id == "n3");
  BOOST_TEST(d[2].paragraph == 1u);  // paragraphs are numbered over the whole file
  BOOST_TEST(d[3].article == 1u);
  BOOST_TEST(d[3].paragraph == 2u);
  BOOST_TEST(d[4].paragraph == 3u);
  const auto c = gpta::data::count_squad(d);
  BOOST_TEST(c.articles == 2u);
  BOOST_TEST(c.paragraphs == 4u);
  BOOST_TEST(c.questions == 5u);
  BOOST_TEST(c.answers == 7u);
}

BOOST_AUTO_TEST_CASE(code_point_offsets_become_byte_offsets_in_non_ascii_contexts) {
  gpta_test::temp_dir dir;
  const auto d = load_squad(dir.write("tiny.json", tiny));
  const auto& c1 = d[3];
  BOOST_TEST(d[3].title == "Caf\xC3\xA9");
  BOOST_TEST(c1.context == "Caf\xC3\xA9 M\xC3\xBCller");
  BOOST_TEST(c1.answers[0].char_start == 5u);
  BOOST_TEST(c1.answers[0].start == 6u);  // é is 2 bytes
  BOOST_TEST(c1.context.substr(c1.answers[0].start, c1.answers[0].text.size()) == "M\xC3\xBCller");
  const auto& c2 = d[4];
  BOOST_TEST(c2.context == "\xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80 Z\xC3\xBCrich!");
  BOOST_TEST(c2.answers[0].char_start == 5u);
  BOOST_TEST(c2.answers[0].start == 12u);  // 3 + 3 + 1 + 4 (the surrogate pair is one code point) + 1
  BOOST_TEST(c2.answers[1].text == "\xF0\x9F\x98\x80");
  BOOST_TEST(c2.answers[1].start == 7u);
  for (const auto& e : d.examples)
    for (const auto& a : e.answers) {
      BOOST_TEST(e.context.substr(a.start, a.text.size()) == a.text);
      BOOST_TEST(gpta::data::char_offset_of(e.context, a.start) == a.char_start);
    }
}

BOOST_AUTO_TEST_CASE(offset_helpers) {
  const std::string s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80z";  // a é 中 😀 z
  BOOST_TEST(gpta::data::char_length(s) == 5u);
  BOOST_TEST(*gpta::data::byte_offset_of(s, 0) == 0u);
  BOOST_TEST(*gpta::data::byte_offset_of(s, 2) == 3u);
  BOOST_TEST(*gpta::data::byte_offset_of(s, 3) == 6u);
  BOOST_TEST(*gpta::data::byte_offset_of(s, 4) == 10u);
  BOOST_TEST(*gpta::data::byte_offset_of(s, 5) == 11u);  // the end
  BOOST_TEST(!gpta::data::byte_offset_of(s, 6).has_value());
  BOOST_TEST(gpta::data::char_offset_of(s, 10) == 4u);
}

BOOST_AUTO_TEST_CASE(an_answer_start_not_at_its_text_names_the_json_path) {
  // The 3rd answer-bearing question overall, data[0].paragraphs[0].qas[1]: France is at 42.
  expect_field_error(tiny_with("\"answer_start\": 42", "\"answer_start\": 41"),
                     "data[0].paragraphs[0].qas[1].answers[0].answer_start", "the text first occurs at 42");
  // In the non-ASCII paragraph, a byte offset where a code-point offset belongs.
  expect_field_error(tiny_with("\"answer_start\": 5, \"text\": \"Z", "\"answer_start\": 12, \"text\": \"Z"),
                     "data[1].paragraphs[1].qas[0].answers[0].answer_start", "runs past the end of the context");
  expect_field_error(tiny_with("\"answer_start\": 5, \"text\": \"M", "\"answer_start\": 4, \"text\": \"M"),
                     "data[1].paragraphs[0].qas[0].answers[0].answer_start",
                     "offsets count Unicode code points); the text first occurs at 5");
}

BOOST_AUTO_TEST_CASE(mistyped_and_missing_fields_name_their_path) {
  const std::string start = "data[0].paragraphs[0].qas[0].answers[0].answer_start";
  expect_field_error(tiny_with("\"answer_start\": 20", "\"answer_start\": \"20\""), start, "got a string");
  expect_field_error(tiny_with("\"answer_start\": 20", "\"answer_start\": -1"), start, "got -1");
  expect_field_error(tiny_with("\"answer_start\": 20", "\"answer_start\": 20.0"), start, "got a number");
  expect_field_error(tiny_with("\"answer_start\": 20, ", ""), start, "missing");
  expect_field_error(tiny_with("\"text\": \"Normandy\"", "\"text\": \"\""), "data[0].paragraphs[0].qas[0].answers[0].text",
                     "empty answer text");
  expect_field_error(tiny_with("\"question\": \"Who led?\", ", ""), "data[0].paragraphs[1].qas[0].question", "missing");
  expect_field_error(tiny_with("\"context\": \"Rollo was their leader.\"", "\"context\": 7"),
                     "data[0].paragraphs[1].context", "expected a string, got an integer");
  expect_field_error(tiny_with("\"context\": \"Rollo was their leader.\"", "\"context\": \"\""),
                     "data[0].paragraphs[1].context", "empty context");
  expect_field_error(tiny_with("\"title\": \"Normans\", ", ""), "data[0].title", "missing");
  expect_field_error(tiny_with("[{\"id\": \"c1\", \"question\": \"Who?\", \"answers\": [{\"answer_start\": 5, \"text\": \"M\\u00fcller\"}]}]", "{}"),
                     "data[1].paragraphs[0].qas",
                     "expected an array, got an object");
  expect_field_error(tiny_with("\"id\": \"n3\"", "\"id\": \"n1\""), "data[0].paragraphs[1].qas[0].id",
                     "duplicate id 'n1' (first at data[0].paragraphs[0].qas[0])");
  expect_field_error(tiny_with("\"answers\": [{\"answer_start\": 0, \"text\": \"Rollo\"}]", "\"answers\": []"),
                     "data[0].paragraphs[1].qas[0].answers", "no answers");
}

BOOST_AUTO_TEST_CASE(questions_without_answers_load_when_allowed) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("q.json", tiny_with("\"answers\": [{\"answer_start\": 0, \"text\": \"Rollo\"}]", "\"answers\": []"));
  gpta::data::squad_options options;
  options.require_answers = false;
  const auto d = load_squad(f, options);
  BOOST_TEST(d[2].answers.empty());
  const auto g = dir.write("r.json", tiny_with(", \"answers\": [{\"answer_start\": 0, \"text\": \"Rollo\"}]", ""));
  BOOST_TEST(load_squad(g, options)[2].answers.empty());
  check_error(expect_data_error([&] { (void)load_squad(g); }), gpta::errc::bad_record, g, 0);
}

BOOST_AUTO_TEST_CASE(unchecked_offsets_are_counted_not_fatal) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("o.json", tiny_with("\"answer_start\": 42", "\"answer_start\": 999"));
  gpta::data::squad_options options;
  options.check_offsets = false;
  const auto d = load_squad(f, options);
  BOOST_TEST(d[1].answers[0].text == "France");
  BOOST_TEST(d[1].answers[0].start == d[1].context.size());  // clamped
  BOOST_TEST_REQUIRE(d.notes.size() == 1u);
  BOOST_TEST(contains(d.notes[0], "1 answer(s) whose answer_start does not point at their text"));
}

BOOST_AUTO_TEST_CASE(file_level_errors) {
  gpta_test::temp_dir dir;
  const auto missing = dir.path() / "nope.json";
  check_error(expect_data_error([&] { (void)load_squad(missing); }), gpta::errc::file_not_found, missing, 0);

  // Syntax errors point at the line (here the 3rd: the missing value after "title":).
  const auto broken = dir.write("broken.json", "{\"data\": [\n {\"paragraphs\": [],\n  \"title\": }\n]}\n");
  const auto e = expect_data_error([&] { (void)load_squad(broken); });
  check_error(e, gpta::errc::parse_error, broken, 3);
  BOOST_TEST(contains(e.what(), "invalid JSON at column"));
  const auto cut = dir.write("cut.json", std::string(tiny).substr(0, 300));
  check_error(expect_data_error([&] { (void)load_squad(cut); }), gpta::errc::parse_error, cut, 5);
  const auto trailing = dir.write("trailing.json", "{\"data\": []} x");
  check_error(expect_data_error([&] { (void)load_squad(trailing); }), gpta::errc::parse_error, trailing, 1);
  const auto latin1 = dir.write("latin1.json", "{\"data\": [],\n \"version\": \"caf\xE9\"}");
  check_error(expect_data_error([&] { (void)load_squad(latin1); }), gpta::errc::encoding_error, latin1, 2);

  const auto array = dir.write("array.json", "[]");
  check_error(expect_data_error([&] { (void)load_squad(array); }), gpta::errc::bad_header, array, 0);
  const auto no_data = dir.write("no_data.json", "{\"version\": \"1.1\"}");
  const auto nd = expect_data_error([&] { (void)load_squad(no_data); });
  check_error(nd, gpta::errc::bad_header, no_data, 0);
  BOOST_TEST(contains(nd.message(), "data: missing"));
  const auto bad_version = dir.write("v.json", "{\"version\": 1.1, \"data\": []}");
  check_error(expect_data_error([&] { (void)load_squad(bad_version); }), gpta::errc::bad_header, bad_version, 0);
  const auto empty = dir.write("empty.json", "{\"version\": \"1.1\", \"data\": []}");
  check_error(expect_data_error([&] { (void)load_squad(empty); }), gpta::errc::empty_dataset, empty, 0);
}

BOOST_AUTO_TEST_CASE(another_version_is_noted) {
  gpta_test::temp_dir dir;
  const auto d = load_squad(dir.write("v2.json", tiny_with("\"version\": \"1.1\"", "\"version\": \"v2.0\"")));
  BOOST_TEST_REQUIRE(d.notes.size() == 1u);
  BOOST_TEST(contains(d.notes[0], "version is 'v2.0'"));
  // And a file without a version is fine.
  BOOST_TEST(load_squad(dir.write("nov.json", tiny_with("\"version\": \"1.1\", ", ""))).size() == 5u);
}

BOOST_AUTO_TEST_CASE(errors_stay_on_one_line) {
  expect_field_error(tiny_with("\"text\": \"France\"", "\"text\": \"Fr\\nance\""),
                     "data[0].paragraphs[0].qas[1].answers[0].answer_start", "'Fr\\nance'");
}
