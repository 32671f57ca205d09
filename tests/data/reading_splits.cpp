#include <gpta/data/reading_splits.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace data = gpta::data;

namespace {

/// `articles` articles of 2 paragraphs each; article a has 5 + 3 * (a % 4) questions.
gpta::span_dataset squad_like(std::size_t articles) {
  gpta::span_dataset d;
  std::size_t paragraph = 0;
  for (std::size_t a = 0; a < articles; ++a) {
    const std::size_t n = 5 + 3 * (a % 4);
    for (std::size_t q = 0; q < n; ++q) {
      gpta::span_example e;
      e.id = std::to_string(a) + "-" + std::to_string(q);
      e.article = a;
      e.paragraph = paragraph + (q % 2);
      d.examples.push_back(e);
    }
    paragraph += 2;
  }
  return d;
}

std::set<std::size_t> articles_of(const gpta::span_dataset& d, const std::vector<std::size_t>& rows) {
  std::set<std::size_t> s;
  for (std::size_t r : rows) s.insert(d[r].article);
  return s;
}

std::set<std::size_t> paragraphs_of(const gpta::span_dataset& d, const std::vector<std::size_t>& rows) {
  std::set<std::size_t> s;
  for (std::size_t r : rows) s.insert(d[r].paragraph);
  return s;
}

bool disjoint(const std::set<std::size_t>& a, const std::set<std::size_t>& b) {
  return std::none_of(a.begin(), a.end(), [&](std::size_t x) { return b.count(x) != 0; });
}

bool ascending_unique(const std::vector<std::size_t>& v) {
  return std::adjacent_find(v.begin(), v.end(), [](std::size_t a, std::size_t b) { return a >= b; }) == v.end();
}

}  // namespace

BOOST_AUTO_TEST_CASE(exact_question_counts_and_no_article_or_paragraph_in_two_parts) {
  const auto d = squad_like(40);  // 40 articles, 420 questions
  for (std::uint64_t split_seed : {0u, 1u, 7u}) {
    for (std::uint64_t sample_seed : {1u, 2u, 3u}) {
      const auto s = data::squad_split(d, {64, 50, 100}, split_seed, sample_seed);
      BOOST_TEST(s.train.size() == 64u);
      BOOST_TEST(s.dev.size() == 50u);
      BOOST_TEST(s.test.size() == 100u);
      BOOST_TEST(ascending_unique(s.train));
      BOOST_TEST(ascending_unique(s.dev));
      BOOST_TEST(ascending_unique(s.test));
      const auto tr = articles_of(d, s.train), dv = articles_of(d, s.dev), te = articles_of(d, s.test);
      BOOST_TEST(disjoint(tr, dv));
      BOOST_TEST(disjoint(tr, te));
      BOOST_TEST(disjoint(dv, te));
      const auto ptr = paragraphs_of(d, s.train), pdv = paragraphs_of(d, s.dev), pte = paragraphs_of(d, s.test);
      BOOST_TEST(disjoint(ptr, pdv));
      BOOST_TEST(disjoint(ptr, pte));
      BOOST_TEST(disjoint(pdv, pte));
    }
  }
}

BOOST_AUTO_TEST_CASE(dev_and_test_are_carved_first_and_shared_by_all_sample_seeds) {
  const auto d = squad_like(40);
  const auto a = data::squad_split(d, {64, 50, 100}, 5, 1);
  const auto b = data::squad_split(d, {64, 50, 100}, 5, 2);
  const auto c = data::squad_split(d, {128, 50, 100}, 5, 3);  // train size does not move dev or test either
  BOOST_TEST(a.test == b.test);
  BOOST_TEST(a.dev == b.dev);
  BOOST_TEST(a.test == c.test);
  BOOST_TEST(a.dev == c.dev);
  BOOST_TEST(a.train != b.train);
  // The test set does not depend on the dev size (test is carved before dev).
  BOOST_TEST(data::squad_split(d, {10, 80, 100}, 5, 1).test == a.test);
  // Another split seed carves another test set.
  BOOST_TEST(data::squad_split(d, {64, 50, 100}, 6, 1).test != a.test);
  // Same arguments, same split.
  const auto again = data::squad_split(d, {64, 50, 100}, 5, 1);
  BOOST_TEST(again.train == a.train);
}

BOOST_AUTO_TEST_CASE(train_sets_grow_nested_for_one_seed) {
  const auto d = squad_like(40);
  const auto small = data::squad_split(d, {16, 50, 100}, 5, 9).train;
  const auto large = data::squad_split(d, {64, 50, 100}, 5, 9).train;
  BOOST_TEST(std::includes(large.begin(), large.end(), small.begin(), small.end()));
}

BOOST_AUTO_TEST_CASE(train_uses_only_untouched_articles_so_a_partly_used_article_is_wasted) {
  const auto d = squad_like(40);
  const auto s = data::squad_split(d, {0, 50, 100}, 5, 1);
  const auto used = articles_of(d, s.dev);
  std::size_t pool = 0;
  std::set<std::size_t> touched = used;
  for (std::size_t a : articles_of(d, s.test)) touched.insert(a);
  for (const auto& e : d.examples) pool += touched.count(e.article) == 0;
  // Everything else can go to train; one more question is too many.
  BOOST_TEST(data::squad_split(d, {pool, 50, 100}, 5, 1).train.size() == pool);
  BOOST_CHECK_THROW((void)data::squad_split(d, {pool + 1, 50, 100}, 5, 1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(impossible_sizes_are_invalid_arguments) {
  const auto d = squad_like(4);  // 5 + 8 + 11 + 14 = 38 questions
  BOOST_CHECK_THROW((void)data::squad_split(d, {0, 20, 20}, 1, 1), std::invalid_argument);
  // 38 questions fit by count, but no set of articles holds exactly 20, so test wastes part of
  // one and dev runs out of whole articles, whatever the order.
  BOOST_CHECK_THROW((void)data::squad_split(d, {0, 18, 20}, 1, 1), std::invalid_argument);
  const auto all_test = data::squad_split(d, {0, 0, 38}, 1, 1);
  BOOST_TEST(all_test.test.size() == 38u);
}

BOOST_AUTO_TEST_CASE(race_splits_by_passage) {
  gpta::choice_dataset d;
  for (std::size_t p = 0; p < 60; ++p)
    for (std::size_t q = 0; q < 1 + p % 5; ++q) {
      gpta::choice_example e;
      e.passage = p;
      e.label = static_cast<int>(q % 4);
      e.level = p % 2 ? gpta::choice_level::high : gpta::choice_level::middle;
      d.examples.push_back(e);
    }
  const auto s = data::race_split(d, {32, 24, 48}, 3, 4);
  BOOST_TEST(s.train.size() == 32u);
  BOOST_TEST(s.dev.size() == 24u);
  BOOST_TEST(s.test.size() == 48u);
  std::set<std::size_t> tr, dv, te;
  for (std::size_t r : s.train) tr.insert(d[r].passage);
  for (std::size_t r : s.dev) dv.insert(d[r].passage);
  for (std::size_t r : s.test) te.insert(d[r].passage);
  BOOST_TEST(disjoint(tr, dv));
  BOOST_TEST(disjoint(tr, te));
  BOOST_TEST(disjoint(dv, te));
  BOOST_TEST(data::race_split(d, {32, 24, 48}, 3, 5).test == s.test);
}
