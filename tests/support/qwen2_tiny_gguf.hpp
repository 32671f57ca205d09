// A complete tiny Qwen2 GGUF file (F32 weights, byte-level BPE tokenizer with ChatML markers) for
// tests of the causal-LM students: loads through the same path as the real 0.5B file.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gpta/data/utf8.hpp>
#include <gpta/nn/qwen2/weights.hpp>
#include <gpta/text/byte_bpe.hpp>

#include "support/gguf_builder.hpp"
#include "support/qwen2_tiny.hpp"

namespace gpta::test {

/// Merges that make " good", " bad", "good" and "bad" single tokens (ids 256..263), then
/// <|endoftext|> 264, <|im_start|> 265, <|im_end|> 266.
inline const std::vector<std::string> tiny_lm_merges{"g o", "go o", "goo d", "b a", "ba d", "Ġ good", "Ġ bad", "Ġ g"};
inline constexpr std::int32_t tiny_lm_endoftext = 264, tiny_lm_im_start = 265, tiny_lm_im_end = 266;

/// Writes the model: tiny_qwen2_config()'s shape with this vocabulary (267) and a context of 256.
/// `weight_std` scales the random weights: the frozen LM head of a tiny model can only reach
/// confident predictions when its rows are large enough.
inline nn::qwen2_config write_tiny_qwen2_gguf(const std::filesystem::path& path, std::uint64_t seed, bool tied = false,
                                              double weight_std = 0.3) {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    gpta::data::detail::append_utf8_unchecked(s, gpta::text::detail::byte_to_unicode[static_cast<std::size_t>(b)]);
    tokens.push_back(s);
  }
  for (const auto& m : tiny_lm_merges) tokens.push_back(m.substr(0, m.find(' ')) + m.substr(m.find(' ') + 1));
  tokens.insert(tokens.end(), {"<|endoftext|>", "<|im_start|>", "<|im_end|>"});
  std::vector<gguf_node> types(tokens.size(), gguf_node::i32(1));
  for (std::size_t i = tokens.size() - 3; i < tokens.size(); ++i) types[i] = gguf_node::i32(3);

  auto c = tiny_qwen2_config(tied);
  c.vocab_size = tokens.size();
  c.context_length = 256;
  nn::qwen2_weights<float> w;
  w.init_random(c, seed, weight_std);

  gguf_builder g;
  g.kv("general.architecture", gguf_node::str("qwen2"))
      .kv("qwen2.block_count", gguf_node::u32(static_cast<std::uint32_t>(c.num_layers)))
      .kv("qwen2.context_length", gguf_node::u32(static_cast<std::uint32_t>(c.context_length)))
      .kv("qwen2.embedding_length", gguf_node::u32(static_cast<std::uint32_t>(c.hidden_size)))
      .kv("qwen2.feed_forward_length", gguf_node::u32(static_cast<std::uint32_t>(c.intermediate_size)))
      .kv("qwen2.attention.head_count", gguf_node::u32(static_cast<std::uint32_t>(c.num_heads)))
      .kv("qwen2.attention.head_count_kv", gguf_node::u32(static_cast<std::uint32_t>(c.num_kv_heads)))
      .kv("qwen2.rope.freq_base", gguf_node::f32(static_cast<float>(c.rope_theta)))
      .kv("qwen2.attention.layer_norm_rms_epsilon", gguf_node::f32(static_cast<float>(c.rms_norm_eps)))
      .kv("tokenizer.ggml.model", gguf_node::str("gpt2"))
      .kv("tokenizer.ggml.pre", gguf_node::str("qwen2"))
      .kv("tokenizer.ggml.tokens", gguf_node::strings(tokens))
      .kv("tokenizer.ggml.merges", gguf_node::strings(tiny_lm_merges))
      .kv("tokenizer.ggml.token_type", gguf_node::array(5, types))
      .kv("tokenizer.ggml.eos_token_id", gguf_node::u32(static_cast<std::uint32_t>(tiny_lm_endoftext)))
      .kv("tokenizer.ggml.padding_token_id", gguf_node::u32(static_cast<std::uint32_t>(tiny_lm_endoftext)));
  const auto add = [&](const std::string& name, const nn::row_matrix<float>& m) {
    std::string data(static_cast<std::size_t>(m.size()) * sizeof(float), '\0');
    std::memcpy(data.data(), m.data(), data.size());
    std::vector<std::uint64_t> shape{static_cast<std::uint64_t>(m.cols())};
    if (m.rows() > 1) shape.push_back(static_cast<std::uint64_t>(m.rows()));
    g.tensor({name, shape, 0, std::move(data)});
  };
  add("token_embd.weight", w.token_embd);
  add("output_norm.weight", w.output_norm);
  if (!tied) add("output.weight", w.output);
  for (std::size_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    const auto& b = w.layers[l];
    add(p + "attn_norm.weight", b.attn_norm);
    add(p + "attn_q.weight", b.q);
    add(p + "attn_k.weight", b.k);
    add(p + "attn_v.weight", b.v);
    add(p + "attn_q.bias", b.q_bias);
    add(p + "attn_k.bias", b.k_bias);
    add(p + "attn_v.bias", b.v_bias);
    add(p + "attn_output.weight", b.o);
    add(p + "ffn_norm.weight", b.ffn_norm);
    add(p + "ffn_gate.weight", b.gate);
    add(p + "ffn_up.weight", b.up);
    add(p + "ffn_down.weight", b.down);
  }
  g.write(path);
  return c;
}

}  // namespace gpta::test
