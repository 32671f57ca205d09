// Seeded, stratified sampling and splits of labelled datasets (k-shot train/dev sets, test sets),
// identical on every standard library: only std::mt19937_64 (fully specified) plus our own draws.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gpta/data/example.hpp>

namespace gpta::data {

struct split_indices {
  std::vector<std::size_t> train, dev, test;  ///< row indices, each ascending, pairwise disjoint
};

namespace detail {

// Streams keep the draws of different helpers (and classes) independent of each other.
enum class sample_stream : std::uint64_t { sample = 1, split = 2, test_carve = 3, low_resource = 4 };

/// SplitMix64 finaliser: spreads nearby seeds (0, 1, 2...) over unrelated generator states.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

[[nodiscard]] constexpr std::uint64_t derive_seed(std::uint64_t seed, sample_stream stream, std::uint64_t cls) noexcept {
  return splitmix64(splitmix64(splitmix64(seed) ^ static_cast<std::uint64_t>(stream)) ^ cls);
}

/// Uniform integer in [0, n), n > 0, without modulo bias: draws below 2^64 mod n are rejected.
/// Written out because std::uniform_int_distribution's output differs between libraries.
[[nodiscard]] inline std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

/// Fisher-Yates for the first k positions: afterwards v[0..k) is a uniform random k-subset in
/// random order. Stopping early makes the k-sample a prefix of the (k+1)-sample, so k-shot sets
/// drawn with one seed are nested (4-shot within 8-shot within 16-shot).
inline void partial_shuffle(std::vector<std::size_t>& v, std::size_t k, std::mt19937_64& rng) {
  for (std::size_t i = 0; i < k && i + 1 < v.size(); ++i) {
    const std::size_t j = i + static_cast<std::size_t>(uniform_below(rng, v.size() - i));
    std::swap(v[i], v[j]);
  }
}

[[nodiscard]] inline std::string class_name(const std::vector<std::string>& names, std::size_t c) {
  std::string s = "class " + std::to_string(c);
  if (c < names.size()) s += " ('" + names[c] + "')";
  return s;
}

/// Row indices of each class, ascending. The class count is label_names.size() when the
/// dataset names its labels, else the largest label + 1. Bad labels are the caller's bug.
template <labelled_example E>
[[nodiscard]] std::vector<std::vector<std::size_t>> rows_by_class(const dataset<E>& d, const char* component) {
  std::size_t classes = d.label_names.size();
  for (std::size_t r = 0; r < d.examples.size(); ++r) {
    const int label = static_cast<int>(d.examples[r].label);
    if (label < 0 || (!d.label_names.empty() && static_cast<std::size_t>(label) >= d.label_names.size())) {
      const std::string allowed = d.label_names.empty() ? std::string("labels must not be negative")
                                                         : "labels must lie in 0.." + std::to_string(d.label_names.size() - 1);
      throw std::invalid_argument(std::string(component) + ": row " + std::to_string(r) + " has label " +
                                  std::to_string(label) + "; " + allowed);
    }
    if (d.label_names.empty()) classes = std::max(classes, static_cast<std::size_t>(label) + 1);
  }
  std::vector<std::vector<std::size_t>> rows(classes);
  for (std::size_t r = 0; r < d.examples.size(); ++r) rows[static_cast<std::size_t>(d.examples[r].label)].push_back(r);
  return rows;
}

/// Each class's rows minus `exclude` (which must hold valid row indices).
template <labelled_example E>
[[nodiscard]] std::vector<std::vector<std::size_t>> available_by_class(const dataset<E>& d,
                                                                       const std::vector<std::size_t>& exclude,
                                                                       const char* component) {
  std::vector<char> excluded(d.size(), 0);
  for (std::size_t r : exclude) {
    if (r >= d.size()) {
      throw std::invalid_argument(std::string(component) + ": excluded row " + std::to_string(r) +
                                  " is out of range (dataset has " + std::to_string(d.size()) + " rows)");
    }
    excluded[r] = 1;
  }
  auto rows = rows_by_class(d, component);
  for (auto& cls : rows) std::erase_if(cls, [&](std::size_t r) { return excluded[r] != 0; });
  return rows;
}

}  // namespace detail

/// Rows per class: result[c] = number of examples with label c (see detail::rows_by_class for
/// how the number of classes is found). std::invalid_argument for a negative or unnamed label.
template <labelled_example E>
[[nodiscard]] std::vector<std::size_t> class_counts(const dataset<E>& d) {
  const auto rows = detail::rows_by_class(d, "gpta::data::class_counts");
  std::vector<std::size_t> counts(rows.size());
  for (std::size_t c = 0; c < rows.size(); ++c) counts[c] = rows[c].size();
  return counts;
}

/// Exactly `k_per_class` rows of every class, none of them in `exclude`, returned ascending.
/// Deterministic for (dataset, k, seed, exclude) on every platform; with the same seed and
/// exclude, the k-sample is contained in the (k+1)-sample. std::invalid_argument naming the class
/// when it has fewer than k rows left, or for an out-of-range excluded row.
template <labelled_example E>
[[nodiscard]] std::vector<std::size_t> stratified_sample(const dataset<E>& d, std::size_t k_per_class, std::uint64_t seed,
                                                         const std::vector<std::size_t>& exclude = {}) {
  constexpr const char* component = "gpta::data::stratified_sample";
  auto rows = detail::available_by_class(d, exclude, component);
  std::vector<std::size_t> out;
  out.reserve(rows.size() * k_per_class);
  for (std::size_t c = 0; c < rows.size(); ++c) {
    if (rows[c].size() < k_per_class) {
      throw std::invalid_argument(std::string(component) + ": " + detail::class_name(d.label_names, c) + " has " +
                                  std::to_string(rows[c].size()) + " rows available (after " +
                                  std::to_string(exclude.size()) + " excluded), " + std::to_string(k_per_class) +
                                  " requested");
    }
    std::mt19937_64 rng(detail::derive_seed(seed, detail::sample_stream::sample, c));
    detail::partial_shuffle(rows[c], k_per_class, rng);
    out.insert(out.end(), rows[c].begin(), rows[c].begin() + static_cast<std::ptrdiff_t>(k_per_class));
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Every row goes to exactly one of train/dev/test. Per class of n rows, round(n * test_fraction)
/// go to test and round(n * dev_fraction) to dev (dev shrinks if both round up past n), the rest
/// to train, so every part keeps the class balance. std::invalid_argument for fractions outside
/// [0, 1] or summing past 1.
template <labelled_example E>
[[nodiscard]] split_indices stratified_split(const dataset<E>& d, double dev_fraction, double test_fraction,
                                             std::uint64_t seed) {
  constexpr const char* component = "gpta::data::stratified_split";
  const auto valid = [](double f) { return std::isfinite(f) && f >= 0.0 && f <= 1.0; };
  if (!valid(dev_fraction) || !valid(test_fraction) || dev_fraction + test_fraction > 1.0 + 1e-12) {
    throw std::invalid_argument(std::string(component) + ": fractions must lie in [0, 1] and sum to at most 1, got dev " +
                                std::to_string(dev_fraction) + " and test " + std::to_string(test_fraction));
  }
  auto rows = detail::rows_by_class(d, component);
  split_indices out;
  for (std::size_t c = 0; c < rows.size(); ++c) {
    const std::size_t n = rows[c].size();
    const auto part = [n](double f) { return std::min(n, static_cast<std::size_t>(std::floor(static_cast<double>(n) * f + 0.5))); };
    const std::size_t n_test = part(test_fraction);
    const std::size_t n_dev = std::min(part(dev_fraction), n - n_test);
    std::mt19937_64 rng(detail::derive_seed(seed, detail::sample_stream::split, c));
    detail::partial_shuffle(rows[c], n, rng);
    const auto at = [&](std::size_t i) { return rows[c].begin() + static_cast<std::ptrdiff_t>(i); };
    out.test.insert(out.test.end(), at(0), at(n_test));
    out.dev.insert(out.dev.end(), at(n_test), at(n_test + n_dev));
    out.train.insert(out.train.end(), at(n_test + n_dev), at(n));
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.dev.begin(), out.dev.end());
  std::sort(out.test.begin(), out.test.end());
  return out;
}

/// The low-resource protocol: a stratified test set of exactly `test_size` rows drawn with
/// `split_seed` alone (so every sample_seed of an experiment is scored on the same test set),
/// then `k_per_class_dev` dev and `k_per_class_train` train rows per class from what is left,
/// drawn with `sample_seed`. Test quotas per class are proportional to class sizes (largest
/// remainder, ties to the lower class). For a fixed k_dev, train sets for growing k_train are
/// nested. std::invalid_argument if test_size exceeds the dataset or a class runs short.
template <labelled_example E>
[[nodiscard]] split_indices low_resource_split(const dataset<E>& d, std::size_t k_per_class_train,
                                               std::size_t k_per_class_dev, std::size_t test_size,
                                               std::uint64_t split_seed, std::uint64_t sample_seed) {
  constexpr const char* component = "gpta::data::low_resource_split";
  const std::size_t total = d.size();
  if (test_size > total) {
    throw std::invalid_argument(std::string(component) + ": test_size " + std::to_string(test_size) +
                                " exceeds the dataset's " + std::to_string(total) + " rows");
  }
  auto rows = detail::rows_by_class(d, component);
  const std::size_t classes = rows.size();
  std::vector<std::size_t> quota(classes, 0);
  if (test_size > 0) {
    std::vector<std::pair<std::uint64_t, std::size_t>> remainders;  // (remainder, class)
    std::size_t given = 0;
    for (std::size_t c = 0; c < classes; ++c) {
      const std::uint64_t n = rows[c].size();
      if (n != 0 && test_size > UINT64_MAX / n) throw std::invalid_argument(std::string(component) + ": test_size too large");
      quota[c] = static_cast<std::size_t>(n * test_size / total);
      given += quota[c];
      remainders.emplace_back(n * test_size % total, c);
    }
    std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; given < test_size; ++i, ++given) ++quota[remainders[i].second];
  }

  split_indices out;
  for (std::size_t c = 0; c < classes; ++c) {
    std::vector<std::size_t>& cls = rows[c];
    std::mt19937_64 carve(detail::derive_seed(split_seed, detail::sample_stream::test_carve, c));
    detail::partial_shuffle(cls, quota[c], carve);
    out.test.insert(out.test.end(), cls.begin(), cls.begin() + static_cast<std::ptrdiff_t>(quota[c]));
    // The rest, back in row order, so the train/dev draw does not depend on the carve's order.
    std::vector<std::size_t> rest(cls.begin() + static_cast<std::ptrdiff_t>(quota[c]), cls.end());
    std::sort(rest.begin(), rest.end());
    const std::size_t need = k_per_class_train + k_per_class_dev;
    if (rest.size() < need) {
      throw std::invalid_argument(std::string(component) + ": " + detail::class_name(d.label_names, c) + " has " +
                                  std::to_string(rest.size()) + " rows left after the test set, needs " +
                                  std::to_string(k_per_class_train) + " (train) + " + std::to_string(k_per_class_dev) +
                                  " (dev)");
    }
    std::mt19937_64 rng(detail::derive_seed(sample_seed, detail::sample_stream::low_resource, c));
    detail::partial_shuffle(rest, need, rng);
    const auto at = [&](std::size_t i) { return rest.begin() + static_cast<std::ptrdiff_t>(i); };
    out.dev.insert(out.dev.end(), at(0), at(k_per_class_dev));
    out.train.insert(out.train.end(), at(k_per_class_dev), at(need));
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.dev.begin(), out.dev.end());
  std::sort(out.test.begin(), out.test.end());
  return out;
}

}  // namespace gpta::data
