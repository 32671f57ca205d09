// Hyper-parameters of a Qwen2-family decoder (what GGUF stores under "qwen2.*").
// Filled from a GGUF file by nn/qwen2/load_gguf.hpp, or by hand for tiny random test models.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace gpta::nn {

struct qwen2_config {
  std::size_t vocab_size = 151936;        ///< rows of token_embd.weight
  std::size_t hidden_size = 896;          ///< qwen2.embedding_length
  std::size_t num_layers = 24;            ///< qwen2.block_count
  std::size_t intermediate_size = 4864;   ///< qwen2.feed_forward_length
  std::size_t num_heads = 14;             ///< qwen2.attention.head_count
  std::size_t num_kv_heads = 2;           ///< qwen2.attention.head_count_kv (grouped-query attention)
  double rope_theta = 1000000.0;          ///< qwen2.rope.freq_base
  double rms_norm_eps = 1e-6;             ///< qwen2.attention.layer_norm_rms_epsilon
  std::size_t context_length = 32768;     ///< qwen2.context_length: the longest sequence accepted
  bool tied_embeddings = true;            ///< no output.weight: the LM head is token_embd.weight

  [[nodiscard]] std::size_t head_dim() const noexcept { return num_heads == 0 ? 0 : hidden_size / num_heads; }
  [[nodiscard]] std::size_t kv_dim() const noexcept { return head_dim() * num_kv_heads; }

  void validate() const {
    const std::string who = "gpta::nn::qwen2_config: ";
    if (vocab_size == 0 || hidden_size == 0 || num_layers == 0 || intermediate_size == 0 || num_heads == 0 ||
        num_kv_heads == 0 || context_length == 0)
      throw std::invalid_argument(who + "every size must be positive");
    if (hidden_size % num_heads != 0)
      throw std::invalid_argument(who + "hidden_size " + std::to_string(hidden_size) +
                                  " is not a multiple of num_heads " + std::to_string(num_heads));
    if (num_heads % num_kv_heads != 0)
      throw std::invalid_argument(who + "num_heads " + std::to_string(num_heads) +
                                  " is not a multiple of num_kv_heads " + std::to_string(num_kv_heads));
    if (head_dim() % 2 != 0) throw std::invalid_argument(who + "head_dim must be even (rotary embedding)");
    if (!(rope_theta > 0)) throw std::invalid_argument(who + "rope_theta must be > 0");
    if (!(rms_norm_eps > 0)) throw std::invalid_argument(who + "rms_norm_eps must be > 0");
  }
};

}  // namespace gpta::nn
