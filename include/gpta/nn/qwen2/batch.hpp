// Batches for the Qwen2 decoder: token-id sequences packed without padding, logit queries, loss targets.
// Plain data, so students and data loaders can build them without pulling in the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace gpta::nn {

/// A batch is a list of token-id sequences of any lengths. They are packed row after row into one
/// [total tokens x hidden] matrix with no padding: every GEMM sees only real tokens, and attention
/// runs per sequence (causal inside it), which is what a padding mask would otherwise enforce.
using qwen2_sequences = std::vector<std::vector<std::int32_t>>;

/// Where a batch's sequences sit in the packed rows, and each row's position inside its sequence.
struct qwen2_layout {
  std::vector<Eigen::Index> offsets;    ///< sequence s is rows [offsets[s], offsets[s + 1])
  std::vector<std::int32_t> positions;  ///< per row: 0, 1, ... restarting for every sequence
  std::vector<std::int32_t> ids;        ///< per row: the token id

  [[nodiscard]] std::size_t sequences() const noexcept { return offsets.empty() ? 0 : offsets.size() - 1; }
  [[nodiscard]] Eigen::Index rows() const noexcept { return offsets.empty() ? 0 : offsets.back(); }
  [[nodiscard]] Eigen::Index length(std::size_t s) const { return offsets[s + 1] - offsets[s]; }
};

/// "Logits of sequence `sequence` after reading its tokens [0, position]".
struct qwen2_query {
  std::size_t sequence = 0;
  std::size_t position = 0;
};

/// One loss term: -log p(token | tokens [0, position]) of the sequence it is listed under. To train
/// on tokens [j, n) of a sequence pass positions j-1 .. n-2 with targets ids[j] .. ids[n-1]
/// (qwen2_next_token_targets does exactly that).
struct qwen2_target {
  std::size_t position = 0;
  std::int32_t token = 0;
};
using qwen2_targets = std::vector<std::vector<qwen2_target>>;  ///< one list per sequence

/// Targets that teach tokens [first, ids.size()) of `ids` (first >= 1): a label word or a summary.
[[nodiscard]] inline std::vector<qwen2_target> qwen2_next_token_targets(const std::vector<std::int32_t>& ids,
                                                                        std::size_t first) {
  if (first == 0) throw std::invalid_argument("gpta::nn::qwen2_next_token_targets: token 0 has no context to predict it");
  std::vector<qwen2_target> t;
  for (std::size_t j = first; j < ids.size(); ++j) t.push_back({j - 1, ids[j]});
  return t;
}

}  // namespace gpta::nn
