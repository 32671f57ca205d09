// The whole student on the Thrust backend (OMP and CPP systems) against the host student: a tiny random
// BERT fine-tuned for a few steps from identical weights, with and without dropout.
#include <gpta/backend/bert_model.hpp>
#include <gpta/backend/thrust_bert_student.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/student/bert_student.hpp>
#include <gpta/train/basic_trainer.hpp>
#include "support/relative_error.hpp"

namespace gb = gpta::backend;
namespace nn = gpta::nn;

namespace {

using gpta::test::relative_error;

using omp_backend = gb::thrust_backend<thrust::system::omp::tag>;
using cpp_backend = gb::thrust_backend<thrust::system::cpp::tag>;

constexpr std::size_t vocab = 40;

gpta::text::wordpiece_tokenizer tiny_tokenizer() {
  std::vector<std::string> tokens{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (std::size_t i = tokens.size(); i < vocab; ++i) {
    std::string word = "w";  // not "w" + to_string(i): GCC 12 reports a false -Wrestrict there
    word += std::to_string(i);
    tokens.push_back(word);
  }
  return gpta::text::wordpiece_tokenizer::from_tokens(tokens);
}

gpta::bert_config tiny_config() {
  gpta::bert_config c;
  c.vocab_size = vocab;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 32;
  c.type_vocab_size = 2;
  c.hidden_dropout_prob = 0.1;
  c.attention_probs_dropout_prob = 0.1;
  return c;
}

gpta::bert_student_options tiny_options(bool dropout, nn::bert_pooling pooling) {
  gpta::bert_student_options o;
  o.num_labels = 3;
  o.pooling = pooling;
  o.max_length = 16;
  o.learning_rate = 1e-3;
  o.warmup_steps = 2;  // the schedule moves every step: 5e-4, 1e-3, then decay towards total_steps
  o.total_steps = 8;
  o.max_grad_norm = 0.5;
  o.dropout = dropout;
  o.classifier_dropout = 0.2;
  o.seed = 7;
  return o;
}

// Random sequences of 3..12 tokens ([CLS] ... [SEP], a second segment in some), one of full length:
// seq_len 12 with padding in the other rows.
nn::bert_batch random_batch(std::mt19937_64& rng, std::size_t batch, std::size_t max_len) {
  std::vector<nn::token_sequence> seqs(batch);
  for (std::size_t b = 0; b < batch; ++b) {
    const std::size_t n = b == 0 ? max_len : 3 + rng() % (max_len - 2);
    auto& s = seqs[b];
    s.input_ids.push_back(2);
    for (std::size_t l = 1; l + 1 < n; ++l) s.input_ids.push_back(static_cast<std::int32_t>(5 + rng() % (vocab - 5)));
    s.input_ids.push_back(3);
    s.token_type_ids.assign(n, 0);
    if (b % 2 == 1)
      for (std::size_t l = n / 2; l < n; ++l) s.token_type_ids[l] = 1;
  }
  return nn::make_bert_batch(seqs, 0);
}

// Tolerances: the 1e-5 relative bar for every kernel (tests/backend/layers.cpp) also holds for
// the whole model here. Measured (OMP at 1 and 2 threads, CPP): losses within ~5e-8 relative, grad
// norms ~5e-8, parameters after 5 steps ~3e-7 and logits ~3e-7 (normwise). The differences are
// summation orders only (Eigen's vectorised sums vs the kernels' fixed trees, GEMM blocking); the
// dropout masks and the embedding scatter are bit-identical.
constexpr double loss_tolerance = 1e-5;
constexpr double parameter_tolerance = 1e-5;
constexpr double logit_tolerance = 1e-5;

template <class Backend>
void fine_tune_and_compare(bool dropout, nn::bert_pooling pooling, std::uint64_t data_seed) {
  gpta::bert_student host(tiny_config(), tiny_tokenizer(), tiny_options(dropout, pooling));
  auto model = gb::make_bert_classifier<Backend>(host);
  BOOST_TEST(model.num_parameters() == host.parameters().size());
  BOOST_TEST(model.parameter_values() ==
                 std::vector<float>(host.parameters().values().data(),
                                    host.parameters().values().data() + host.parameters().size()),
             boost::test_tools::per_element());

  std::mt19937_64 rng(data_seed);
  for (int step = 0; step < 5; ++step) {
    const nn::bert_batch batch = random_batch(rng, 4, 12);
    BOOST_REQUIRE(batch.seq_len == 12);
    std::vector<int> labels;
    for (Eigen::Index b = 0; b < batch.batch_size; ++b) labels.push_back(static_cast<int>(rng() % 3));
    const double want = host.train_step(batch, labels);
    const double got = model.train_step(batch, labels);
    const double rel = std::abs(got - want) / std::abs(want);
    BOOST_TEST_MESSAGE(Backend::name << " dropout=" << dropout << " step " << step << ": loss " << got << " vs host "
                                     << want << " (relative " << rel << "), grad norm " << model.last_grad_norm()
                                     << " vs " << host.last_grad_norm());
    BOOST_TEST(rel <= loss_tolerance);
    BOOST_TEST(std::abs(model.last_grad_norm() - host.last_grad_norm()) <= 1e-4 * host.last_grad_norm());
  }
  BOOST_TEST(model.steps() == host.steps());

  const auto params = model.parameter_values();
  const double param_err = relative_error(params, host.parameters().values().data(), host.parameters().size());
  BOOST_TEST_MESSAGE("parameters after 5 steps: relative error " << param_err);
  BOOST_TEST(param_err <= parameter_tolerance);

  const nn::bert_batch eval = random_batch(rng, 5, 12);
  const auto want = host.logits(eval);
  const auto got = model.logits(eval);
  const double logit_err = relative_error(got, want.data(), static_cast<std::size_t>(want.size()));
  BOOST_TEST_MESSAGE("logits: relative error " << logit_err);
  BOOST_TEST(logit_err <= logit_tolerance);

  // Copying back gives the host the backend's weights: its logits follow.
  model.copy_parameters_to(host.parameters());
  const auto after = host.logits(eval);
  BOOST_TEST(relative_error(got, after.data(), static_cast<std::size_t>(after.size())) <= 1e-5);
}

}  // namespace

BOOST_AUTO_TEST_CASE(omp_backend_matches_host_student_without_dropout) {
  fine_tune_and_compare<omp_backend>(false, nn::bert_pooling::mean, 11);
}

BOOST_AUTO_TEST_CASE(omp_backend_matches_host_student_with_dropout) {
  // Same seed and step keys: the backend drops exactly the host's elements.
  fine_tune_and_compare<omp_backend>(true, nn::bert_pooling::mean, 12);
}

BOOST_AUTO_TEST_CASE(omp_backend_matches_host_student_with_cls_pooling) {
  fine_tune_and_compare<omp_backend>(true, nn::bert_pooling::cls, 13);
}

BOOST_AUTO_TEST_CASE(cpp_backend_matches_host_student) {
  fine_tune_and_compare<cpp_backend>(true, nn::bert_pooling::mean, 14);
}

BOOST_AUTO_TEST_CASE(rejects_bad_inputs) {
  gpta::bert_student host(tiny_config(), tiny_tokenizer(), tiny_options(false, nn::bert_pooling::mean));
  auto model = gb::make_bert_classifier<omp_backend>(host);
  std::mt19937_64 rng(3);
  nn::bert_batch batch = random_batch(rng, 2, 6);
  const std::vector<int> one_label{0}, bad_label{0, 3};
  BOOST_CHECK_THROW(model.train_step(batch, one_label), std::invalid_argument);
  BOOST_CHECK_THROW(model.train_step(batch, bad_label), std::invalid_argument);
  batch.input_ids[1] = static_cast<std::int32_t>(vocab);
  BOOST_CHECK_THROW((void)model.logits(batch), std::invalid_argument);
  // The backends take padded batches: a packed one (the host student's default) is refused.
  const std::vector<nn::token_sequence> two{{{2, 7, 3}, {}}, {{2, 8, 9, 3}, {}}};
  BOOST_CHECK_THROW((void)model.logits(nn::make_bert_batch(two, 0, nn::bert_layout::packed)), std::invalid_argument);
  BOOST_TEST(model.logits(nn::make_bert_batch(two, 0)).size() == 2u * 3u);  // 2 sequences x 3 labels
  BOOST_TEST(model.steps() == 0);

  // A store without the head is refused, naming the tensor.
  nn::parameter_store<float> encoder_only;
  nn::bert_encoder<float> enc(tiny_config(), encoder_only);
  BOOST_CHECK_THROW((gb::bert_classifier<omp_backend>(tiny_config(), encoder_only, gb::bert_classifier_options{})),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(row_block_products_match_one_product) {
  // The OMP engine splits large products into row blocks (the tiny model above never gets there;
  // MiniLM does): every operand layout against one backend::gemm call, at two threads or more.
#if defined(_OPENMP)
  const int saved = omp_get_max_threads();
  omp_set_num_threads(std::max(saved, 2));
#endif
  const gb::index_t m = 160, n = 200, k = 136;  // m * n * k > 4e6, m not a multiple of the 16-row panels
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(k * n)),
      c0(static_cast<std::size_t>(m * n));
  for (auto* v : {&a, &b, &c0})
    for (auto& x : *v) x = u(rng);
  gb::bert_gemm<omp_backend> engine;
  for (const auto op_a : {gb::gemm_op::none, gb::gemm_op::transpose})
    for (const auto op_b : {gb::gemm_op::none, gb::gemm_op::transpose}) {
      const gb::index_t lda = op_a == gb::gemm_op::none ? k : m, ldb = op_b == gb::gemm_op::none ? n : k;
      std::vector<float> want = c0, got = c0;
      gb::gemm(omp_backend{}, op_a, op_b, m, n, k, 0.5f, a.data(), lda, b.data(), ldb, 1.0f, want.data(), n);
      engine.gemm(omp_backend{}, op_a, op_b, m, n, k, 0.5f, a.data(), lda, b.data(), ldb, 1.0f, got.data(), n);
      BOOST_TEST(relative_error(got, want.data(), want.size()) <= 1e-6);
    }
#if defined(_OPENMP)
  omp_set_num_threads(saved);
#endif
}

namespace {

/// Texts over the tiny vocabulary whose label is carried by the first word's parity.
gpta::text_dataset tiny_texts(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  gpta::text_dataset d;
  d.label_names = {"a", "b", "c"};
  for (std::size_t i = 0; i < n; ++i) {
    std::string text;
    const std::size_t words = 2 + rng() % 6;
    for (std::size_t w = 0; w < words; ++w) text += (w ? " w" : "w") + std::to_string(5 + rng() % (vocab - 5));
    d.examples.push_back({text, static_cast<int>(i % 3)});
  }
  return d;
}

}  // namespace

BOOST_AUTO_TEST_CASE(thrust_bert_student_snapshot_restore_replays_a_step_exactly) {
  static_assert(gpta::student_model<gb::thrust_bert_student<omp_backend>>);
  static_assert(gpta::has_predict_with_loss<gb::thrust_bert_student<omp_backend>>);
  gpta::bert_student host(tiny_config(), tiny_tokenizer(), tiny_options(true, nn::bert_pooling::mean));
  gb::thrust_bert_student<omp_backend> s(host);
  const auto data = tiny_texts(6, 5);
  const std::span<const gpta::text_example> batch(data.examples);
  const auto before = s.snapshot();
  const double first = s.train_step(batch, "w7 w8");
  const auto after = s.model().parameter_values();
  s.restore(before);
  BOOST_TEST(s.steps() == 0);
  BOOST_TEST(s.train_step(batch, "w7 w8") == first);  // same weights, moments, step and dropout keys
  BOOST_TEST(s.model().parameter_values() == after, boost::test_tools::per_element());
  // Unlabelled data can be predicted; a loss needs labels in range.
  auto unlabelled = data;
  for (auto& e : unlabelled.examples) e.label = -1;
  BOOST_TEST(s.predict(std::span<const gpta::text_example>(unlabelled.examples), "").size() == 6u);
  BOOST_CHECK_THROW((void)s.loss(std::span<const gpta::text_example>(unlabelled.examples), ""), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(thrust_bert_student_runs_the_loop_like_the_host_student) {
  const auto train = tiny_texts(24, 1), dev = tiny_texts(18, 2), test = tiny_texts(12, 3);
  gpta::trainer_options o;
  o.rounds = 2;
  o.epochs_per_round = 1;
  o.batch_size = 6;
  o.probe_steps = 2;
  o.seed = 3;
  o.progress = false;
  o.initial_prefixes = {"w30 w31 w32"};  // probed against the fixed prefix before round 0: snapshot/restore
  gpta::bert_student host(tiny_config(), tiny_tokenizer(), tiny_options(true, nn::bert_pooling::mean));
  gb::thrust_bert_student<omp_backend> device_student(host);
  gpta::basic_trainer<gpta::bert_student, gpta::fixed_prefix> a(host, gpta::fixed_prefix{"w10 w11"}, {}, o);
  gpta::basic_trainer<gb::thrust_bert_student<omp_backend>, gpta::fixed_prefix> b(std::move(device_student),
                                                                                   gpta::fixed_prefix{"w10 w11"}, {}, o);
  const auto want = a.fit(train, dev, test, gpta::task_info{});
  const auto got = b.fit(train, dev, test, gpta::task_info{});
  BOOST_TEST_REQUIRE(got.rounds.size() == want.rounds.size());
  for (std::size_t r = 0; r < want.rounds.size(); ++r) {
    BOOST_TEST(got.rounds[r].prefix == want.rounds[r].prefix);
    BOOST_TEST(got.rounds[r].steps == want.rounds[r].steps);
    BOOST_TEST(std::abs(got.rounds[r].train_loss - want.rounds[r].train_loss) <= loss_tolerance * want.rounds[r].train_loss);
    BOOST_TEST(std::abs(got.rounds[r].dev.loss - want.rounds[r].dev.loss) <= loss_tolerance * want.rounds[r].dev.loss);
  }
  BOOST_TEST_REQUIRE(got.test.has_value());
  BOOST_TEST(std::abs(got.test->loss - want.test->loss) <= loss_tolerance * want.test->loss);
  BOOST_TEST(b.student().steps() == a.student().steps());
}

BOOST_AUTO_TEST_CASE(thrust_bert_student_weights_round_trip_through_bert_students_file_layout) {
  static_assert(gpta::weight_file_student<gb::thrust_bert_student<omp_backend>>);
  gpta::bert_student host(tiny_config(), tiny_tokenizer(), tiny_options(false, nn::bert_pooling::mean));
  gb::thrust_bert_student<omp_backend> s(host);
  const auto data = tiny_texts(8, 7);
  const std::span<const gpta::text_example> batch(data.examples);
  for (int i = 0; i < 3; ++i) (void)s.train_step(batch, "w3");
  const auto path = std::filesystem::temp_directory_path() / ("gpta_thrust_weights_" + std::to_string(::getpid()));
  s.save(path);
  // A host student of the same shape reads the file: the trained weights, exactly.
  gpta::bert_student reader(tiny_config(), tiny_tokenizer(), tiny_options(false, nn::bert_pooling::mean));
  reader.load_weights(path);
  const auto trained = s.model().parameter_values();
  const auto read = reader.parameters().values();
  BOOST_TEST_REQUIRE(static_cast<std::size_t>(read.size()) == trained.size());
  BOOST_TEST(std::equal(trained.begin(), trained.end(), read.data()));
  // And a fresh Thrust student gets them back: the same predictions and loss.
  gb::thrust_bert_student<omp_backend> fresh(host);
  BOOST_TEST(fresh.model().parameter_values() != trained);
  fresh.load_weights(path);
  BOOST_TEST(fresh.model().parameter_values() == trained, boost::test_tools::per_element());
  BOOST_TEST(fresh.loss(batch, "w3") == s.loss(batch, "w3"));
  std::filesystem::remove(path);
}
