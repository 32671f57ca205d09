#include <gpta/data/sampling.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace data = gpta::data;

namespace {
// Labels in a fixed, interleaved pattern: `counts[c]` rows of class c.
gpta::text_dataset make_dataset(const std::vector<std::size_t>& counts) {
  gpta::text_dataset d;
  d.name = "synthetic";
  for (std::size_t c = 0; c < counts.size(); ++c) d.label_names.push_back("class" + std::to_string(c));
  std::vector<std::size_t> left = counts;
  for (bool any = true; any;) {
    any = false;
    for (std::size_t c = 0; c < counts.size(); ++c) {
      if (left[c] == 0) continue;
      --left[c];
      any = true;
      d.examples.push_back({"row " + std::to_string(d.examples.size()), static_cast<int>(c)});
    }
  }
  return d;
}

std::vector<std::size_t> per_class(const gpta::text_dataset& d, const std::vector<std::size_t>& rows) {
  std::vector<std::size_t> n(d.num_classes(), 0);
  for (std::size_t r : rows) ++n.at(static_cast<std::size_t>(d[r].label));
  return n;
}

bool disjoint(std::vector<std::size_t> a, std::vector<std::size_t> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<std::size_t> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  return both.empty();
}

bool no_duplicates(std::vector<std::size_t> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) == v.end();
}
}  // namespace

