#include <gpta/nn/bert_config.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// The config.json of sentence-transformers/all-MiniLM-L6-v2 as published (ECOSYSTEM.md lists its
// sizes: hidden 384, 6 layers, 12 heads, intermediate 1536, 512 positions, vocab 30522).
const std::string minilm_json = R"({
  "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
  "architectures": ["BertModel"],
  "attention_probs_dropout_prob": 0.1,
  "gradient_checkpointing": false,
  "hidden_act": "gelu",
  "hidden_dropout_prob": 0.1,
  "hidden_size": 384,
  "initializer_range": 0.02,
  "intermediate_size": 1536,
  "layer_norm_eps": 1e-12,
  "max_position_embeddings": 512,
  "model_type": "bert",
  "num_attention_heads": 12,
  "num_hidden_layers": 6,
  "pad_token_id": 0,
  "position_embedding_type": "absolute",
  "transformers_version": "4.8.2",
  "type_vocab_size": 2,
  "use_cache": true,
  "vocab_size": 30522
})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  BOOST_TEST_REQUIRE(pos != std::string::npos, "test bug: '" << from << "' not in the JSON");
  return s.replace(pos, from.size(), to);
}

// parse_bert_config(json) must throw a data_error mentioning every needle.
void expect_error(const std::string& json, std::initializer_list<std::string> needles) {
  try {
    (void)gpta::parse_bert_config(json, "some/config.json");
    BOOST_ERROR("no error; expected one mentioning " << *needles.begin());
  } catch (const gpta::data_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("some/config.json") != std::string::npos, what);
    for (const auto& n : needles) BOOST_TEST(what.find(n) != std::string::npos, "'" << n << "' not in: " << what);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(parses_the_minilm_config) {
  const gpta::bert_config c = gpta::parse_bert_config(minilm_json);
  BOOST_TEST(c.vocab_size == 30522u);
  BOOST_TEST(c.hidden_size == 384u);
  BOOST_TEST(c.num_hidden_layers == 6u);
  BOOST_TEST(c.num_attention_heads == 12u);
  BOOST_TEST(c.head_size() == 32u);
  BOOST_TEST(c.intermediate_size == 1536u);
  BOOST_TEST(c.max_position_embeddings == 512u);
  BOOST_TEST(c.type_vocab_size == 2u);
  BOOST_TEST(c.layer_norm_eps == 1e-12);
  BOOST_TEST(c.hidden_act == "gelu");
  BOOST_TEST(c.hidden_dropout_prob == 0.1);
  BOOST_TEST(c.attention_probs_dropout_prob == 0.1);
}

BOOST_AUTO_TEST_CASE(missing_and_ill_typed_fields_are_named) {
  expect_error(replace(minilm_json, R"("hidden_size": 384,)", ""), {"'hidden_size'", "missing"});
  expect_error(replace(minilm_json, R"("vocab_size": 30522)", R"("vocab_size": "30522")"), {"'vocab_size'"});
  expect_error(replace(minilm_json, R"("num_hidden_layers": 6)", R"("num_hidden_layers": -6)"), {"'num_hidden_layers'"});
  expect_error(replace(minilm_json, R"("num_hidden_layers": 6)", R"("num_hidden_layers": 6.5)"), {"'num_hidden_layers'"});
  expect_error(replace(minilm_json, R"("layer_norm_eps": 1e-12)", R"("layer_norm_eps": null)"), {"'layer_norm_eps'"});
  expect_error(replace(minilm_json, R"("hidden_act": "gelu")", R"("hidden_act": 1)"), {"'hidden_act'"});
  expect_error(replace(minilm_json, R"("model_type": "bert")", R"("model_type": "roberta")"), {"'model_type'", "roberta"});
  expect_error(replace(minilm_json, R"("position_embedding_type": "absolute")", R"("position_embedding_type": "relative_key")"),
               {"'position_embedding_type'"});
  expect_error("{\"vocab_size\": 3", {"JSON"});
  expect_error("[]", {"object"});
}

BOOST_AUTO_TEST_CASE(validation_rejects_impossible_architectures) {
  expect_error(replace(minilm_json, R"("num_attention_heads": 12)", R"("num_attention_heads": 7)"),
               {"hidden_size 384", "num_attention_heads 7"});
  expect_error(replace(minilm_json, R"("num_attention_heads": 12)", R"("num_attention_heads": 0)"), {"num_attention_heads"});
  expect_error(replace(minilm_json, R"("hidden_dropout_prob": 0.1)", R"("hidden_dropout_prob": 1.5)"), {"hidden_dropout_prob"});
  expect_error(replace(minilm_json, R"("layer_norm_eps": 1e-12)", R"("layer_norm_eps": 0)"), {"layer_norm_eps"});

  gpta::bert_config c;
  c.hidden_size = 10;
  c.num_attention_heads = 3;
  BOOST_CHECK_THROW(c.validate(), std::invalid_argument);
  c.num_attention_heads = 5;
  BOOST_CHECK_NO_THROW(c.validate());
}

BOOST_AUTO_TEST_CASE(integer_valued_probabilities_are_numbers) {
  // HF writes 0 (not 0.0) for disabled dropout in some configs.
  const auto c = gpta::parse_bert_config(replace(minilm_json, R"("hidden_dropout_prob": 0.1)", R"("hidden_dropout_prob": 0)"));
  BOOST_TEST(c.hidden_dropout_prob == 0.0);
}

BOOST_AUTO_TEST_CASE(save_and_load_round_trip_through_a_file) {
  const fs::path dir = fs::temp_directory_path() / ("gpta_bert_config_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  gpta::bert_config c;
  c.vocab_size = 13;
  c.hidden_size = 8;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 12;
  c.max_position_embeddings = 7;
  c.layer_norm_eps = 1e-5;
  c.hidden_dropout_prob = 0.0;
  gpta::save_bert_config(dir / "config.json", c);
  BOOST_TEST((gpta::load_bert_config(dir / "config.json") == c));

  try {
    (void)gpta::load_bert_config(dir / "absent.json");
    BOOST_ERROR("loading a missing file did not throw");
  } catch (const gpta::data_error& e) {
    BOOST_TEST((e.code() == gpta::errc::file_not_found));
    BOOST_TEST(std::string(e.what()).find("absent.json") != std::string::npos);
  }
  {
    std::ofstream(dir / "broken.json") << replace(minilm_json, R"("intermediate_size": 1536,)", "");
  }
  try {
    (void)gpta::load_bert_config(dir / "broken.json");
    BOOST_ERROR("a config without intermediate_size did not throw");
  } catch (const gpta::data_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("broken.json") != std::string::npos, what);
    BOOST_TEST(what.find("'intermediate_size'") != std::string::npos, what);
  }
  fs::remove_all(dir);
}
