#include <gpta/student/lm_classifier.hpp>

#include <gpta/concepts/student_model.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

// The causal-LM classifier on a tiny random Qwen2 GGUF (written by the test, loaded through the
// real GGUF path): label-word scores against the decoder read by hand, single- and multi-token
// verbalisers, the prompt layout and its budgets, training, snapshots and adapter checkpoints.

#include "support/qwen2_tiny_gguf.hpp"

namespace fs = std::filesystem;
using gpta::lm_classifier;
using gpta::text_example;

static_assert(gpta::student_model<lm_classifier>);
static_assert(gpta::checkpointable_student<lm_classifier>);
static_assert(gpta::has_example_losses<lm_classifier> && gpta::has_predict_with_loss<lm_classifier>);

namespace {

struct tiny_file {
  fs::path path;
  explicit tiny_file(const std::string& name, std::uint64_t seed = 3) {
    path = fs::temp_directory_path() / ("gpta_lm_classifier_" + std::to_string(::getpid()) + "_" + name + ".gguf");
    gpta::test::write_tiny_qwen2_gguf(path, seed);
  }
  ~tiny_file() { fs::remove(path); }
};

gpta::lm_classifier_options options(std::vector<std::string> labels = {"bad", "good"}) {
  gpta::lm_classifier_options o;
  o.labels = std::move(labels);
  o.prompt.system = "You classify.";
  o.prompt.max_length = 96;
  o.prompt.prefix_budget = 8;
  o.tuning.lora.rank = 4;
  o.tuning.lora.modules = gpta::nn::lora_all_modules;
  o.tuning.learning_rate = 3e-2;
  o.tuning.seed = 5;
  o.eval_batch_size = 3;
  return o;
}

std::vector<text_example> reviews() {
  return {{"a fine film", 1}, {"dull and long", 0}, {"loved it", 1}, {"a mess", 0}, {"great fun", 1}};
}

// log softmax at the last prompt token, read straight from the decoder.
double label_logp(lm_classifier& c, const std::vector<std::int32_t>& prompt, const std::vector<std::int32_t>& word) {
  auto& d = c.tuner().base().decoder;
  gpta::nn::qwen2_targets t(1);
  std::vector<std::int32_t> seq = prompt;
  for (std::size_t j = 0; j < word.size(); ++j) t[0].push_back({prompt.size() - 1 + j, word[j]});
  seq.insert(seq.end(), word.begin(), word.end() - 1);
  double s = 0;
  for (const double lp : d.log_probs({seq}, t, &c.tuner().adapters())) s += lp;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_chatml_prompt_is_system_user_prefix_input_then_the_assistant_turn) {
  tiny_file f("layout");
  const auto c = lm_classifier::from_gguf(f.path, options());
  const auto& tok = c.tuner().base().tokenizer;
  const auto ids = c.encode("be brief", "a fine film");
  const auto want = tok.encode("<|im_start|>system\nYou classify.<|im_end|>\n<|im_start|>user\nbe brief\n\na fine film"
                               "<|im_end|>\n<|im_start|>assistant\n");
  BOOST_TEST(ids == want, boost::test_tools::per_element());
  // No prefix, no separator; a control marker typed in the input stays text.
  const auto bare = c.encode("", "x<|im_end|>");
  BOOST_TEST(bare.size() == tok.encode("<|im_start|>system\nYou classify.<|im_end|>\n<|im_start|>user\n").size() +
                                tok.encode("x<|im_end|>", false).size() + tok.encode("<|im_end|>\n<|im_start|>assistant\n").size());
  BOOST_TEST(std::count(bare.begin(), bare.end(), gpta::test::tiny_lm_im_end) == 2);  // the template's two only
  // The prefix is cut to its budget (8 tokens), the input to what max_length leaves.
  const std::string long_prefix(40, 'z'), long_input(400, 'q');
  const auto cut = c.encode(long_prefix, long_input);
  BOOST_TEST(cut.size() == 96u - 1u);  // one token of room for the (single-token) answer
  BOOST_TEST(std::count(cut.begin(), cut.end(), static_cast<std::int32_t>('z')) == 8);
  BOOST_TEST(c.single_token_labels());
}

BOOST_AUTO_TEST_CASE(plain_template_puts_the_cue_after_the_input_and_a_space_before_the_answer) {
  tiny_file f("plain");
  auto o = options({" bad", " good"});
  o.labels = {"bad", "good"};
  o.prompt.format = gpta::student::lm_template::plain;
  o.prompt.cue = "S:";
  auto c = lm_classifier::from_gguf(f.path, o);
  const auto& tok = c.tuner().base().tokenizer;
  BOOST_TEST(c.encode("p", "in") == tok.encode("p\nin\nS:", false), boost::test_tools::per_element());
  BOOST_TEST(c.prompt().encode_answer("good") == tok.encode(" good", false), boost::test_tools::per_element());
  BOOST_TEST(c.prompt().end_of_answer() == gpta::test::tiny_lm_endoftext);
  // No prefix: the plain prompt has no shared head, and scoring still reads the whole prompt.
  const std::vector<text_example> one{{"in", 1}};
  for (const std::string prefix : {"", "p"}) {
    const auto s = c.scores(one, prefix);
    BOOST_TEST(std::abs(s[0][1] - label_logp(c, c.encode(prefix, "in"), c.prompt().encode_answer("good"))) < 1e-5);
  }
}

BOOST_AUTO_TEST_CASE(scores_are_label_word_log_probabilities_single_and_multi_token) {
  tiny_file f("scores");
  for (const auto& labels : {std::vector<std::string>{"bad", "good"}, std::vector<std::string>{"awful", "good", "great"}}) {
    auto c = lm_classifier::from_gguf(f.path, options(labels));
    BOOST_TEST(c.single_token_labels() == (labels.size() == 2));
    std::vector<text_example> ex = reviews();
    for (auto& e : ex) e.label = e.label % static_cast<int>(labels.size());
    const auto s = c.scores(ex, "rate it");
    BOOST_TEST_REQUIRE(s.size() == ex.size());
    for (std::size_t i = 0; i < ex.size(); ++i)
      for (std::size_t k = 0; k < labels.size(); ++k)
        BOOST_TEST(std::abs(s[i][k] - label_logp(c, c.encode("rate it", ex[i].text), c.prompt().encode_answer(labels[k]))) < 1e-5);
    // Predictions are the argmax; the loss is the cross-entropy over the label words.
    const auto [pred, loss] = c.predict_with_loss(ex, "rate it");
    double want = 0;
    for (std::size_t i = 0; i < ex.size(); ++i) {
      BOOST_TEST(pred[i] == std::max_element(s[i].begin(), s[i].end()) - s[i].begin());
      double lse = 0;
      for (const double v : s[i]) lse += std::exp(v);
      want += std::log(lse) - s[i][static_cast<std::size_t>(ex[i].label)];
    }
    BOOST_TEST(std::abs(loss - want / static_cast<double>(ex.size())) < 1e-6);
    BOOST_TEST(std::abs(c.loss(ex, "rate it") - loss) < 1e-9);
    // The prefix is read: another instruction gives other scores.
    BOOST_TEST(std::abs(c.loss(ex, "") - loss) > 1e-6);
  }
  BOOST_CHECK_THROW(lm_classifier::from_gguf(f.path, options({"good", "good"})), std::invalid_argument);
  BOOST_CHECK_THROW(lm_classifier::from_gguf(f.path, options({"good"})), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(training_lowers_the_loss_and_memorises_a_few_examples) {
  tiny_file f("train");
  for (const auto& labels : {std::vector<std::string>{"bad", "good"}, std::vector<std::string>{"awful", "great"}}) {
    auto c = lm_classifier::from_gguf(f.path, options(labels));
    const auto ex = reviews();
    const double before = c.loss(ex, "rate it");
    double first = 0;
    for (int s = 0; s < 40; ++s) {
      const double l = c.train_step(ex, "rate it");
      if (s == 0) {
        first = l;
        BOOST_TEST(std::abs(l - before) < 1e-6);  // the step reports the loss before its update
      }
    }
    const double after = c.loss(ex, "rate it");
    BOOST_TEST(after < 0.5 * first, labels[0] << ": " << first << " -> " << after);
    const auto pred = c.predict(ex, "rate it");
    for (std::size_t i = 0; i < ex.size(); ++i) BOOST_TEST(pred[i] == ex[i].label);
    BOOST_TEST(c.steps() == 40);
  }
}

BOOST_AUTO_TEST_CASE(snapshot_restore_and_checkpoints_round_trip) {
  tiny_file f("ckpt");
  auto c = lm_classifier::from_gguf(f.path, options());
  const auto ex = reviews();
  for (int s = 0; s < 3; ++s) (void)c.train_step(ex, "p");
  const auto snap = c.snapshot();
  const double at = c.loss(ex, "p");
  const auto losses = c.example_losses(ex, "p");
  (void)c.train_step(ex, "p");
  BOOST_TEST(std::abs(c.loss(ex, "p") - at) > 1e-7);
  c.restore(snap);
  BOOST_TEST(c.loss(ex, "p") == at);

  const fs::path ck = f.path.string() + ".ckpt";
  c.save(ck);
  auto back = lm_classifier::load(ck);  // reopens the base GGUF it names
  BOOST_TEST(back.example_losses(ex, "p") == losses, boost::test_tools::per_element());
  BOOST_TEST(back.steps() == 3);
  BOOST_TEST(back.options().labels == c.options().labels, boost::test_tools::per_element());
  // Resumed training is the uninterrupted training: same next step, same loss after it.
  (void)c.train_step(ex, "p");
  (void)back.train_step(ex, "p");
  BOOST_TEST(back.loss(ex, "p") == c.loss(ex, "p"));
  auto shared = lm_classifier::load(ck, c);  // onto the base already in memory
  BOOST_TEST(shared.tuner().shared_base() == c.tuner().shared_base());

  // Other weights under the same path: the hash differs and the load says so.
  gpta::test::write_tiny_qwen2_gguf(f.path, 99);
  BOOST_CHECK_EXCEPTION((void)lm_classifier::load(ck), gpta::data_error, [&](const gpta::data_error& e) {
    return std::string(e.what()).find("sha256") != std::string::npos && e.file() == ck;
  });
  fs::remove(f.path);
  BOOST_CHECK_EXCEPTION((void)lm_classifier::load(ck), gpta::data_error, [&](const gpta::data_error& e) {
    return std::string(e.what()).find("does not exist") != std::string::npos;
  });
  fs::remove(ck);
}

BOOST_AUTO_TEST_CASE(bad_labels_and_budgets_are_refused) {
  tiny_file f("bad");
  auto c = lm_classifier::from_gguf(f.path, options());
  std::vector<text_example> bad{{"x", 2}};
  BOOST_CHECK_THROW((void)c.train_step(bad, ""), std::invalid_argument);
  BOOST_CHECK_THROW((void)c.loss(bad, ""), std::invalid_argument);
  BOOST_CHECK_THROW((void)c.train_step({}, ""), std::invalid_argument);
  auto o = options();
  o.prompt.max_length = 10;  // the template alone is longer
  BOOST_CHECK_THROW(lm_classifier::from_gguf(f.path, o), std::invalid_argument);
}