BOOST_AUTO_TEST_CASE(class_counts_counts_and_rejects_bad_labels) {
  const auto d = make_dataset({5, 3, 0});
  BOOST_TEST(data::class_counts(d) == (std::vector<std::size_t>{5, 3, 0}), boost::test_tools::per_element());
  gpta::text_dataset unnamed;
  unnamed.examples = {{"a", 2}, {"b", 0}, {"c", 2}};
  BOOST_TEST(data::class_counts(unnamed) == (std::vector<std::size_t>{1, 0, 2}), boost::test_tools::per_element());
  auto bad = d;
  bad.examples[4].label = 3;
  BOOST_CHECK_THROW((void)data::class_counts(bad), std::invalid_argument);
  unnamed.examples[1].label = -1;
  BOOST_CHECK_THROW((void)data::class_counts(unnamed), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(stratified_sample_takes_exactly_k_per_class_deterministically) {
  const auto d = make_dataset({40, 25, 12});
  const auto a = data::stratified_sample(d, 8, 42);
  BOOST_TEST(a.size() == 24u);
  BOOST_TEST(per_class(d, a) == (std::vector<std::size_t>{8, 8, 8}), boost::test_tools::per_element());
  BOOST_TEST(no_duplicates(a));
  BOOST_TEST(std::is_sorted(a.begin(), a.end()));
  BOOST_TEST(data::stratified_sample(d, 8, 42) == a, boost::test_tools::per_element());
  BOOST_TEST(data::stratified_sample(d, 8, 43) != a);
  BOOST_TEST(data::stratified_sample(d, 0, 42).empty());
}

BOOST_AUTO_TEST_CASE(smaller_samples_are_nested_in_larger_ones_for_one_seed) {
  const auto d = make_dataset({40, 25});
  std::vector<std::size_t> previous;
  for (std::size_t k : {1, 2, 4, 8, 16}) {
    const auto s = data::stratified_sample(d, k, 7);
    BOOST_TEST(std::includes(s.begin(), s.end(), previous.begin(), previous.end()), "k = " << k);
    previous = s;
  }
}

BOOST_AUTO_TEST_CASE(stratified_sample_honours_exclude_and_reports_short_classes) {
  const auto d = make_dataset({10, 6});
  // Rows alternate 0,1,0,1...: excluding the first 8 leaves 6 rows of class 0 and 2 of class 1.
  const std::vector<std::size_t> exclude{0, 1, 2, 3, 4, 5, 6, 7};
  const auto s = data::stratified_sample(d, 2, 1, exclude);
  BOOST_TEST(disjoint(s, exclude));
  BOOST_TEST(per_class(d, s) == (std::vector<std::size_t>{2, 2}), boost::test_tools::per_element());
  // Class 1 is then fully used, whatever the seed: its two rows left are 9 and 11.
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto t = data::stratified_sample(d, 2, seed, exclude);
    BOOST_TEST((std::count(t.begin(), t.end(), 9u) == 1 && std::count(t.begin(), t.end(), 11u) == 1));
  }
  BOOST_CHECK_THROW((void)data::stratified_sample(d, 3, 1, exclude), std::invalid_argument);

  // Class 1 has 6 rows; taking 6 works, and every row of the class is then used.
  BOOST_TEST(data::stratified_sample(d, 6, 3).size() == 12u);
  try {
    (void)data::stratified_sample(d, 7, 3);
    BOOST_FAIL("a class with too few rows was accepted");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("gpta::data::stratified_sample") != std::string::npos);
    BOOST_TEST(what.find("class 1 ('class1')") != std::string::npos, what);
  }
  BOOST_CHECK_THROW((void)data::stratified_sample(d, 1, 3, {d.size()}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(each_row_is_equally_likely_to_be_drawn) {
  // 5 rows of one class, k = 2, over 10,000 seeds: each of the C(5,2) = 10 pairs should come up
  // about 1,000 times. A biased shuffle (e.g. swapping with j in [0, n) instead of [i, n))
  // skews this far beyond the 25% tolerance; the binomial spread here is about 3%.
  const auto d = make_dataset({5});
  std::map<std::vector<std::size_t>, int> pairs;
  for (std::uint64_t seed = 0; seed < 10000; ++seed) ++pairs[data::stratified_sample(d, 2, seed)];
  BOOST_TEST(pairs.size() == 10u);
  for (const auto& [pair, n] : pairs) BOOST_TEST((n > 750 && n < 1250), "pair count " << n);
}

BOOST_AUTO_TEST_CASE(stratified_split_covers_every_row_once_with_proportional_classes) {
  const auto d = make_dataset({100, 51, 9});
  const auto s = data::stratified_split(d, 0.1, 0.2, 5);
  std::vector<std::size_t> all = s.train;
  all.insert(all.end(), s.dev.begin(), s.dev.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  std::vector<std::size_t> expected(d.size());
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = i;
  BOOST_TEST(all == expected, boost::test_tools::per_element());
  // round(n * fraction) per class: 100 -> 10/20, 51 -> 5/10 (5.1, 10.2), 9 -> 1/2 (0.9, 1.8).
  BOOST_TEST(per_class(d, s.dev) == (std::vector<std::size_t>{10, 5, 1}), boost::test_tools::per_element());
  BOOST_TEST(per_class(d, s.test) == (std::vector<std::size_t>{20, 10, 2}), boost::test_tools::per_element());
  BOOST_TEST(per_class(d, s.train) == (std::vector<std::size_t>{70, 36, 6}), boost::test_tools::per_element());
  const auto again = data::stratified_split(d, 0.1, 0.2, 5);
  BOOST_TEST(again.test == s.test, boost::test_tools::per_element());
  BOOST_TEST(data::stratified_split(d, 0.1, 0.2, 6).test != s.test);
}

BOOST_AUTO_TEST_CASE(stratified_split_edge_fractions_and_misuse) {
  const auto d = make_dataset({3, 3});
  const auto all_test = data::stratified_split(d, 0.0, 1.0, 1);
  BOOST_TEST(all_test.test.size() == 6u);
  BOOST_TEST(all_test.train.empty());
  // 0.5 + 0.5 of 3 rounds to 2 + 2 > 3: dev shrinks, nothing is used twice.
  const auto halves = data::stratified_split(d, 0.5, 0.5, 1);
  BOOST_TEST(halves.test.size() + halves.dev.size() + halves.train.size() == 6u);
  BOOST_TEST(disjoint(halves.test, halves.dev));
  BOOST_CHECK_THROW((void)data::stratified_split(d, 0.6, 0.5, 1), std::invalid_argument);
  BOOST_CHECK_THROW((void)data::stratified_split(d, -0.1, 0.5, 1), std::invalid_argument);
  BOOST_CHECK_THROW((void)data::stratified_split(d, 0.1, std::numeric_limits<double>::quiet_NaN(), 1),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(low_resource_split_shares_the_test_set_across_sample_seeds) {
  const auto d = make_dataset({300, 100});
  const auto a = data::low_resource_split(d, 16, 8, 100, 11, 1);
  const auto b = data::low_resource_split(d, 16, 8, 100, 11, 2);
  BOOST_TEST(a.test == b.test, boost::test_tools::per_element());
  BOOST_TEST(a.train != b.train);
  BOOST_TEST(a.test.size() == 100u);
  // Proportional test quotas: 300:100 of 100 rows is exactly 75:25.
  BOOST_TEST(per_class(d, a.test) == (std::vector<std::size_t>{75, 25}), boost::test_tools::per_element());
  BOOST_TEST(per_class(d, a.train) == (std::vector<std::size_t>{16, 16}), boost::test_tools::per_element());
  BOOST_TEST(per_class(d, a.dev) == (std::vector<std::size_t>{8, 8}), boost::test_tools::per_element());
  for (const auto* s : {&a, &b}) {
    BOOST_TEST(disjoint(s->train, s->dev));
    BOOST_TEST(disjoint(s->train, s->test));
    BOOST_TEST(disjoint(s->dev, s->test));
  }
  BOOST_TEST(data::low_resource_split(d, 16, 8, 100, 12, 1).test != a.test);
  const auto again = data::low_resource_split(d, 16, 8, 100, 11, 1);
  BOOST_TEST(again.train == a.train, boost::test_tools::per_element());
  BOOST_TEST(again.dev == a.dev, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(low_resource_quotas_use_largest_remainders_and_train_sets_nest) {
  const auto d = make_dataset({7, 2, 1});
  // 5 of 10 rows: exact shares 3.5, 1.0, 0.5 -> floors 3, 1, 0 and one more row to the largest
  // remainder; 3.5 and 0.5 tie, and ties go to the lower class.
  const auto s = data::low_resource_split(d, 1, 0, 5, 3, 3);
  BOOST_TEST(per_class(d, s.test) == (std::vector<std::size_t>{4, 1, 0}), boost::test_tools::per_element());

  const auto big = make_dataset({200, 150});
  std::vector<std::size_t> previous;
  for (std::size_t k : {2, 4, 8, 16}) {
    const auto split = data::low_resource_split(big, k, 4, 50, 9, 21);
    BOOST_TEST(std::includes(split.train.begin(), split.train.end(), previous.begin(), previous.end()), "k = " << k);
    previous = split.train;
  }
}

BOOST_AUTO_TEST_CASE(low_resource_split_reports_what_does_not_fit) {
  const auto d = make_dataset({20, 6});
  BOOST_CHECK_THROW((void)data::low_resource_split(d, 1, 1, 27, 1, 1), std::invalid_argument);
  try {
    (void)data::low_resource_split(d, 4, 2, 10, 1, 1);  // class 1 keeps 6 - 2 = 4 rows, needs 6
    BOOST_FAIL("a class with too few rows was accepted");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("class 1") != std::string::npos, e.what());
  }
  const auto everything = data::low_resource_split(d, 0, 0, 26, 1, 1);
  BOOST_TEST(everything.test.size() == 26u);
}
