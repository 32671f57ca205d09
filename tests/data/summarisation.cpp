// The summarisation loaders (.story, CNN/DM JSONL, XSum JSONL) and document-count splits on tiny
// hand-written files, malformed ones included: every error must name the file and the line.
#include <gpta/data/cnn_dailymail.hpp>
#include <gpta/data/seq2seq_splits.hpp>
#include <gpta/data/seq2seq_tasks.hpp>
#include <gpta/data/xsum.hpp>

#include "data/data_test_support.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace data = gpta::data;
using gpta::errc;
using gpta_test::check_error;
using gpta_test::expect_data_error;

BOOST_AUTO_TEST_CASE(story_splits_article_and_highlights) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("abc123.story",
                           "First paragraph.  \n\nSecond paragraph.\n\n@highlight\n\nOne highlight\n\n"
                           "@highlight\n\n  Two highlight\n");
  const auto e = data::load_cnn_story(f);
  BOOST_TEST(e.id == "abc123");
  BOOST_TEST(e.source == "First paragraph.\nSecond paragraph.");
  BOOST_TEST_REQUIRE(e.references.size() == 1u);
  BOOST_TEST(e.references[0] == "One highlight\nTwo highlight");
}

BOOST_AUTO_TEST_CASE(story_errors_name_file_and_line) {
  gpta_test::temp_dir dir;
  // Marker at line 3 followed directly by another marker.
  const auto twice = dir.write("a.story", "Text.\n\n@highlight\n\n@highlight\n\nh\n");
  check_error(expect_data_error([&] { (void)data::load_cnn_story(twice); }), errc::bad_record, twice, 3);
  // The second marker (line 5) has nothing after it.
  const auto dangling = dir.write("b.story", "Text.\n\n@highlight\nh\n@highlight\n\n");
  check_error(expect_data_error([&] { (void)data::load_cnn_story(dangling); }), errc::bad_record, dangling, 5);
  const auto no_marker = dir.write("c.story", "Just an article.\n");
  check_error(expect_data_error([&] { (void)data::load_cnn_story(no_marker); }), errc::bad_record, no_marker, 0);
  const auto no_article = dir.write("d.story", "\n@highlight\nh\n");
  check_error(expect_data_error([&] { (void)data::load_cnn_story(no_article); }), errc::bad_record, no_article, 0);
  const auto bad_utf8 = dir.write("e.story", "ok\nbad \xC3\x28 byte\n@highlight\nh\n");
  check_error(expect_data_error([&] { (void)data::load_cnn_story(bad_utf8); }), errc::encoding_error, bad_utf8, 2);
  const auto missing = dir.path() / "missing.story";
  check_error(expect_data_error([&] { (void)data::load_cnn_story(missing); }), errc::file_not_found, missing, 0);
}

BOOST_AUTO_TEST_CASE(story_folder_loads_in_name_order) {
  gpta_test::temp_dir dir;
  dir.write("b.story", "B.\n@highlight\nhb\n");
  dir.write("a.story", "A.\n@highlight\nha\n");
  dir.write("notes.txt", "not a story");
  const auto d = data::load_cnn_stories(dir.path());
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[0].id == "a");
  BOOST_TEST(d[1].references[0] == "hb");
  gpta_test::temp_dir empty;
  check_error(expect_data_error([&] { (void)data::load_cnn_stories(empty.path()); }), errc::empty_dataset, empty.path(), 0);
}

BOOST_AUTO_TEST_CASE(cnndm_jsonl_rows) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("cnn.jsonl",
                           "{\"id\": \"x1\", \"article\": \"Art one.\", \"highlights\": \"h1 .\\nh2 .\", \"split\": \"test\"}\n"
                           "{\"article\": \"Art two \\u00e9.\", \"highlights\": \"h3\", \"id\": \"x2\"}\n");
  const auto d = data::load_cnn_dailymail_jsonl(f);
  BOOST_TEST(d.name == "cnn_dailymail");
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[0].references[0] == "h1 .\nh2 .");
  BOOST_TEST(d[1].source == "Art two \u00e9.");
  BOOST_TEST(d[1].id == "x2");
}

BOOST_AUTO_TEST_CASE(xsum_jsonl_rows_and_numeric_ids) {
  gpta_test::temp_dir dir;
  const auto f = dir.write("x.jsonl",
                           "{\"id\":\"38295789\",\"document\":\"S1.\\nS2.\",\"summary\":\"Sum.\"}\r\n"
                           "{\"id\":42,\"document\":\"D.\",\"summary\":\"T.\"}\n");
  const auto d = data::load_xsum_jsonl(f);
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[0].source == "S1.\nS2.");
  BOOST_TEST(d[1].id == "42");
}

