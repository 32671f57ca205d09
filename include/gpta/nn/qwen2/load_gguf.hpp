// Reads a Qwen2 decoder (config + weights dequantised to float) from a GGUF file (llama.cpp's format).
// Kept apart from config/weights/decoder so tiny random models build without the GGUF reader.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <gpta/nn/gguf.hpp>
#include <gpta/nn/gguf_dequant.hpp>
#include <gpta/nn/qwen2/config.hpp>
#include <gpta/nn/qwen2/decoder.hpp>
#include <gpta/nn/qwen2/weights.hpp>

namespace gpta::nn {

/// Every hyper-parameter from the "qwen2.*" metadata; the vocabulary from token_embd's shape; a
/// tied head when the file has no output.weight. Anything else than general.architecture = qwen2
/// is refused (LLaMA-family files need a different RoPE layout and no QKV bias).
[[nodiscard]] inline qwen2_config qwen2_config_from_gguf(const gguf_file& f) {
  const std::string arch = f.get_string("general.architecture");
  if (arch != "qwen2")
    throw std::invalid_argument("gpta::nn::qwen2_config_from_gguf: " + f.path().string() + " is a '" + arch +
                                "' model, not qwen2");
  qwen2_config c;
  c.num_layers = static_cast<std::size_t>(f.get_uint("qwen2.block_count"));
  c.hidden_size = static_cast<std::size_t>(f.get_uint("qwen2.embedding_length"));
  c.intermediate_size = static_cast<std::size_t>(f.get_uint("qwen2.feed_forward_length"));
  c.num_heads = static_cast<std::size_t>(f.get_uint("qwen2.attention.head_count"));
  c.num_kv_heads = static_cast<std::size_t>(f.get_uint("qwen2.attention.head_count_kv"));
  c.rope_theta = f.get_float("qwen2.rope.freq_base");
  c.rms_norm_eps = f.get_float("qwen2.attention.layer_norm_rms_epsilon");
  c.context_length = static_cast<std::size_t>(f.get_uint("qwen2.context_length"));
  const auto& embd = f.tensor("token_embd.weight");
  if (embd.shape.size() != 2 || embd.shape[0] != c.hidden_size)
    throw std::invalid_argument("gpta::nn::qwen2_config_from_gguf: " + f.path().string() +
                                ": token_embd.weight is not [embedding_length x vocab]");
  c.vocab_size = static_cast<std::size_t>(embd.shape[1]);
  c.tied_embeddings = f.find_tensor("output.weight") == nullptr;
  c.validate();
  return c;
}

namespace detail {

/// Dequantises tensor `name` into `dst` (already shaped [rows x cols], row-major), checking that
/// the GGUF shape is [ne0 = cols, ne1 = rows]. Rows are decoded in parallel blocks.
template <class Scalar>
void qwen2_load_tensor(const gguf_file& f, const std::string& name, row_matrix<Scalar>& dst) {
  const auto& t = f.tensor(name);
  const auto rows = static_cast<std::uint64_t>(dst.rows()), cols = static_cast<std::uint64_t>(dst.cols());
  const bool ok = (t.shape.size() == 2 && t.shape[0] == cols && t.shape[1] == rows) ||
                  (t.shape.size() == 1 && rows == 1 && t.shape[0] == cols);
  if (!ok) {
    std::string s;
    for (auto d : t.shape) s += (s.empty() ? "" : " x ") + std::to_string(d);
    throw std::invalid_argument("gpta::nn::load_qwen2: " + f.path().string() + ": tensor '" + name + "' has shape [" + s +
                                "] (ne0 first), the config needs [" + std::to_string(cols) + " x " +
                                std::to_string(rows) + "]");
  }
  gguf_check_dequantizable(f, t);  // before the parallel loop: nothing may throw inside it
  const auto n_rows = static_cast<std::ptrdiff_t>(rows);
  constexpr std::ptrdiff_t block = 256;
  const std::ptrdiff_t blocks = (n_rows + block - 1) / block;
  std::vector<float> tmp;
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1) private(tmp) if (blocks > 1)
#endif
  for (std::ptrdiff_t b = 0; b < blocks; ++b) {
    const std::ptrdiff_t first = b * block, n = std::min(block, n_rows - first);
    const std::size_t count = static_cast<std::size_t>(n) * static_cast<std::size_t>(cols);
    if constexpr (std::is_same_v<Scalar, float>) {
      dequantize_rows(f, t, static_cast<std::size_t>(first), static_cast<std::size_t>(n),
                      std::span<float>(dst.data() + first * static_cast<std::ptrdiff_t>(cols), count));
    } else {
      tmp.resize(count);
      dequantize_rows(f, t, static_cast<std::size_t>(first), static_cast<std::size_t>(n), std::span<float>(tmp));
      for (std::size_t i = 0; i < count; ++i)
        dst.data()[first * static_cast<std::ptrdiff_t>(cols) + static_cast<std::ptrdiff_t>(i)] = static_cast<Scalar>(tmp[i]);
    }
  }
}

}  // namespace detail

/// Every weight of the model, dequantised (F32, F16, Q8_0, Q5_0, Q4_K, Q6_K, ... as gguf_dequant
/// decodes them) to Scalar. About 4 bytes x 494M parameters = 2 GB for the 0.5B model in float.
template <class Scalar>
[[nodiscard]] qwen2_weights<Scalar> load_qwen2_weights(const gguf_file& f, const qwen2_config& c) {
  qwen2_weights<Scalar> w;
  w.resize(c);
  detail::qwen2_load_tensor(f, "token_embd.weight", w.token_embd);
  detail::qwen2_load_tensor(f, "output_norm.weight", w.output_norm);
  if (!c.tied_embeddings) detail::qwen2_load_tensor(f, "output.weight", w.output);
  for (std::size_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    auto& b = w.layers[l];
    detail::qwen2_load_tensor(f, p + "attn_norm.weight", b.attn_norm);
    detail::qwen2_load_tensor(f, p + "attn_q.weight", b.q);
    detail::qwen2_load_tensor(f, p + "attn_k.weight", b.k);
    detail::qwen2_load_tensor(f, p + "attn_v.weight", b.v);
    detail::qwen2_load_tensor(f, p + "attn_q.bias", b.q_bias);
    detail::qwen2_load_tensor(f, p + "attn_k.bias", b.k_bias);
    detail::qwen2_load_tensor(f, p + "attn_v.bias", b.v_bias);
    detail::qwen2_load_tensor(f, p + "attn_output.weight", b.o);
    detail::qwen2_load_tensor(f, p + "ffn_norm.weight", b.ffn_norm);
    detail::qwen2_load_tensor(f, p + "ffn_gate.weight", b.gate);
    detail::qwen2_load_tensor(f, p + "ffn_up.weight", b.up);
    detail::qwen2_load_tensor(f, p + "ffn_down.weight", b.down);
  }
  return w;
}

/// Opens `path` and builds the decoder (the file is closed again: weights are copies).
template <class Scalar = float>
[[nodiscard]] qwen2_decoder<Scalar> load_qwen2(const std::filesystem::path& path) {
  const auto f = gguf_file::open(path);
  auto c = qwen2_config_from_gguf(f);
  return qwen2_decoder<Scalar>(c, load_qwen2_weights<Scalar>(f, c));
}

}  // namespace gpta::nn
