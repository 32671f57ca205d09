#include <gpta/student/bert_student.hpp>
// gpta-test-labels: integration slow
// gpta-test-seconds: 200
#include <gpta/data/sst2.hpp>
#include <gpta/student/bow_classifier.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <vector>

// Fine-tunes the real MiniLM-L6 on 512 SST-2 rows and checks it beats the bag-of-words student
// trained on the same rows. Rows are restricted to texts of >= 6 words: the shared train file
// also holds short phrases ("good"), which make any model look better than it is.

namespace {

std::filesystem::path model_dir() {
  const char* dir = std::getenv("GPTA_MINILM_DIR");
  if (!dir || !*dir)
    BOOST_FAIL("GPTA_MINILM_DIR is not set: run `export GPTA_MINILM_DIR=\"$(scripts/install_models.sh)\"` first");
  return dir;
}

double accuracy(const std::vector<int>& pred, std::span<const gpta::text_example> data) {
  std::size_t ok = 0;
  for (std::size_t i = 0; i < data.size(); ++i) ok += pred[i] == data[i].label;
  return static_cast<double>(ok) / static_cast<double>(data.size());
}

std::size_t words(const std::string& s) {
  std::size_t n = 0;
  bool in = false;
  for (char c : s) {
    const bool space = c == ' ';
    n += !space && !in;
    in = !space;
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(minilm_fine_tuned_on_512_sst2_rows_beats_bag_of_words) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto dir = model_dir();
  const auto ds = gpta::data::load_sst2(GPTA_TEST_SHARED_DATA_DIR "/sst2/train.tsv");
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < ds.size(); ++i)
    if (words(ds.examples[i].text) >= 6) rows.push_back(i);
  std::mt19937_64 rng(2026);
  gpta::detail::shuffle(rows, rng);
  BOOST_REQUIRE(rows.size() > 1024u);
  std::vector<gpta::text_example> train, eval;
  for (std::size_t i = 0; i < 512; ++i) train.push_back(ds.examples[rows[i]]);
  for (std::size_t i = 512; i < 1024; ++i) eval.push_back(ds.examples[rows[i]]);
  const std::string prefix = "movie review sentiment :";

  // Baseline: the bag-of-words student on exactly the same rows.
  gpta::student::bow_options bo;
  bo.learning_rate = 0.01f;
  gpta::student::bow_classifier bow(gpta::student::bow_classifier::fit_vocabulary(train, 1), 2, bo);
  for (int epoch = 0; epoch < 10; ++epoch)
    for (std::size_t s = 0; s < train.size(); s += 16)
      bow.train_step(std::span<const gpta::text_example>(train).subspan(s, std::min<std::size_t>(16, train.size() - s)),
                     prefix);
  const double bow_acc = accuracy(bow.predict(eval, prefix), eval);

  gpta::bert_student_options o;
  o.max_length = 64;
  o.learning_rate = 1e-4;
  o.warmup_steps = 6;
  o.total_steps = 64;  // 2 epochs of 32 batches
  o.seed = 11;
  auto bert = gpta::bert_student::from_pretrained(dir, o);
  for (int epoch = 0; epoch < 2; ++epoch) {
    double sum = 0;
    std::size_t steps = 0;
    for (const auto& idx : bert.length_buckets(train, prefix, 16, static_cast<std::uint64_t>(epoch))) {
      std::vector<gpta::text_example> b;
      for (auto i : idx) b.push_back(train[i]);
      sum += bert.train_step(b, prefix);
      ++steps;
    }
    BOOST_TEST_MESSAGE("epoch " << epoch << " mean train loss " << sum / static_cast<double>(steps));
  }
  const double acc = accuracy(bert.predict(eval, prefix), eval);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST_MESSAGE("SST-2 (512 train / 512 eval, >= 6 words): MiniLM " << acc << ", bag-of-words " << bow_acc
                                                                          << ", " << secs << " s");
  BOOST_TEST(bert.steps() == 64);
  BOOST_TEST(acc > bow_acc);
  BOOST_TEST(acc > 0.75);
}
