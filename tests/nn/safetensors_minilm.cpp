// gpta-test-labels: integration
#include <gpta/nn/safetensors.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gpta/nn/bert_config.hpp>

// The real MiniLM checkpoint (scripts/install_models.sh) read through safetensors_file + bert_config.

namespace fs = std::filesystem;

namespace {

fs::path model_dir() {
  const char* dir = std::getenv("GPTA_MINILM_DIR");
  // Failing, not skipping: a skipped checkpoint test would count as a pass.
  BOOST_TEST_REQUIRE(dir != nullptr,
                     "GPTA_MINILM_DIR is not set: run scripts/install_models.sh and export GPTA_MINILM_DIR=$(scripts/install_models.sh path)");
  return dir;
}

}  // namespace

BOOST_AUTO_TEST_CASE(config_is_minilm_l6_h384) {
  // Sizes as ECOSYSTEM.md documents the published model.
  const gpta::bert_config c = gpta::load_bert_config(model_dir() / "config.json");
  BOOST_TEST(c.vocab_size == 30522u);
  BOOST_TEST(c.hidden_size == 384u);
  BOOST_TEST(c.num_hidden_layers == 6u);
  BOOST_TEST(c.num_attention_heads == 12u);
  BOOST_TEST(c.intermediate_size == 1536u);
  BOOST_TEST(c.max_position_embeddings == 512u);
  BOOST_TEST(c.hidden_act == "gelu");
}

BOOST_AUTO_TEST_CASE(every_encoder_tensor_is_present_with_the_configured_shape) {
  const fs::path dir = model_dir();
  const gpta::bert_config c = gpta::load_bert_config(dir / "config.json");
  const auto f = gpta::nn::safetensors_file::open(dir / "model.safetensors");
  const auto H = static_cast<std::int64_t>(c.hidden_size), I = static_cast<std::int64_t>(c.intermediate_size);
  auto shape_of = [&](const std::string& name) {
    const auto resolved = f.resolve(name);
    BOOST_TEST_REQUIRE(resolved.has_value(), "missing tensor " << name);
    return f.info(*resolved).shape;
  };
  using shape = std::vector<std::int64_t>;
  BOOST_TEST(shape_of("embeddings.word_embeddings.weight") == (shape{static_cast<std::int64_t>(c.vocab_size), H}));
  BOOST_TEST(shape_of("embeddings.position_embeddings.weight") ==
             (shape{static_cast<std::int64_t>(c.max_position_embeddings), H}));
  BOOST_TEST(shape_of("bert.embeddings.token_type_embeddings.weight") ==
             (shape{static_cast<std::int64_t>(c.type_vocab_size), H}));
  for (std::size_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    for (const char* w : {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
      BOOST_TEST(shape_of(p + w + ".weight") == (shape{H, H}), p + w);
      BOOST_TEST(shape_of(p + w + ".bias") == (shape{H}), p + w);
    }
    BOOST_TEST(shape_of(p + "intermediate.dense.weight") == (shape{I, H}));  // [out, in], PyTorch Linear layout
    BOOST_TEST(shape_of(p + "output.dense.weight") == (shape{H, I}));
    BOOST_TEST(shape_of(p + "output.LayerNorm.weight") == (shape{H}));
  }
  BOOST_TEST(f.metadata().at("format") == "pt");
}

BOOST_AUTO_TEST_CASE(weights_read_as_finite_floats_and_match_an_independent_reader) {
  const auto f = gpta::nn::safetensors_file::open(model_dir() / "model.safetensors");
  const std::vector<float> ln = f.read_f32("embeddings.LayerNorm.weight");
  BOOST_TEST(ln.size() == 384u);
  for (float x : ln) BOOST_TEST(std::isfinite(x));
  // First three values as Python's struct.unpack('<3f', ...) reads them from the same file.
  // (Python prints the exact float widened to double, so the casts below are exact.)
  BOOST_TEST(ln[0] == static_cast<float>(0.5989283323287964));
  BOOST_TEST(ln[1] == static_cast<float>(0.583594799041748));
  BOOST_TEST(ln[2] == static_cast<float>(0.6335410475730896));
  const std::vector<float> word = f.read_f32("embeddings.word_embeddings.weight");
  BOOST_TEST(word.size() == 30522u * 384u);
  // position_ids is an I64 buffer, not a weight.
  BOOST_TEST(f.info("embeddings.position_ids").dtype == "I64");
  BOOST_CHECK_THROW((void)f.read_f32("embeddings.position_ids"), gpta::data_error);
}
