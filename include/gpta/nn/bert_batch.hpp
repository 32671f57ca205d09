// A batch of token sequences for BERT-family encoders, and length bucketing for batching.
// Two layouts of the encoder's [rows x hidden] activations:
// - padded: every sequence holds seq_len rows (right padding: its real tokens are its first
//   `length` positions), the layout of HF's (input_ids, attention_mask) and of the backends;
// - packed: the sequences' real tokens back to back, no padded row at all, so every GEMM of the
//   host encoder runs on sum(lengths) rows instead of batch_size x seq_len (attention stays per
//   sequence, by its length, so packing needs no block-diagonal mask).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <gpta/detail/random.hpp>

namespace gpta::nn {

/// One encoded sequence: [CLS] ... [SEP] (... [SEP]) ids and their segment ids.
struct token_sequence {
  std::vector<std::int32_t> input_ids;
  std::vector<std::int32_t> token_type_ids;  ///< empty = all zero
};

/// How make_bert_batch lays the sequences out (see the top of this header).
enum class bert_layout { padded, packed };

/// `batch_size` sequences. Padded: `seq_len` positions each, row-major (sequence b, position l ->
/// b * seq_len + l). Packed: sequence b's real tokens are rows starts[b] ... starts[b] + lengths[b] - 1
/// and seq_len is the longest length. input_ids / token_type_ids hold one entry per row.
struct bert_batch {
  Eigen::Index batch_size = 0;
  Eigen::Index seq_len = 0;
  std::vector<std::int32_t> input_ids;
  std::vector<std::int32_t> token_type_ids;
  std::vector<Eigen::Index> lengths;  ///< real tokens per sequence; the rest is padding
  std::vector<Eigen::Index> starts;   ///< packed layout: first row of each sequence; empty = padded

  [[nodiscard]] bool packed() const noexcept { return !starts.empty(); }

  /// Rows of the encoder's [tokens x hidden] activations (padded rows included in the padded layout).
  [[nodiscard]] Eigen::Index tokens() const noexcept {
    return packed() ? static_cast<Eigen::Index>(input_ids.size()) : batch_size * seq_len;
  }

  /// Row index of (sequence b, position l) in the encoder's [tokens x hidden] activations.
  [[nodiscard]] Eigen::Index row(Eigen::Index b, Eigen::Index l) const noexcept {
    return (packed() ? starts[static_cast<std::size_t>(b)] : b * seq_len) + l;
  }

  /// The position (0-based, within its sequence) of each row: the position-embedding index.
  [[nodiscard]] std::vector<std::int32_t> positions() const {
    std::vector<std::int32_t> p(static_cast<std::size_t>(tokens()));
    for (Eigen::Index b = 0; b < batch_size; ++b) {
      const Eigen::Index rows = packed() ? lengths[static_cast<std::size_t>(b)] : seq_len;
      for (Eigen::Index l = 0; l < rows; ++l) p[static_cast<std::size_t>(row(b, l))] = static_cast<std::int32_t>(l);
    }
    return p;
  }

