// Text -> embedding-row ids for the bag-of-words student: vocabulary words, hashed OOV words,
// hashed bigrams, with the prefix attached under its budget and its encoding cached per string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <gpta/detail/fnv1a.hpp>
#include <gpta/student/prefix_budget.hpp>
#include <gpta/text/simple_tokenizer.hpp>
#include <gpta/text/vocabulary.hpp>

namespace gpta::student {

namespace detail {
using gpta::detail::fnv1a64;
using gpta::detail::fnv1a64_u64;
using gpta::detail::fnv1a_offset;
using gpta::detail::fnv1a_prime;

/// Remembers the encoding of the last string asked for. Probing and evaluation call the model
/// batch after batch with one prefix, so one entry catches nearly every hit. Thread-safe, copyable.
template <class Value>
class last_value_cache {
 public:
  last_value_cache() = default;
  last_value_cache(const last_value_cache& o) {
    std::lock_guard lock(o.mutex_);
    key_ = o.key_;
    value_ = o.value_;
  }
  last_value_cache(last_value_cache&& o) noexcept {
    std::lock_guard lock(o.mutex_);
    key_ = std::move(o.key_);
    value_ = std::move(o.value_);
  }
  last_value_cache& operator=(last_value_cache&& o) noexcept {
    if (this != &o) {
      std::scoped_lock lock(mutex_, o.mutex_);
      key_ = std::move(o.key_);
      value_ = std::move(o.value_);
    }
    return *this;
  }
  last_value_cache& operator=(const last_value_cache& o) {
    if (this != &o) {
      std::scoped_lock lock(mutex_, o.mutex_);
      key_ = o.key_;
      value_ = o.value_;
    }
    return *this;
  }

  template <class Make>
  std::shared_ptr<const Value> get(std::string_view key, Make&& make) const {
    {
      std::lock_guard lock(mutex_);
      if (value_ && key_ == key) return value_;
    }
    auto made = std::make_shared<const Value>(std::forward<Make>(make)());
    std::lock_guard lock(mutex_);
    key_.assign(key);
    value_ = made;
    return made;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::string key_;
  mutable std::shared_ptr<const Value> value_;
};
}  // namespace detail

/// One token of the model input: its embedding row and a stable hash of its text (bigram key).
struct bow_token {
  Eigen::Index row = 0;
  std::uint64_t key = 0;
};

/// Embedding table layout: [vocabulary rows | OOV buckets | bigram buckets].
class bow_featurizer {
 public:
  bow_featurizer(text::vocabulary vocab, std::size_t oov_buckets, std::size_t bigram_buckets, prefix_budget budget)
      : vocab_(std::move(vocab)), oov_buckets_(oov_buckets), bigram_buckets_(bigram_buckets), budget_(budget) {
    budget_.validate("gpta::student::bow_featurizer");
    const auto limit = static_cast<std::size_t>(std::numeric_limits<Eigen::Index>::max() / 2);
    if (oov_buckets_ > limit || bigram_buckets_ > limit || vocab_.size() > limit - oov_buckets_ - bigram_buckets_)
      throw std::invalid_argument("gpta::student::bow_featurizer: embedding table too large");
    sep_ = bow_token{text::vocabulary::sep_id, detail::fnv1a64(text::vocabulary::specials()[text::vocabulary::sep_id])};
  }

  [[nodiscard]] const text::vocabulary& vocabulary() const noexcept { return vocab_; }
  [[nodiscard]] const text::simple_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  [[nodiscard]] const prefix_budget& budget() const noexcept { return budget_; }
  [[nodiscard]] std::size_t oov_buckets() const noexcept { return oov_buckets_; }
  [[nodiscard]] std::size_t bigram_buckets() const noexcept { return bigram_buckets_; }
  [[nodiscard]] Eigen::Index num_rows() const noexcept {
    return static_cast<Eigen::Index>(vocab_.size() + oov_buckets_ + bigram_buckets_);
  }

  /// Row of one (already tokenized) word: its vocabulary row, else its OOV bucket, else [UNK].
  [[nodiscard]] bow_token token(std::string_view word) const {
    const std::uint64_t key = detail::fnv1a64(word);
    const int id = vocab_.id(word);
    if (id != text::vocabulary::unk_id || word == text::vocabulary::specials()[text::vocabulary::unk_id])
      return {id, key};
    if (oov_buckets_ == 0) return {text::vocabulary::unk_id, key};
    return {static_cast<Eigen::Index>(vocab_.size() + key % oov_buckets_), key};
  }

  /// Tokens of `text`, untruncated.
  [[nodiscard]] std::vector<bow_token> encode(std::string_view text) const {
    std::vector<std::string> words;
    tokenizer_.tokenize_into(text, words);
    std::vector<bow_token> out;
    out.reserve(words.size());
    for (const auto& w : words) out.push_back(token(w));
    return out;
  }

  /// The prefix's tokens cut to the prefix budget; the same string is encoded once.
  [[nodiscard]] std::shared_ptr<const std::vector<bow_token>> encode_prefix(std::string_view prefix) const {
    return prefix_cache_.get(prefix, [&] {
      auto toks = encode(prefix);
      if (toks.size() > budget_.prefix_tokens) toks.resize(budget_.prefix_tokens);
      return toks;
    });
  }

  /// Writes the embedding rows the model averages for `text` with `prefix` (from encode_prefix)
  /// attached: unigrams of `prefix + [SEP] + input` (input cut to what max_tokens leaves), then,
  /// when bigram buckets are on, one hashed row per adjacent pair of that sequence.
  void rows(std::string_view text, std::span<const bow_token> prefix, std::vector<Eigen::Index>& out) const {
    const std::vector<bow_token> input = encode(text);
    const std::vector<bow_token> seq = attach_prefix<bow_token>(prefix, sep_, input, budget_);
    out.clear();
    out.reserve(seq.size() * (bigram_buckets_ > 0 ? 2 : 1));
    for (const auto& t : seq) out.push_back(t.row);
    if (bigram_buckets_ == 0) return;
    const auto base = static_cast<Eigen::Index>(vocab_.size() + oov_buckets_);
    for (std::size_t i = 1; i < seq.size(); ++i) {
      const std::uint64_t h = detail::fnv1a64_u64(seq[i].key, detail::fnv1a64_u64(seq[i - 1].key, detail::fnv1a_offset));
      out.push_back(base + static_cast<Eigen::Index>(h % bigram_buckets_));
    }
  }

  [[nodiscard]] std::vector<Eigen::Index> rows(std::string_view text, std::string_view prefix) const {
    std::vector<Eigen::Index> out;
    rows(text, *encode_prefix(prefix), out);
    return out;
  }

 private:
  text::vocabulary vocab_;
  text::simple_tokenizer tokenizer_;
  std::size_t oov_buckets_;
  std::size_t bigram_buckets_;
  prefix_budget budget_;
  bow_token sep_;
  detail::last_value_cache<std::vector<bow_token>> prefix_cache_;
};

}  // namespace gpta::student
