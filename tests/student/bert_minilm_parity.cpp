#include <gpta/nn/bert_encoder.hpp>
// gpta-test-labels: integration
#include <gpta/nn/bert_checkpoint.hpp>
#include <gpta/nn/bert_config.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

// Forward parity with PyTorch + transformers on the real all-MiniLM-L6-v2 weights: the fixture
// (tests/fixtures/minilm_hidden.json, made by scripts/fixtures/make_minilm_fixture.py) holds the
// reference last hidden state of every real token of a few sentences, one of them a pair.

#include "support/fixtures.hpp"

namespace {

std::filesystem::path model_dir() {
  const char* dir = std::getenv("GPTA_MINILM_DIR");
  if (!dir || !*dir)
    BOOST_FAIL("GPTA_MINILM_DIR is not set: run `export GPTA_MINILM_DIR=\"$(scripts/install_models.sh)\"` first");
  return dir;
}

boost::json::object fixture() { return gpta::test::read_fixture("minilm_hidden.json"); }

std::vector<std::int32_t> ints(const boost::json::value& v) {
  std::vector<std::int32_t> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<std::int32_t>(x.to_number<std::int64_t>()));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(minilm_last_hidden_state_matches_pytorch) {
  const auto dir = model_dir();
  const auto cfg = gpta::load_bert_config(dir / "config.json");
  gpta::nn::parameter_store<float> params;
  gpta::nn::bert_encoder<float> enc(cfg, params);
  const auto report = gpta::nn::load_parameters(params, dir / "model.safetensors");
  BOOST_TEST(report.missing.empty());
  BOOST_TEST(report.loaded.size() == params.slots().size());

  const auto doc = fixture();
  const auto& sentences = doc.at("sentences").as_array();
  BOOST_REQUIRE(sentences.size() >= 3);
  std::vector<gpta::nn::token_sequence> seqs;
  for (const auto& s : sentences)
    seqs.push_back({ints(s.at("input_ids")), ints(s.at("token_type_ids"))});

  // All sentences in one right-padded batch, as training batches are.
  const auto batch = gpta::nn::make_bert_batch(seqs);
  BOOST_TEST(batch.seq_len > batch.lengths.front());  // some padding is really there
  gpta::nn::bert_encoder_workspace<float> ws;
  enc.forward(batch, params, {}, ws, false);

  double worst = 0;
  std::size_t compared = 0;
  for (std::size_t b = 0; b < sentences.size(); ++b) {
    const auto& rows = sentences[b].at("last_hidden_state").as_array();
    BOOST_REQUIRE(static_cast<Eigen::Index>(rows.size()) == batch.lengths[b]);
    for (std::size_t l = 0; l < rows.size(); ++l) {
      const auto& ref = rows[l].as_array();
      BOOST_REQUIRE(static_cast<Eigen::Index>(ref.size()) == enc.hidden_size());
      const auto got = ws.output().row(batch.row(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(l)));
      for (std::size_t c = 0; c < ref.size(); ++c) {
        worst = std::max(worst, std::abs(static_cast<double>(got(static_cast<Eigen::Index>(c))) - ref[c].to_number<double>()));
        ++compared;
      }
    }
  }
  BOOST_TEST_MESSAGE("compared " << compared << " values, max abs diff " << worst);
  BOOST_TEST(compared > 20000u);
  BOOST_TEST(worst <= 1e-4);

  // The same holds with training-mode code paths minus dropout (keep_activations).
  gpta::nn::bert_encoder_workspace<float> ws2;
  enc.forward(batch, params, {}, ws2, true);
  BOOST_TEST((ws2.output() - ws.output()).cwiseAbs().maxCoeff() == 0.0f);
}