  /// 1 for real tokens, 0 for padding, [batch_size x seq_len] row-major like a padded batch's
  /// input_ids (the usual attention_mask, whichever the layout).
  [[nodiscard]] std::vector<std::int32_t> attention_mask() const {
    std::vector<std::int32_t> m(static_cast<std::size_t>(batch_size * seq_len), 0);
    for (Eigen::Index b = 0; b < batch_size; ++b)
      std::fill_n(m.begin() + b * seq_len, lengths[static_cast<std::size_t>(b)], 1);
    return m;
  }
};

/// Padded: pads `sequences` with `pad_id` to the longest one (not to a fixed maximum: short
/// batches stay cheap). Packed: no padding (`pad_id` unused).
[[nodiscard]] inline bert_batch make_bert_batch(std::span<const token_sequence> sequences, std::int32_t pad_id = 0,
                                                bert_layout layout = bert_layout::padded) {
  bert_batch out;
  out.batch_size = static_cast<Eigen::Index>(sequences.size());
  for (const auto& s : sequences) {
    if (s.input_ids.empty()) throw std::invalid_argument("gpta::nn::make_bert_batch: empty sequence");
    if (!s.token_type_ids.empty() && s.token_type_ids.size() != s.input_ids.size())
      throw std::invalid_argument("gpta::nn::make_bert_batch: token_type_ids and input_ids differ in length");
    out.seq_len = std::max(out.seq_len, static_cast<Eigen::Index>(s.input_ids.size()));
  }
  if (layout == bert_layout::packed) {
    for (const auto& s : sequences) {
      out.starts.push_back(static_cast<Eigen::Index>(out.input_ids.size()));
      out.lengths.push_back(static_cast<Eigen::Index>(s.input_ids.size()));
      out.input_ids.insert(out.input_ids.end(), s.input_ids.begin(), s.input_ids.end());
      if (s.token_type_ids.empty())
        out.token_type_ids.resize(out.input_ids.size(), 0);
      else
        out.token_type_ids.insert(out.token_type_ids.end(), s.token_type_ids.begin(), s.token_type_ids.end());
    }
    return out;
  }
  const auto total = static_cast<std::size_t>(out.tokens());
  out.input_ids.assign(total, pad_id);
  out.token_type_ids.assign(total, 0);
  out.lengths.reserve(sequences.size());
  for (std::size_t b = 0; b < sequences.size(); ++b) {
    const auto& s = sequences[b];
    const auto first = b * static_cast<std::size_t>(out.seq_len);
    std::copy(s.input_ids.begin(), s.input_ids.end(), out.input_ids.begin() + static_cast<std::ptrdiff_t>(first));
    if (!s.token_type_ids.empty())
      std::copy(s.token_type_ids.begin(), s.token_type_ids.end(),
                out.token_type_ids.begin() + static_cast<std::ptrdiff_t>(first));
    out.lengths.push_back(static_cast<Eigen::Index>(s.input_ids.size()));
  }
  return out;
}

/// From the usual (input_ids, token_type_ids, attention_mask) triple, all [batch x seq_len] row-major.
/// Throws std::invalid_argument unless every mask row is 1...1 0...0 with at least one 1.
[[nodiscard]] inline bert_batch make_bert_batch(Eigen::Index batch_size, Eigen::Index seq_len,
                                                std::vector<std::int32_t> input_ids,
                                                std::vector<std::int32_t> token_type_ids,
                                                std::span<const std::int32_t> attention_mask) {
  const auto total = static_cast<std::size_t>(batch_size * seq_len);
  if (batch_size <= 0 || seq_len <= 0 || input_ids.size() != total || attention_mask.size() != total ||
      (!token_type_ids.empty() && token_type_ids.size() != total))
    throw std::invalid_argument("gpta::nn::make_bert_batch: arrays must all hold batch_size * seq_len entries");
  bert_batch out{batch_size, seq_len, std::move(input_ids), std::move(token_type_ids), {}, {}};
  if (out.token_type_ids.empty()) out.token_type_ids.assign(total, 0);
  for (Eigen::Index b = 0; b < batch_size; ++b) {
    Eigen::Index n = 0;
    while (n < seq_len && attention_mask[static_cast<std::size_t>(b * seq_len + n)] != 0) ++n;
    for (Eigen::Index l = n; l < seq_len; ++l)
      if (attention_mask[static_cast<std::size_t>(b * seq_len + l)] != 0)
        throw std::invalid_argument("gpta::nn::make_bert_batch: attention_mask row " + std::to_string(b) +
                                    " is not right-padded (gpta's encoder skips padded keys by length)");
    if (n == 0)
      throw std::invalid_argument("gpta::nn::make_bert_batch: attention_mask row " + std::to_string(b) +
                                  " has no real token");
    out.lengths.push_back(n);
  }
  return out;
}

/// Length bucketing: indices grouped into batches of similar length (so padding stays small), the
/// batch order shuffled with `seed`. Items of equal length keep a seeded random order, so buckets
/// differ between epochs when the caller varies the seed. The last batch may be smaller.
[[nodiscard]] inline std::vector<std::vector<std::size_t>> length_buckets(std::span<const std::size_t> lengths,
                                                                          std::size_t batch_size,
                                                                          std::uint64_t seed) {
  if (batch_size == 0) throw std::invalid_argument("gpta::nn::length_buckets: batch_size must be > 0");
  std::vector<std::size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(gpta::detail::mix_seed(seed, 0xb0c7));
  gpta::detail::shuffle(order, rng);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return lengths[a] < lengths[b]; });
  std::vector<std::vector<std::size_t>> batches;
  for (std::size_t i = 0; i < order.size(); i += batch_size)
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                         order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + batch_size)));
  gpta::detail::shuffle(batches, rng);
  return batches;
}

}  // namespace gpta::nn
