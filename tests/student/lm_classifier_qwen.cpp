// gpta-test-labels: integration
// gpta-test-seconds: 155
#include <gpta/student/lm_classifier.hpp>

#include <gpta/data/sst2.hpp>
#include <gpta/detail/random.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

// The label-word classifier on the real Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF, dequantised):
// the base hash, SST-2's label words as single answer tokens, shared-head scoring against full
// prompts, zero-shot accuracy with an instruction, and a LoRA step that lowers the loss.

namespace {

std::filesystem::path model_path() {
  const char* p = std::getenv("GPTA_QWEN05B_GGUF");
  // Failing, not skipping: a skipped checkpoint test would count as a pass.
  if (!p || !*p)
    BOOST_FAIL("GPTA_QWEN05B_GGUF is not set: run scripts/install_models.sh and export GPTA_QWEN05B_GGUF="
               "$(scripts/install_models.sh path qwen0.5b)");
  return p;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double accuracy(const std::vector<int>& pred, const std::vector<gpta::text_example>& ex) {
  std::size_t ok = 0;
  for (std::size_t i = 0; i < ex.size(); ++i) ok += pred[i] == ex[i].label;
  return static_cast<double>(ok) / static_cast<double>(ex.size());
}

}  // namespace

BOOST_AUTO_TEST_CASE(qwen05b_classifies_sst2_zero_shot_and_lora_lowers_its_loss) {
  auto t0 = std::chrono::steady_clock::now();
  const auto base = gpta::student::load_lm_base<float>(model_path());
  BOOST_TEST_MESSAGE("loaded, dequantised and hashed in " << seconds_since(t0) << " s");
  BOOST_TEST(base->sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32");

  gpta::lm_classifier_options o;
  o.labels = {"negative", "positive"};
  o.prompt.max_length = 96;
  o.tuning.learning_rate = 1e-3;
  o.tuning.seed = 3;
  gpta::lm_classifier c(base, o);
  BOOST_TEST(c.single_token_labels());  // "negative" and "positive" are one Qwen2 token each

  // 4 balanced training rows and 24 evaluation rows, drawn with a fixed seed.
  const auto ds = gpta::data::load_sst2(GPTA_TEST_SHARED_DATA_DIR "/sst2/train.tsv");
  std::vector<std::size_t> rows(ds.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  std::mt19937_64 rng(2026);
  gpta::detail::shuffle(rows, rng);
  std::vector<gpta::text_example> train, eval;
  std::size_t per_class[2] = {0, 0};
  for (const auto r : rows) {
    const auto& e = ds.examples[r];
    if (train.size() < 4 && per_class[e.label] < 2) {
      train.push_back(e);
      ++per_class[e.label];
    } else if (eval.size() < 24) {
      eval.push_back(e);
    }
    if (train.size() == 4 && eval.size() == 24) break;
  }
  const std::string instruction = "Classify the sentiment of this movie review as positive or negative.";

  // Shared-head scoring equals scoring each whole prompt (float tolerance).
  t0 = std::chrono::steady_clock::now();
  const auto s = c.scores(std::span(eval).first(2), instruction);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto prompt = c.encode(instruction, eval[i].text);
    for (std::size_t k = 0; k < 2; ++k) {
      gpta::nn::qwen2_targets t{{{prompt.size() - 1, c.prompt().encode_answer(o.labels[k])[0]}}};
      const double full = c.tuner().base().decoder.log_probs({prompt}, t, &c.tuner().adapters())[0];
      BOOST_TEST(std::abs(s[i][k] - full) < 1e-3, "example " << i << " class " << k);
    }
  }

  const auto pred = c.predict(eval, instruction);
  const double zero_shot = accuracy(pred, eval);
  BOOST_TEST_MESSAGE("zero-shot accuracy with the instruction: " << zero_shot << " on " << eval.size()
                     << " rows (" << seconds_since(t0) << " s with the checks above)");
  // Well above chance and not one class for everything (the model reads the instruction; a broken
  // decoder or prompt scores like a coin or a constant). Measured: 0.75.
  BOOST_TEST(zero_shot >= 0.65);
  BOOST_TEST(std::count(pred.begin(), pred.end(), 1) > 3);
  BOOST_TEST(std::count(pred.begin(), pred.end(), 0) > 3);

  t0 = std::chrono::steady_clock::now();
  const double before = c.loss(train, instruction);
  const double last = c.train_step(train, instruction);  // one step: the big model is used sparingly in CI
  const double after = c.loss(train, instruction);
  BOOST_TEST_MESSAGE("LoRA: loss on the 4 training rows " << before << " -> " << after << " after 1 step ("
                     << seconds_since(t0) << " s)");
  BOOST_TEST(after < before);
  BOOST_TEST(last > 0);
}
