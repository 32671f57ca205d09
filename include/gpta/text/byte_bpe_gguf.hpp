// The byte-level BPE tokenizer stored in a GGUF checkpoint's metadata (tokenizer.ggml.*).
// Only what text/byte_bpe.hpp implements is accepted: model "gpt2" with pre-tokeniser "qwen2".
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <gpta/detail/error.hpp>
#include <gpta/nn/gguf.hpp>
#include <gpta/text/byte_bpe.hpp>

namespace gpta::text {

/// The vocabulary, merges, token types and special ids of `f`. A file describing another tokenizer
/// (a different model or pre-tokeniser would split text differently, silently) or holding an
/// inconsistent vocabulary is a data_error naming the file and the key.
[[nodiscard]] inline byte_bpe_vocab read_byte_bpe_vocab(const gpta::nn::gguf_file& f) {
  const auto fail = [&](const std::string& what) -> void {
    throw data_error(errc::bad_header, f.path(), 0, "tokenizer: " + what);
  };
  const std::string model = f.get_string("tokenizer.ggml.model");
  if (model != "gpt2")
    fail("tokenizer.ggml.model is '" + model + "'; gpta::text::byte_bpe reads byte-level BPE ('gpt2') only");
  if (!f.contains("tokenizer.ggml.pre")) fail("tokenizer.ggml.pre is missing; expected 'qwen2'");
  const std::string pre = f.get_string("tokenizer.ggml.pre");
  if (pre != "qwen2")
    fail("tokenizer.ggml.pre is '" + pre + "'; gpta::text::byte_bpe implements the 'qwen2' pre-tokeniser only");

  byte_bpe_vocab v;
  v.tokens = f.get_strings("tokenizer.ggml.tokens");
  v.merges = f.get_strings("tokenizer.ggml.merges");
  if (f.contains("tokenizer.ggml.token_type")) {
    const auto types = f.get_ints("tokenizer.ggml.token_type");
    if (types.size() != v.tokens.size())
      fail("tokenizer.ggml.token_type has " + std::to_string(types.size()) + " entries for " +
           std::to_string(v.tokens.size()) + " tokens");
    v.token_types.reserve(types.size());
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (types[i] < 0 || types[i] > 6)
        fail("tokenizer.ggml.token_type[" + std::to_string(i) + "] is " + std::to_string(types[i]) + ", not a token type (0-6)");
      v.token_types.push_back(static_cast<std::int32_t>(types[i]));
    }
  }
  const auto id = [&](std::string_view key) -> std::int32_t {
    if (!f.contains(key)) return -1;
    const std::uint64_t x = f.get_uint(key);
    if (x >= v.tokens.size())
      fail(std::string(key) + " is " + std::to_string(x) + ", outside the vocabulary of " + std::to_string(v.tokens.size()));
    return static_cast<std::int32_t>(x);
  };
  v.bos = id("tokenizer.ggml.bos_token_id");
  v.eos = id("tokenizer.ggml.eos_token_id");
  v.pad = id("tokenizer.ggml.padding_token_id");
  return v;
}

/// read_byte_bpe_vocab() turned into a tokenizer; vocabulary errors found while building it
/// (a merge naming an unknown token, a byte without a token) become data_errors naming the file.
[[nodiscard]] inline byte_bpe load_byte_bpe(const gpta::nn::gguf_file& f) {
  byte_bpe_vocab v = read_byte_bpe_vocab(f);
  try {
    return byte_bpe(std::move(v));
  } catch (const std::invalid_argument& e) {
    throw data_error(errc::bad_header, f.path(), 0, std::string("tokenizer: ") + e.what());
  }
}

}  // namespace gpta::text