BOOST_AUTO_TEST_CASE(jsonl_errors_name_file_and_line) {
  gpta_test::temp_dir dir;
  const std::string good = "{\"id\":\"a\",\"document\":\"d\",\"summary\":\"s\"}\n";
  struct bad_case {
    std::string second_line;
    errc code;
    std::string says;
  };
  const std::vector<bad_case> cases{
      {"{\"id\":\"b\",\"document\":\"d\",\"summary\":\"s\"", errc::parse_error, "invalid JSON"},
      {"[1, 2]", errc::bad_record, "JSON object"},
      {"{\"id\":\"b\",\"document\":\"d\"}", errc::bad_record, "\"summary\""},
      {"{\"id\":\"b\",\"document\":7,\"summary\":\"s\"}", errc::bad_record, "\"document\" must be a string"},
      {"{\"id\":\"b\",\"document\":\"  \",\"summary\":\"s\"}", errc::bad_record, "empty \"document\""},
      {"{\"id\":\"b\",\"document\":\"d\",\"summary\":\"\"}", errc::bad_record, "empty \"summary\""},
      {"{\"id\":\"a\",\"document\":\"d\",\"summary\":\"s\"}", errc::bad_record, "first on line 1"},
      {"", errc::parse_error, "blank line"},
      {"{\"id\":\"b\",\"document\":\"\xFF\",\"summary\":\"s\"}", errc::encoding_error, "UTF-8"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto f = dir.write("bad" + std::to_string(i) + ".jsonl", good + cases[i].second_line + "\n" + good);
    const auto e = expect_data_error([&] { (void)data::load_xsum_jsonl(f); });
    check_error(e, cases[i].code, f, 2);
    BOOST_TEST(gpta_test::contains(e.what(), cases[i].says), "case " << i << ": " << e.what());
  }
  const auto empty = dir.write("empty.jsonl", "");
  check_error(expect_data_error([&] { (void)data::load_xsum_jsonl(empty); }), errc::empty_dataset, empty, 0);
  // CNN/DM wants its own field names: an XSum row is missing "article".
  const auto xsum_row = dir.write("wrong.jsonl", good);
  const auto e = expect_data_error([&] { (void)data::load_cnn_dailymail_jsonl(xsum_row); });
  check_error(e, errc::bad_record, xsum_row, 1);
  BOOST_TEST(gpta_test::contains(e.what(), "\"article\""));
}

BOOST_AUTO_TEST_CASE(document_splits_share_dev_and_test_across_seeds) {
  const auto a = data::seq2seq_low_resource_split(100, 16, 10, 20, /*split_seed=*/7, /*sample_seed=*/1);
  const auto b = data::seq2seq_low_resource_split(100, 16, 10, 20, 7, 2);
  BOOST_TEST(a.train.size() == 16u);
  BOOST_TEST(a.dev.size() == 10u);
  BOOST_TEST(a.test.size() == 20u);
  BOOST_TEST(a.test == b.test);
  BOOST_TEST(a.dev == b.dev);
  BOOST_TEST(a.train != b.train);
  std::set<std::size_t> all;
  for (const auto* part : {&a.train, &a.dev, &a.test}) {
    BOOST_TEST(std::is_sorted(part->begin(), part->end()));
    all.insert(part->begin(), part->end());
  }
  BOOST_TEST(all.size() == 46u);  // disjoint
  BOOST_TEST(*all.rbegin() < 100u);
  // Deterministic, and train sets grow by nesting.
  BOOST_TEST(data::seq2seq_low_resource_split(100, 16, 10, 20, 7, 1).train == a.train);
  const auto big = data::seq2seq_low_resource_split(100, 32, 10, 20, 7, 1);
  BOOST_TEST(std::includes(big.train.begin(), big.train.end(), a.train.begin(), a.train.end()));
  // More dev documents leave the test set alone.
  BOOST_TEST(data::seq2seq_low_resource_split(100, 16, 30, 20, 7, 1).test == a.test);
  // A different split seed moves the test set.
  BOOST_TEST(data::seq2seq_low_resource_split(100, 16, 10, 20, 8, 1).test != a.test);
  // Everything can be used; one more is an error.
  BOOST_TEST(data::seq2seq_low_resource_split(10, 5, 3, 2, 0, 0).train.size() == 5u);
  BOOST_CHECK_THROW((void)data::seq2seq_low_resource_split(10, 6, 3, 2, 0, 0), std::invalid_argument);
  gpta::seq2seq_dataset d;
  d.examples.resize(12);
  BOOST_TEST(data::seq2seq_low_resource_split(d, 4, 2, 2, 3, 4).train ==
             data::seq2seq_low_resource_split(12, 4, 2, 2, 3, 4).train);
}

BOOST_AUTO_TEST_CASE(load_seq2seq_file_reads_a_tasks_jsonl_or_story_folder) {
  gpta_test::temp_dir dir;
  const auto cnn = dir.write("test.jsonl", "{\"id\": \"c1\", \"article\": \"A.\", \"highlights\": \"h .\"}\n");
  const auto xsum = dir.write("x.jsonl", "{\"id\":\"x\",\"document\":\"D.\",\"summary\":\"S.\"}\n");
  dir.write("stories/a.story", "Story.\n@highlight\nha\n");
  BOOST_TEST(data::load_seq2seq_file("cnndm", cnn)[0].references[0] == "h .");
  BOOST_TEST(data::load_seq2seq_file("cnndm", dir.path() / "stories")[0].id == "a");
  BOOST_TEST(data::load_seq2seq_file("xsum", xsum)[0].source == "D.");
  // An XSum file read as CNN/DM lacks its fields: the error names the file and line 1.
  check_error(expect_data_error([&] { (void)data::load_seq2seq_file("cnndm", xsum); }), errc::bad_record, xsum, 1);
  BOOST_CHECK_THROW((void)data::load_seq2seq_file("squad", xsum), std::invalid_argument);
}
