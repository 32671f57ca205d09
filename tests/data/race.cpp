#include <gpta/data/race.hpp>

#include "data/data_test_support.hpp"

#include <string>

using gpta::data::load_race;
using gpta_test::check_error;
using gpta_test::contains;
using gpta_test::expect_data_error;

namespace {

std::string passage(const std::string& id, const std::string& answers = R"(["B", "D"])") {
  return R"({"answers": )" + answers +
         R"(, "options": [["rain", "sun", "snow", "wind"], ["a", "b", "c", "d"]], "questions": ["What is the weather?", "Tom is a _ boy."], "article": "It rains.\nTom is happy.", "id": ")" +
         id + R"("})";
}

void expect_record_error(const std::string& json, const std::string& says, gpta::errc code = gpta::errc::bad_record,
                         const std::string& name = "middle/1.txt") {
  gpta_test::temp_dir dir;
  const auto f = dir.write(name, json);
  const auto e = expect_data_error([&] { (void)load_race(f); });
  check_error(e, code, f, 0);
  BOOST_TEST(contains(e.message(), says), "'" << e.message() << "' should say '" << says << "'");
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_file_gives_one_example_per_question) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("middle/7.txt", passage("middle7.txt"));
  const auto d = load_race(f);
  BOOST_TEST(d.name == "race");
  BOOST_TEST(d.label_names == (std::vector<std::string>{"A", "B", "C", "D"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[0].id == "middle7.txt:0");
  BOOST_TEST(d[0].passage_id == "middle7.txt");
  BOOST_TEST(d[0].article == "It rains.\nTom is happy.");
  BOOST_TEST(d[0].question == "What is the weather?");
  BOOST_TEST(d[0].options == (std::vector<std::string>{"rain", "sun", "snow", "wind"}), boost::test_tools::per_element());
  BOOST_TEST(d[0].label == 1);
  BOOST_TEST((d[0].level == gpta::choice_level::middle));
  BOOST_TEST(d[0].passage == 0u);
  BOOST_TEST(d[1].id == "middle7.txt:1");
  BOOST_TEST(d[1].label == 3);
  BOOST_TEST(gpta::is_cloze(d[1].question));
}

BOOST_AUTO_TEST_CASE(folders_load_recursively_in_natural_order_with_levels) {
  gpta_test::temp_dir dir;
  dir.write("train/middle/10.txt", passage("middle10.txt"));
  dir.write("train/middle/2.txt", passage("middle2.txt"));
  dir.write("train/high/1.txt", passage("high1.txt", R"(["A", "C"])"));
  dir.write("train/high/.hidden.txt", "not json");
  dir.write("train/README.md", "ignored");
  dir.write("train/other/x.json", passage("middle99.txt"));  // no level folder: the id decides
  const auto d = load_race(dir.path() / "train");
  BOOST_TEST_REQUIRE(d.size() == 8u);
  // Relative paths in natural order: high/1.txt, middle/2.txt, middle/10.txt, other/x.json.
  BOOST_TEST(d[0].passage_id == "high1.txt");
  BOOST_TEST((d[0].level == gpta::choice_level::high));
  BOOST_TEST(d[0].label == 0);
  BOOST_TEST(d[2].passage_id == "middle2.txt");
  BOOST_TEST(d[4].passage_id == "middle10.txt");
  BOOST_TEST(d[6].passage_id == "middle99.txt");
  BOOST_TEST((d[6].level == gpta::choice_level::middle));
  for (std::size_t i = 0; i < d.size(); ++i) BOOST_TEST(d[i].passage == i / 2);
  const auto c = gpta::data::count_race(d);
  BOOST_TEST(c.high_passages == 1u);
  BOOST_TEST(c.high_questions == 2u);
  BOOST_TEST(c.middle_passages == 3u);
  BOOST_TEST(c.middle_questions == 6u);
  BOOST_TEST_REQUIRE(d.notes.size() == 1u);
  BOOST_TEST(contains(d.notes[0], "left out 1 files"));  // README.md (hidden files are not counted)
  BOOST_TEST(gpta::data::race_files(dir.path() / "train" / "middle").size() == 2u);
}

BOOST_AUTO_TEST_CASE(passages_without_questions_are_skipped_and_named) {
  gpta_test::temp_dir dir;
  const std::string none = R"({"answers": [], "options": [], "questions": [], "article": "Text.", "id": "high5.txt"})";
  dir.write("high/4.txt", passage("high4.txt"));
  const auto empty = dir.write("high/5.txt", none);
  const auto d = load_race(dir.path());
  BOOST_TEST(d.size() == 2u);
  BOOST_TEST(d.skipped == 1u);
  BOOST_TEST_REQUIRE(d.notes.size() == 1u);
  BOOST_TEST(contains(d.notes[0], "1 passage file(s) without questions: high/5.txt"));
  // Alone, such a file is an empty dataset; a folder of only such files too.
  check_error(expect_data_error([&] { (void)load_race(empty); }), gpta::errc::empty_dataset, empty, 0);
  gpta_test::temp_dir only;
  only.write("high/5.txt", none);
  check_error(expect_data_error([&] { (void)load_race(only.path()); }), gpta::errc::empty_dataset, only.path(), 0);
}

BOOST_AUTO_TEST_CASE(natural_order) {
  using gpta::data::detail::natural_less;
  BOOST_TEST(natural_less("2.txt", "10.txt"));
  BOOST_TEST(!natural_less("10.txt", "2.txt"));
  BOOST_TEST(natural_less("high/9.txt", "middle/1.txt"));
  BOOST_TEST(natural_less("a1b2", "a1b10"));
  BOOST_TEST(natural_less("1.txt", "01.txt"));  // equal numbers: fewer leading zeros first
  BOOST_TEST(!natural_less("01.txt", "1.txt"));
  BOOST_TEST(!natural_less("1.txt", "1.txt"));
  BOOST_TEST(natural_less("1.txt", "1.txta"));
}

BOOST_AUTO_TEST_CASE(malformed_passages_name_the_file_and_field) {
  expect_record_error(passage("middle1.txt", R"(["B", "E"])"), "answers[1]: answer 'E' is not one of A..D",
                      gpta::errc::bad_label);
  expect_record_error(passage("middle1.txt", R"(["B", "b"])"), "answers[1]", gpta::errc::bad_label);
  expect_record_error(passage("middle1.txt", R"(["B"])"), "2 questions, 2 option lists and 1 answers");
  expect_record_error(passage("middle1.txt", R"(["B", 3])"), "answers[1]: expected a string, got an integer");
  expect_record_error(passage("high1.txt"), "id 'high1.txt' names level high but the file is in a 'middle' folder");
  expect_record_error(passage("x1.txt"), "cannot tell the level", gpta::errc::bad_record, "misc/1.txt");
  std::string p = passage("middle1.txt");
  expect_record_error(std::string(p).replace(p.find("\"sun\""), 5, "\"\""), "options[0][1]: empty option");
  expect_record_error(std::string(p).replace(p.find("[\"a\", \"b\", \"c\", \"d\"]"), 20, "[\"a\"]"),
                      "options[1]: 1 options, expected 2 to 26");
  expect_record_error(std::string(p).replace(p.find("\"Tom is a _ boy.\""), 17, "\"\""), "questions[1]: empty question");
  expect_record_error(std::string(p).replace(p.find("\"article\""), 9, "\"text\""), "article: missing");
  expect_record_error("[1, 2]", "top level: expected an object, got an array");
}

BOOST_AUTO_TEST_CASE(fewer_options_are_fine_and_file_errors) {
  gpta_test::temp_dir dir;
  std::string p = passage("middle1.txt", R"(["B", "A"])");
  const auto three = dir.write("middle/3.txt", std::string(p).replace(p.find("\"snow\", "), 8, ""));
  BOOST_TEST(load_race(three)[0].options.size() == 3u);

  const auto missing = dir.path() / "none";
  check_error(expect_data_error([&] { (void)load_race(missing); }), gpta::errc::file_not_found, missing, 0);
  std::filesystem::create_directories(dir.path() / "empty");
  check_error(expect_data_error([&] { (void)load_race(dir.path() / "empty"); }), gpta::errc::empty_dataset,
              dir.path() / "empty", 0);
  // In a folder, the error names the bad file, with the line for syntax errors.
  dir.write("f/middle/1.txt", passage("middle1.txt"));
  const auto bad = dir.write("f/middle/2.txt", "{\"id\": \"middle2.txt\",\n \"article\": }");
  const auto e = expect_data_error([&] { (void)load_race(dir.path() / "f"); });
  check_error(e, gpta::errc::parse_error, bad, 2);
}
