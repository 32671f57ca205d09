// gpta-test-labels: integration
// gpta-test-seconds: 20
#include <gpta/nn/qwen2/generate.hpp>
#include <gpta/nn/qwen2/load_gguf.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

// Forward parity of the host Qwen2 decoder with PyTorch transformers loading the same GGUF
// (Qwen2.5-Coder-0.5B-Instruct Q4_K_M, dequantised to float32 on both sides). The fixture
// tests/fixtures/qwen2_logits.json (scripts/fixtures/qwen2_reference.py) holds each prompt's token
// ids and, at three positions, the top-50 logits and the logits at 50 fixed vocabulary ids.

#include "support/fixtures.hpp"

namespace {

// Greedy decoding of at most `max_new` tokens, ending at a token of `stop`.
gpta::nn::generation_options decoding(std::size_t max_new, const std::vector<std::int32_t>& stop) {
  gpta::nn::generation_options o;
  o.max_new_tokens = max_new;
  o.stop = stop;
  return o;
}

std::filesystem::path model_path() {
  const char* p = std::getenv("GPTA_QWEN05B_GGUF");
  // Failing, not skipping: a skipped checkpoint test would count as a pass.
  if (!p || !*p)
    BOOST_FAIL("GPTA_QWEN05B_GGUF is not set: run scripts/install_models.sh and export GPTA_QWEN05B_GGUF="
               "<path to qwen2.5-coder-0.5b-instruct-q4_k_m.gguf>");
  return p;
}

boost::json::object fixture() { return gpta::test::read_fixture("qwen2_logits.json"); }

std::vector<std::int32_t> ints(const boost::json::value& v) {
  std::vector<std::int32_t> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<std::int32_t>(x.to_number<std::int64_t>()));
  return out;
}

// Loaded once for every test case: dequantising 494M weights is the slow part.
gpta::nn::qwen2_decoder<float>& model() {
  static std::unique_ptr<gpta::nn::qwen2_decoder<float>> m;
  if (!m) {
    const auto t0 = std::chrono::steady_clock::now();
    m = std::make_unique<gpta::nn::qwen2_decoder<float>>(gpta::nn::load_qwen2<float>(model_path()));
    BOOST_TEST_MESSAGE("loaded + dequantised in "
                       << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
  }
  return *m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(config_comes_from_the_gguf_metadata) {
  const auto f = gpta::nn::gguf_file::open(model_path());
  const auto c = gpta::nn::qwen2_config_from_gguf(f);
  BOOST_TEST(c.num_layers == 24u);
  BOOST_TEST(c.hidden_size == 896u);
  BOOST_TEST(c.intermediate_size == 4864u);
  BOOST_TEST(c.num_heads == 14u);
  BOOST_TEST(c.num_kv_heads == 2u);
  BOOST_TEST(c.head_dim() == 64u);
  BOOST_TEST(c.vocab_size == 151936u);
  BOOST_TEST(c.rope_theta == 1e6);
  BOOST_TEST(std::abs(c.rms_norm_eps - 1e-6) < 1e-12);
  BOOST_TEST(c.context_length == 32768u);
  // This file carries its own output.weight (Q8_0, token_embd is Q5_0), and transformers uses it.
  BOOST_TEST(!c.tied_embeddings);
  BOOST_TEST(!fixture().at("tied_lm_head").as_bool());
}

BOOST_AUTO_TEST_CASE(logits_match_transformers_on_the_same_gguf) {
  const auto doc = fixture();
  const auto fixed_ids = ints(doc.at("fixed_ids"));
  auto& m = model();
  double worst = 0;
  std::size_t compared = 0;
  for (const auto& pv : doc.at("prompts").as_array()) {
    const auto& p = pv.as_object();
    const auto ids = ints(p.at("ids"));
    std::vector<gpta::nn::qwen2_query> queries;
    for (const auto& e : p.at("logits").as_array())
      queries.push_back({0, static_cast<std::size_t>(e.as_object().at("position").to_number<std::int64_t>())});
    const auto t0 = std::chrono::steady_clock::now();
    const auto z = m.logits({ids}, queries);
    BOOST_TEST_MESSAGE(p.at("label").as_string().c_str()
                       << ": " << ids.size() << " tokens, forward + " << queries.size() << " head rows in "
                       << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
    std::size_t q = 0;
    for (const auto& e : p.at("logits").as_array()) {
      const auto& eo = e.as_object();
      const auto top_ids = ints(eo.at("top_ids"));
      const auto& top = eo.at("top_logits").as_array();
      const auto& fixed = eo.at("fixed_logits").as_array();
      const auto row = static_cast<Eigen::Index>(q++);
      for (std::size_t i = 0; i < top_ids.size(); ++i) {
        worst = std::max(worst, std::abs(static_cast<double>(z(row, top_ids[i])) - top[i].to_number<double>()));
        ++compared;
      }
      for (std::size_t i = 0; i < fixed_ids.size(); ++i) {
        worst = std::max(worst, std::abs(static_cast<double>(z(row, fixed_ids[i])) - fixed[i].to_number<double>()));
        ++compared;
      }
      Eigen::Index arg = 0;
      z.row(row).maxCoeff(&arg);
      BOOST_TEST(arg == top_ids[0], "argmax at position " << eo.at("position"));
    }
  }
  BOOST_TEST_MESSAGE("max |logit - transformers| over " << compared << " values: " << worst);
  BOOST_TEST(worst <= 1e-3);
}

BOOST_AUTO_TEST_CASE(greedy_decoding_with_the_kv_cache_matches_transformers_generate) {
  const auto doc = fixture();
  auto& m = model();
  // <|endoftext|> and <|im_end|>: the ids transformers' generation config stops on for this model.
  const std::vector<std::int32_t> stop{151643, 151645};
  for (const auto& pv : doc.at("prompts").as_array()) {
    const auto& p = pv.as_object();
    const auto want = ints(p.at("greedy"));
    const auto t0 = std::chrono::steady_clock::now();
    const auto got = gpta::nn::generate(m, ints(p.at("ids")), decoding(8, stop));
    BOOST_TEST_MESSAGE(p.at("label").as_string().c_str()
                       << ": " << got.size() << " greedy tokens in "
                       << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
    BOOST_TEST(got == want, p.at("label").as_string().c_str());
  }
}
