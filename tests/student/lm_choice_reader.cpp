#include <gpta/student/lm_choice_reader.hpp>

#include <gpta/concepts/student_model.hpp>
#include <gpta/eval/choice_metric.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

// The multiple-choice reader on a tiny random Qwen2 GGUF: question and lettered options come before
// the passage and survive a passage that is too long, an option is scored by its letter, training
// teaches the right letters, and saved adapters come back under the reader's own kind.

#include "support/qwen2_tiny_gguf.hpp"

namespace fs = std::filesystem;
using gpta::choice_example;
using gpta::lm_choice_reader;

static_assert(gpta::student_model<lm_choice_reader>);
static_assert(gpta::has_example_losses<lm_choice_reader>);

namespace {

struct tiny_file {
  fs::path path;
  tiny_file() {
    path = fs::temp_directory_path() / ("gpta_lm_choice_reader_" + std::to_string(::getpid()) + ".gguf");
    gpta::test::write_tiny_qwen2_gguf(path, 5, false, 1.0);
  }
  ~tiny_file() { fs::remove(path); }
};

gpta::lm_choice_reader_options options() {
  gpta::lm_choice_reader_options o;
  o.prompt.system.reset();
  o.prompt.max_length = 120;
  o.prompt.prefix_budget = 6;
  o.tuning.lora.rank = 8;
  o.tuning.lora.modules = gpta::nn::lora_all_modules;
  o.tuning.learning_rate = 5e-2;
  o.tuning.seed = 3;
  return o;
}

choice_example question(std::string id, std::string article, std::string q, int label) {
  choice_example e;
  e.id = std::move(id);
  e.article = std::move(article);
  e.question = std::move(q);
  e.options = {"good", "bad", "a dog", "a cat"};
  e.label = label;
  return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(question_and_options_precede_the_passage_and_survive_a_long_one) {
  tiny_file f;
  const auto r = lm_choice_reader::from_gguf(f.path, options());
  const auto e = question("p:0", "The dog barked.", "Who barked? _", 2);
  BOOST_TEST(gpta::lm_choice_reader_input(e) ==
             "Question: Who barked? _\nOptions:\nA. good\nB. bad\nC. a dog\nD. a cat\nPassage: The dog barked.");
  const auto& tok = r.model().tuner().base().tokenizer;
  const auto big = question("p:1", std::string(500, 'y'), "Which one?", 1);
  const auto ids = r.encode("pick", big);
  BOOST_TEST(ids.size() == 119u);  // the letter's token is the 120th
  const std::string text = tok.decode(ids);
  BOOST_TEST(text.find("Which one?\nOptions:\nA. good\nB. bad\nC. a dog\nD. a cat\nPassage: yyy") != std::string::npos, text);
  auto three = e;
  three.options.pop_back();
  BOOST_CHECK_THROW((void)r.encode("", three), std::invalid_argument);
  BOOST_CHECK_THROW((void)r.predict(std::vector<choice_example>{three}, ""), std::invalid_argument);
  // The four scores are the letters' log-probabilities: a distribution over all tokens, so each is < 0.
  const auto s = r.scores(std::vector<choice_example>{e}, "pick");
  BOOST_TEST_REQUIRE(s.size() == 1u);
  BOOST_TEST_REQUIRE(s[0].size() == 4u);
  double mass = 0;
  for (const double v : s[0]) {
    BOOST_TEST(v < 0.0);
    mass += std::exp(v);
  }
  BOOST_TEST(mass < 1.0);
}

BOOST_AUTO_TEST_CASE(training_teaches_the_right_letters_and_checkpoints_round_trip) {
  tiny_file f;
  auto r = lm_choice_reader::from_gguf(f.path, options());
  const std::vector<choice_example> qs{question("p:0", "good good", "Which word? _", 0),
                                       question("p:1", "bad bad bad", "Which word?", 1),
                                       question("p:2", "a dog ran", "Who ran?", 2)};
  const double before = r.loss(qs, "pick");
  for (int step = 0; step < 40; ++step) (void)r.train_step(qs, "pick");
  const double after = r.loss(qs, "pick");
  BOOST_TEST(after < 0.2 * before, before << " -> " << after);
  const auto pred = r.predict(qs, "pick");
  BOOST_TEST(pred == (std::vector<int>{0, 1, 2}), boost::test_tools::per_element());
  const auto acc = gpta::choice_metric{}(std::span<const int>(pred), std::span<const choice_example>(qs), {"A", "B", "C", "D"});
  BOOST_TEST(acc.score == 1.0);

  const fs::path ck = f.path.string() + ".reader.safetensors";
  r.save(ck);
  auto back = lm_choice_reader(r.model().tuner().shared_base(), options());
  back.load_weights(ck);
  BOOST_TEST(back.loss(qs, "pick") == after, boost::test_tools::tolerance(1e-9));
  gpta::lm_classifier_options co;
  co.labels = {"A", "B"};
  gpta::lm_classifier other(r.model().tuner().shared_base(), co);
  BOOST_CHECK_THROW(other.load_weights(ck), std::exception);
  fs::remove(ck);
}
