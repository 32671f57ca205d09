// Shared by the tiny-BERT student tests: the tiny configuration and the numbered filler words
// ("x0", "x1", ...) their vocabularies and long contexts are made of.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <gpta/data/choice_example.hpp>
#include <gpta/data/span_example.hpp>

#include <gpta/nn/bert_config.hpp>

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

/// A SQuAD-style question whose one gold answer is the first occurrence of `answer` in `context`.
inline span_example make_span_example(std::string question, std::string context, const std::string& answer,
                                      std::string id = "q") {
  span_example e;
  e.id = std::move(id);
  e.question = std::move(question);
  e.context = std::move(context);
  const std::size_t at = e.context.find(answer);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  e.answers.push_back({answer, at, data::char_offset_of(e.context, at)});
  return e;
}

/// A RACE-style question on `article` (passage "p").
inline choice_example make_choice_example(std::string article, std::string question, std::vector<std::string> options,
                                          int label, std::string id = "p:0") {
  choice_example e;
  e.id = std::move(id);
  e.passage_id = "p";
  e.article = std::move(article);
  e.question = std::move(question);
  e.options = std::move(options);
  e.label = label;
  return e;
}

}  // namespace gpta::test
