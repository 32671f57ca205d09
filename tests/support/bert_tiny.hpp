// Shared by the tiny-BERT student tests: the tiny configuration and the numbered filler words
// ("x0", "x1", ...) their vocabularies and long contexts are made of.
#pragma once

#include <cstddef>
#include <string>

#include <gpta/student/bert_config.hpp>

namespace gpta::test {

// Appends only: `"x" + std::to_string(i)` trips GCC 12's false -Wrestrict (PR 105329).
inline std::string xname(std::size_t i) {
  std::string s("x");
  s += std::to_string(i);
  return s;
}

/// 2 layers, hidden 32, 2 heads, ffn 64, 32 positions, 2 token types.
inline gpta::bert_config tiny_bert_config(std::size_t vocab) {
  gpta::bert_config c;
  c.vocab_size = vocab;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 64;
  c.max_position_embeddings = 32;
  c.type_vocab_size = 2;
  return c;
}

}  // namespace gpta::test
