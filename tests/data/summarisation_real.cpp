// gpta-test-labels: integration
// The summarisation loaders on the shared files: counts must match datasets/SOURCES.md (sections 6,
// 7 and 9), and document splits of them must never overlap, by row or by id.
#include <gpta/data/cnn_dailymail.hpp>
#include <gpta/data/seq2seq_splits.hpp>
#include <gpta/data/xsum.hpp>

#include "data/data_test_support.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace data = gpta::data;
namespace fs = std::filesystem;

namespace {

const fs::path shared = GPTA_TEST_SHARED_DATA_DIR;

std::size_t lines_of(const std::string& s) { return s.empty() ? 0 : 1 + std::count(s.begin(), s.end(), '\n'); }

std::size_t highlights(const gpta::seq2seq_dataset& d) {
  std::size_t n = 0;
  for (const auto& e : d.examples) {
    BOOST_TEST_REQUIRE(e.references.size() == 1u);
    n += lines_of(e.references[0]);
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(cnn_stories_have_10_stories_and_34_highlights) {
  const auto d = data::load_cnn_stories(shared / "cnn_dailymail" / "cnn_stories");
  BOOST_TEST(d.size() == 10u);
  BOOST_TEST(highlights(d) == 34u);
  for (const auto& e : d.examples) {
    BOOST_TEST(e.id.size() == 40u);  // SHA-1 of the URL, in hex
    BOOST_TEST(!e.source.empty());
  }
}

BOOST_AUTO_TEST_CASE(cnndm_jsonl_counts) {
  const auto val = data::load_cnn_dailymail_jsonl(shared / "cnn_dailymail" / "validation.shared.jsonl");
  const auto test = data::load_cnn_dailymail_jsonl(shared / "cnn_dailymail" / "test.shared.jsonl");
  BOOST_TEST(val.size() == 800u);
  BOOST_TEST(test.size() == 392u);
  BOOST_TEST(highlights(val) == 2076u);
  BOOST_TEST(highlights(test) == 1002u);
  // The two official splits share no story.
  std::set<std::string> ids;
  for (const auto& e : val.examples) ids.insert(e.id);
  for (const auto& e : test.examples) BOOST_TEST(ids.count(e.id) == 0u, "id in both files: " << e.id);
}

BOOST_AUTO_TEST_CASE(xsum_counts) {
  const auto d = data::load_xsum_jsonl(shared / "xsum" / "test.shared.jsonl");
  BOOST_TEST(d.size() == 800u);
  BOOST_TEST(d[0].id == "38295789");
  for (const auto& e : d.examples) BOOST_TEST_REQUIRE(lines_of(e.references[0]) == 1u);
}

BOOST_AUTO_TEST_CASE(splits_of_the_real_files_never_overlap) {
  const auto d = data::load_xsum_jsonl(shared / "xsum" / "test.shared.jsonl");
  std::set<std::string> test_ids, dev_ids;
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const auto s = data::seq2seq_low_resource_split(d, 64, 50, 200, /*split_seed=*/0, seed);
    std::set<std::string> train, dev, test;
    for (auto r : s.train) train.insert(d[r].id);
    for (auto r : s.dev) dev.insert(d[r].id);
    for (auto r : s.test) test.insert(d[r].id);
    BOOST_TEST(train.size() == 64u);
    BOOST_TEST(dev.size() == 50u);
    BOOST_TEST(test.size() == 200u);
    for (const auto& id : train) BOOST_TEST_REQUIRE((dev.count(id) == 0u && test.count(id) == 0u));
    for (const auto& id : dev) BOOST_TEST_REQUIRE(test.count(id) == 0u);
    if (seed == 0) {
      test_ids = test;
      dev_ids = dev;
    }
    BOOST_TEST((test == test_ids));  // shared by all seeds
    BOOST_TEST((dev == dev_ids));
  }
}
