#include <gpta/backend/bert_model.hpp>
// gpta-test-labels: integration
#include <gpta/student/bert_student.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <vector>
#include "support/relative_error.hpp"

// The MiniLM student (real all-MiniLM-L6-v2 weights, GPTA_MINILM_DIR) fine-tuned for 3 steps on the
// Thrust OMP backend and on the host from the same weights: losses, parameters and logits agree.

namespace {

using gpta::test::relative_error;

namespace gb = gpta::backend;
namespace nn = gpta::nn;

std::filesystem::path model_dir() {
  const char* dir = std::getenv("GPTA_MINILM_DIR");
  if (!dir || !*dir)
    BOOST_FAIL("GPTA_MINILM_DIR is not set: run scripts/install_models.sh and export "
               "GPTA_MINILM_DIR=$(scripts/install_models.sh path)");
  return dir;
}

// batch sequences of up to seq_len real word pieces ([CLS] ... [SEP]), the first one full length.
nn::bert_batch random_batch(std::mt19937_64& rng, std::size_t batch, std::size_t seq_len) {
  std::vector<nn::token_sequence> seqs(batch);
  for (std::size_t b = 0; b < batch; ++b) {
    const std::size_t n = b == 0 ? seq_len : 8 + rng() % (seq_len - 7);
    seqs[b].input_ids.push_back(101);
    for (std::size_t l = 1; l + 1 < n; ++l)
      seqs[b].input_ids.push_back(static_cast<std::int32_t>(1000 + rng() % 28000));
    seqs[b].input_ids.push_back(102);
  }
  return nn::make_bert_batch(seqs, 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(minilm_three_steps_on_omp_backend_match_host_student) {
  gpta::bert_student_options o;
  o.max_length = 32;
  o.learning_rate = 5e-5;
  o.seed = 1;  // dropout on (the student's default): masks must agree too
  auto host = gpta::bert_student::from_pretrained(model_dir(), o);
  auto model = gb::make_bert_classifier<gb::thrust_backend<thrust::system::omp::tag>>(host);

  std::mt19937_64 rng(5);
  for (int step = 0; step < 3; ++step) {
    const nn::bert_batch batch = random_batch(rng, 4, 32);
    std::vector<int> labels;
    for (int b = 0; b < 4; ++b) labels.push_back(static_cast<int>(rng() % 2));
    const double want = host.train_step(batch, labels);
    const double got = model.train_step(batch, labels);
    const double rel = std::abs(got - want) / std::abs(want);
    BOOST_TEST_MESSAGE("step " << step << ": loss " << got << " vs host " << want << " (relative " << rel
                               << "), grad norm " << model.last_grad_norm() << " vs " << host.last_grad_norm());
    // Measured: losses ~1e-7 relative, parameters after 3 steps ~7e-7, logits ~5e-7 (normwise).
    BOOST_TEST(rel <= 1e-5);
  }
  const double param_err =
      relative_error(model.parameter_values(), host.parameters().values().data(), host.parameters().size());
  BOOST_TEST_MESSAGE("parameters after 3 steps: relative error " << param_err);
  BOOST_TEST(param_err <= 1e-5);

  const nn::bert_batch eval = random_batch(rng, 4, 32);
  const auto want = host.logits(eval);
  const double logit_err = relative_error(model.logits(eval), want.data(), static_cast<std::size_t>(want.size()));
  BOOST_TEST_MESSAGE("logits: relative error " << logit_err);
  BOOST_TEST(logit_err <= 1e-5);
}
