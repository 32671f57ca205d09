// Seeded low-resource splits by document count for summarisation: test and dev carved first with
// the split seed (shared by every sample seed of an experiment), then N training documents per seed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gpta/data/example.hpp>
#include <gpta/data/sampling.hpp>

namespace gpta::data {

namespace detail {

// Streams of their own, beyond sampling.hpp's labelled ones, so document splits never reuse the
// draws of a stratified split made with the same seed.
inline constexpr auto seq2seq_carve_stream = static_cast<sample_stream>(0x5332'5301);
inline constexpr auto seq2seq_train_stream = static_cast<sample_stream>(0x5332'5302);

}  // namespace detail

/// Indices for `num_docs` documents: `test_docs` test and `dev_docs` dev rows drawn with
/// `split_seed` alone, then `train_docs` train rows from the rest drawn with `sample_seed`. So
/// every sample seed sees the same dev and test sets; train sets for growing train_docs are
/// nested (one seed's 16 documents hold its 8); growing dev_docs leaves test unchanged. Parts are
/// disjoint and ascending; the same on every platform (std::mt19937_64 plus our own draws).
/// std::invalid_argument when the three counts exceed num_docs.
[[nodiscard]] inline split_indices seq2seq_low_resource_split(std::size_t num_docs, std::size_t train_docs,
                                                              std::size_t dev_docs, std::size_t test_docs,
                                                              std::uint64_t split_seed, std::uint64_t sample_seed) {
  if (test_docs > num_docs || dev_docs > num_docs - test_docs || train_docs > num_docs - test_docs - dev_docs) {
    throw std::invalid_argument("gpta::data::seq2seq_low_resource_split: " + std::to_string(train_docs) + " train + " +
                                std::to_string(dev_docs) + " dev + " + std::to_string(test_docs) +
                                " test documents requested, only " + std::to_string(num_docs) + " available");
  }
  std::vector<std::size_t> rows(num_docs);
  for (std::size_t i = 0; i < num_docs; ++i) rows[i] = i;
  std::mt19937_64 carve(detail::derive_seed(split_seed, detail::seq2seq_carve_stream, 0));
  detail::partial_shuffle(rows, test_docs + dev_docs, carve);
  split_indices out;
  const auto at = [](std::vector<std::size_t>& v, std::size_t i) { return v.begin() + static_cast<std::ptrdiff_t>(i); };
  out.test.assign(at(rows, 0), at(rows, test_docs));
  out.dev.assign(at(rows, test_docs), at(rows, test_docs + dev_docs));
  // The rest back in row order, so the train draw does not depend on the carve's order.
  std::vector<std::size_t> rest(at(rows, test_docs + dev_docs), rows.end());
  std::sort(rest.begin(), rest.end());
  std::mt19937_64 rng(detail::derive_seed(sample_seed, detail::seq2seq_train_stream, 0));
  detail::partial_shuffle(rest, train_docs, rng);
  out.train.assign(at(rest, 0), at(rest, train_docs));
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.dev.begin(), out.dev.end());
  std::sort(out.test.begin(), out.test.end());
  return out;
}

/// The same for a dataset's rows (any example type: documents are not stratified).
template <class Example>
[[nodiscard]] split_indices seq2seq_low_resource_split(const dataset<Example>& d, std::size_t train_docs,
                                                       std::size_t dev_docs, std::size_t test_docs,
                                                       std::uint64_t split_seed, std::uint64_t sample_seed) {
  return seq2seq_low_resource_split(d.size(), train_docs, dev_docs, test_docs, split_seed, sample_seed);
}

}  // namespace gpta::data
