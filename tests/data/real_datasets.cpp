// gpta-test-labels: integration
// The loaders on the real shared files: counts must match datasets/SOURCES.md, which were
// established independently of this code (by the people who assembled the data).
#include <gpta/data/registry.hpp>

#include "data/data_test_support.hpp"

#include <gpta/data/sampling.hpp>

#include <fstream>

namespace data = gpta::data;
namespace fs = std::filesystem;

namespace {
const fs::path shared = GPTA_TEST_SHARED_DATA_DIR;

std::vector<std::size_t> counts(const gpta::text_dataset& d) { return data::class_counts(d); }
}  // namespace

BOOST_AUTO_TEST_CASE(sst2_train_has_the_documented_rows_and_labels) {
  const auto d = data::load_sst2(shared / "sst2" / "train.tsv");
  BOOST_TEST(d.size() == 67349u);
  BOOST_TEST(counts(d) == (std::vector<std::size_t>{29780, 37569}), boost::test_tools::per_element());
  BOOST_TEST(d.skipped == 0u);
  // GLUE text is lowercased and every row had a trailing space before the tab.
  for (const auto& e : d.examples) {
    BOOST_TEST_REQUIRE(!e.text.empty());
    BOOST_TEST_REQUIRE(e.text.back() != ' ');
  }
}

BOOST_AUTO_TEST_CASE(sst2_test_tsv_is_refused_with_file_line_and_reason) {
  const fs::path test = shared / "sst2" / "test.tsv";
  const auto e = gpta_test::expect_data_error([&] { (void)data::load_sst2(test); });
  gpta_test::check_error(e, gpta::errc::bad_label, test, 2);
  BOOST_TEST(gpta_test::contains(e.what(), "unlabelled GLUE test.tsv"));
}

BOOST_AUTO_TEST_CASE(tweeteval_val_binary_and_three_way) {
  const auto d = data::load_tweeteval(shared / "tweeteval_sentiment");
  BOOST_TEST(d.size() == 1131u);
  BOOST_TEST(counts(d) == (std::vector<std::size_t>{312, 819}), boost::test_tools::per_element());
  BOOST_TEST(d.skipped == 869u);
  BOOST_TEST(!d.notes.empty());
  const auto three = data::load_tweeteval(shared / "tweeteval_sentiment", data::tweeteval_mode::three_way);
  BOOST_TEST(three.size() == 2000u);
  BOOST_TEST(counts(three) == (std::vector<std::size_t>{312, 869, 819}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sentiment140_binary_and_three_way) {
  const fs::path f = shared / "sentiment140" / "testdata.manual.2009.06.14.csv";
  const auto d = data::load_sentiment140(f);
  BOOST_TEST(d.size() == 359u);
  BOOST_TEST(counts(d) == (std::vector<std::size_t>{177, 182}), boost::test_tools::per_element());
  BOOST_TEST(d.skipped == 139u);
  const auto three = data::load_sentiment140(f, data::sentiment140_mode::three_way);
  BOOST_TEST(three.size() == 498u);
  BOOST_TEST(counts(three) == (std::vector<std::size_t>{177, 139, 182}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(yelp_has_the_documented_rows_and_no_escape_left) {
  const auto d = data::load_yelp(shared / "yelp_polarity" / "yelp");
  BOOST_TEST(d.size() == 800u);
  BOOST_TEST(counts(d) == (std::vector<std::size_t>{405, 395}), boost::test_tools::per_element());
  // The raw lines, read independently: a text the file wraps in CSV quotes must come out without
  // them, unless the review itself began with a quotation (an escaped \" right after the quote).
  std::ifstream raw(shared / "yelp_polarity" / "yelp");
  std::string line;
  std::size_t row = 0, wrapped = 0;
  while (std::getline(raw, line)) {
    const std::string body = line.substr(line.find(' ') + 1);
    if (body.starts_with("\"") && !body.starts_with("\"\\")) {
      ++wrapped;
      BOOST_TEST_REQUIRE(d.examples.at(row).text.front() != '"', "row " << row);
    }
    ++row;
  }
  BOOST_TEST(row == d.size());
  BOOST_TEST(wrapped > 0u);
  std::size_t accented = 0;
  for (const auto& e : d.examples) {
    BOOST_TEST_REQUIRE(e.text.find("\\n") == std::string::npos, e.text.substr(0, 80));
    BOOST_TEST_REQUIRE(e.text.find("\\u") == std::string::npos, e.text.substr(0, 80));
    BOOST_TEST_REQUIRE(e.text.find("  ") == std::string::npos);
    accented += e.text.find("\xC3\xA9") != std::string::npos;  // é from \u00e9
  }
  BOOST_TEST(accented > 0u);
}

BOOST_AUTO_TEST_CASE(load_task_reads_the_shared_folder_and_descriptions_hold_no_example_text) {
  for (std::string_view task : data::known_tasks) {
    const auto d = data::load_task(task, shared);
    BOOST_TEST(d.size() > 300u, task);
    const std::string description = data::default_task_info(task).description;
    std::size_t leaked = 0;
    for (const auto& e : d.examples) {
      if (e.text.size() >= 25 && description.find(e.text) != std::string::npos) ++leaked;
    }
    BOOST_TEST(leaked == 0u, task);
  }
}

BOOST_AUTO_TEST_CASE(low_resource_split_on_sst2_is_stratified_and_disjoint) {
  const auto d = data::load_sst2(shared / "sst2" / "train.tsv");
  const auto s = data::low_resource_split(d, 16, 16, 2000, 1, 7);
  BOOST_TEST(s.test.size() == 2000u);
  BOOST_TEST(s.train.size() == 32u);
  BOOST_TEST(s.dev.size() == 32u);
  std::vector<std::size_t> test_counts(2, 0);
  for (std::size_t r : s.test) ++test_counts[static_cast<std::size_t>(d[r].label)];
  // 2000 * 29780 / 67349 = 884.35 -> 884; the rest, 1116, positive.
  BOOST_TEST(test_counts == (std::vector<std::size_t>{884, 1116}), boost::test_tools::per_element());
}
