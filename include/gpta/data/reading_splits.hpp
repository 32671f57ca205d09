// Low-resource train/dev/test splits for reading comprehension, sized in questions but cut along
// passages (SQuAD articles, RACE passages) so no passage or paragraph is seen by two splits.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gpta/data/choice_example.hpp>
#include <gpta/data/example.hpp>
#include <gpta/data/sampling.hpp>
#include <gpta/data/span_example.hpp>

namespace gpta::data {

/// Question counts of a low-resource split.
struct reading_split_sizes {
  std::size_t train = 64;   ///< e.g. 64, 256, 1024
  std::size_t dev = 256;
  std::size_t test = 1024;
};

namespace detail {

// Tags for derive_seed's class argument: keep these draws apart from sampling.hpp's.
inline constexpr std::uint64_t reading_group_tag = 0x72656164696E6731ULL;  // "reading1"
inline constexpr std::uint64_t reading_cut_tag = 0x72656164696E6732ULL;

/// The protocol on any examples grouped by `group_of(example)` (a dense-ish integer id):
/// 1. With `split_seed` alone, the groups are put in a random order; test takes whole groups
///    from the front until it has sizes.test questions, then dev continues from the next group
///    until it has sizes.dev. The group where a part fills up gives that part a random subset of
///    its questions and the rest of it is used by no split, so parts never share a group.
/// 2. With `sample_seed`, train is a uniform random sample of sizes.train questions from the
///    groups step 1 did not touch. Train sets for growing sizes.train with one seed are nested.
/// So every sample_seed of an experiment is scored on the same dev and test questions.
template <class Example, class GroupOf>
[[nodiscard]] split_indices grouped_low_resource_split(const dataset<Example>& d, GroupOf group_of,
                                                       const reading_split_sizes& sizes, std::uint64_t split_seed,
                                                       std::uint64_t sample_seed, const char* component) {
  // Groups in order of first appearance, each with its rows in file order.
  std::vector<std::size_t> group_ids;
  std::vector<std::vector<std::size_t>> rows;
  {
    std::vector<std::pair<std::size_t, std::size_t>> keyed;  // (group, row)
    keyed.reserve(d.size());
    for (std::size_t r = 0; r < d.size(); ++r) keyed.emplace_back(static_cast<std::size_t>(group_of(d.examples[r])), r);
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [g, r] : keyed) {
      if (group_ids.empty() || group_ids.back() != g) {
        group_ids.push_back(g);
        rows.emplace_back();
      }
      rows.back().push_back(r);
    }
  }
  if (sizes.dev + sizes.test > d.size()) {
    throw std::invalid_argument(std::string(component) + ": dev " + std::to_string(sizes.dev) + " + test " +
                                std::to_string(sizes.test) + " questions exceed the dataset's " +
                                std::to_string(d.size()));
  }

  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 carve(derive_seed(split_seed, sample_stream::test_carve, reading_group_tag));
  partial_shuffle(order, order.size(), carve);

  split_indices out;
  std::size_t next = 0;  // position in `order`
  const auto fill = [&](std::vector<std::size_t>& part, std::size_t want, const char* name) {
    while (part.size() < want) {
      if (next >= order.size()) {
        throw std::invalid_argument(std::string(component) + ": ran out of passages filling " + name + " with " +
                                    std::to_string(want) + " questions (whole passages only)");
      }
      std::vector<std::size_t> g = rows[order[next]];
      const std::size_t take = std::min(g.size(), want - part.size());
      if (take < g.size()) {
        std::mt19937_64 cut(derive_seed(split_seed, sample_stream::test_carve, reading_cut_tag ^ group_ids[order[next]]));
        partial_shuffle(g, take, cut);
      }
      part.insert(part.end(), g.begin(), g.begin() + static_cast<std::ptrdiff_t>(take));
      ++next;
    }
  };
  fill(out.test, sizes.test, "test");
  fill(out.dev, sizes.dev, "dev");

  std::vector<std::size_t> pool;
  for (std::size_t i = next; i < order.size(); ++i) pool.insert(pool.end(), rows[order[i]].begin(), rows[order[i]].end());
  std::sort(pool.begin(), pool.end());  // the train draw must not depend on the carve's order
  if (pool.size() < sizes.train) {
    throw std::invalid_argument(std::string(component) + ": " + std::to_string(pool.size()) +
                                " questions left in passages outside dev and test, " + std::to_string(sizes.train) +
                                " requested for train");
  }
  std::mt19937_64 rng(derive_seed(sample_seed, sample_stream::low_resource, reading_group_tag));
  partial_shuffle(pool, sizes.train, rng);
  out.train.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(sizes.train));

  std::sort(out.train.begin(), out.train.end());
  std::sort(out.dev.begin(), out.dev.end());
  std::sort(out.test.begin(), out.test.end());
  return out;
}

}  // namespace detail

/// SQuAD split by article (span_example::article): no article, hence no paragraph, is in two
/// parts. See detail::grouped_low_resource_split for the protocol. std::invalid_argument when
/// dev + test exceed the questions, whole articles run out, or too few are left for train.
[[nodiscard]] inline split_indices squad_split(const span_dataset& d, const reading_split_sizes& sizes,
                                               std::uint64_t split_seed, std::uint64_t sample_seed) {
  return detail::grouped_low_resource_split(
      d, [](const span_example& e) { return e.article; }, sizes, split_seed, sample_seed, "gpta::data::squad_split");
}

/// RACE split by passage (choice_example::passage): the questions of one passage stay in one
/// part. Same protocol and errors as squad_split.
[[nodiscard]] inline split_indices race_split(const choice_dataset& d, const reading_split_sizes& sizes,
                                              std::uint64_t split_seed, std::uint64_t sample_seed) {
  return detail::grouped_low_resource_split(
      d, [](const choice_example& e) { return e.passage; }, sizes, split_seed, sample_seed, "gpta::data::race_split");
}

}  // namespace gpta::data
