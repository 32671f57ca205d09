#include <gpta/concepts/student_model.hpp>
#include <gpta/student/bert_choice_student.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <gpta/eval/choice_metric.hpp>
#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "support/bert_tiny.hpp"

// The multiple-choice student on a tiny random BERT: question/option assembly, article-only
// truncation, the softmax over options, and training to memorise a few answers.

static_assert(gpta::detail::check_student_model<gpta::bert_choice_student>());
static_assert(gpta::has_predict_with_loss<gpta::bert_choice_student>);
static_assert(gpta::has_example_losses<gpta::bert_choice_student>);
static_assert(std::is_same_v<gpta::bert_choice_student::prediction_type, int>);  // what choice_metric reads

namespace {

namespace gt = gpta::text;

using gpta::test::xname;

gt::wordpiece_tokenizer tiny_tokenizer() {
  std::vector<std::string> v{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "sky", "is", "blue", "red",
                             "green", "black", "grass", "snow", "white", "sun", "yellow", "what", "colour", "?",
                             ".", "_", "p", "q", "r"};
  for (std::size_t i = 0; i < 20; ++i) v.push_back(xname(i));
  return gt::wordpiece_tokenizer::from_tokens(v);
}


gpta::bert_choice_student_options tiny_options(std::uint64_t seed = 1, bool dropout = false) {
  gpta::bert_choice_student_options o;
  o.max_length = 24;
  o.prefix_budget = 4;
  o.learning_rate = 3e-3;
  o.warmup_steps = 5;
  o.dropout = dropout;
  o.seed = seed;
  return o;
}

gpta::bert_choice_student tiny_student(std::uint64_t seed = 1, bool dropout = false) {
  auto tok = tiny_tokenizer();
  const auto config = gpta::test::tiny_bert_config(tok.vocab_size());
  return gpta::bert_choice_student(config, std::move(tok), tiny_options(seed, dropout));
}


std::string count_article(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += xname(i);
  }
  return s;
}

std::vector<gpta::choice_example> colours() {
  const std::string a = "the sky is blue . the grass is green .", b = "the snow is white . the sun is yellow .";
  return {gpta::test::make_choice_example(a, "the sky is _ .", {"red", "blue", "green", "black"}, 1, "a:0"),
          gpta::test::make_choice_example(a, "what colour is the grass ?", {"red", "blue", "green", "black"}, 2, "a:1"),
          gpta::test::make_choice_example(b, "the snow is _ .", {"white", "yellow", "red", "blue"}, 0, "b:0"),
          gpta::test::make_choice_example(b, "what colour is the sun ?", {"black", "red", "white", "yellow"}, 3, "b:1")};
}

}  // namespace

BOOST_AUTO_TEST_CASE(options_fill_cloze_blanks_or_follow_the_question) {
  using gpta::question_with_option;
  BOOST_TEST(question_with_option("what colour is the sky ?", "blue") == "what colour is the sky ? blue");
  BOOST_TEST(question_with_option("the sky is _ .", "blue") == "the sky is blue .");
  BOOST_TEST(question_with_option("the sky is ___ today", "blue") == "the sky is blue today");  // one run, one blank
  BOOST_TEST(question_with_option("_ is blue", "the sky") == "the sky is blue");
  BOOST_TEST(question_with_option("it is _", "blue") == "it is blue");
  // RACE's two-blank questions carry one `;`-separated part per blank.
  BOOST_TEST(question_with_option("I would rather  _   than   _  .", "watch TV; do some reading") ==
             "I would rather  watch TV   than   do some reading  .");
  // Parts that do not match the blanks: the whole option in every blank.
  BOOST_TEST(question_with_option("_ and _", "red") == "red and red");
  BOOST_TEST(question_with_option("_ and _", "a;b;c") == "a;b;c and a;b;c");
  BOOST_TEST(question_with_option("only _", "a; b") == "only a; b");
}

BOOST_AUTO_TEST_CASE(only_the_article_is_cut_and_the_prefix_keeps_its_budget) {
  const auto tok = tiny_tokenizer();
  const auto e = gpta::test::make_choice_example(count_article(20), "what colour ?", {"red", "blue sky", "green", "black"}, 0);
  const std::vector<int> prefix = gpta::prefix_pieces(tok, "p q r", 2);
  const auto enc = gpta::encode_choice_example(tok, prefix, e, 16);
  BOOST_TEST_REQUIRE(enc.options.size() == 4u);
  BOOST_TEST(enc.prefix_tokens == 2u);
  BOOST_TEST(enc.article_tokens == 20u);
  // [CLS] p q what colour ? <option> [SEP] x0 .. [SEP]: the article takes what is left.
  const std::vector<std::size_t> kept{7, 6, 7, 7};
  for (std::size_t c = 0; c < 4; ++c) {
    const auto& s = enc.options[c];
    BOOST_TEST(s.input_ids.size() == 16u);
    BOOST_TEST(enc.kept_article[c] == kept[c]);
    BOOST_TEST(s.input_ids[0] == tok.cls_id());
    BOOST_TEST(s.input_ids[1] == *tok.token_id("p"));
    BOOST_TEST(s.input_ids[2] == *tok.token_id("q"));
    BOOST_TEST(s.input_ids[3] == *tok.token_id("what"));
    const std::size_t sep = 16 - kept[c] - 2;
    BOOST_TEST(s.input_ids[sep] == tok.sep_id());
    BOOST_TEST(s.input_ids[15] == tok.sep_id());
    for (std::size_t j = 0; j < kept[c]; ++j) BOOST_TEST(s.input_ids[sep + 1 + j] == *tok.token_id(xname(j)));
    for (std::size_t j = 0; j < 16; ++j) BOOST_TEST(s.token_type_ids[j] == (j <= sep ? 0 : 1));
  }
  BOOST_TEST(enc.options[0].input_ids[6] == *tok.token_id("red"));
  BOOST_TEST(enc.options[1].input_ids[6] == *tok.token_id("blue"));
  BOOST_TEST(enc.options[1].input_ids[7] == *tok.token_id("sky"));

  // A short article is not cut.
  const auto short_article = gpta::encode_choice_example(tok, prefix, gpta::test::make_choice_example("x0 x1", "what ?", {"a", "b"}, 0), 16);
  BOOST_TEST(short_article.kept_article[0] == 2u);
  BOOST_TEST(short_article.options[0].input_ids.size() == 1u + 2u + 3u + 1u + 2u + 1u);  // "a" is one [UNK]

  // When prefix and question leave no article piece, the prefix goes, then the question's start.
  const auto tight = gpta::encode_choice_example(tok, prefix, e, 8);  // qo = 4 pieces, 1 left for the article
  BOOST_TEST(tight.prefix_tokens == 0u);
  BOOST_TEST(tight.kept_article[0] == 1u);
  BOOST_TEST(tight.options[0].input_ids[1] == *tok.token_id("what"));
  const auto tighter = gpta::encode_choice_example(tok, prefix, e, 7);  // 3 pieces of 4: "what" goes
  BOOST_TEST(tighter.options[0].input_ids[1] == *tok.token_id("colour"));
  BOOST_TEST(tighter.options[0].input_ids[3] == *tok.token_id("red"));
  BOOST_TEST(tighter.kept_article[0] == 1u);
}

BOOST_AUTO_TEST_CASE(scores_are_per_option_and_softmaxed_over_the_options) {
  const auto s = tiny_student(4);
  const auto data = colours();
  const auto probs = s.probabilities(data, "p");
  const auto pred = s.predict(data, "p");
  const auto losses = s.example_losses(data, "p");
  const auto [pred2, mean] = s.predict_with_loss(data, "p");
  BOOST_TEST(pred2 == pred);
  double total = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    BOOST_TEST_REQUIRE(probs[i].size() == 4u);
    double sum = 0;
    for (double p : probs[i]) sum += p;
    BOOST_TEST(sum == 1.0, boost::test_tools::tolerance(1e-9));
    const auto best = std::max_element(probs[i].begin(), probs[i].end()) - probs[i].begin();
    BOOST_TEST(pred[i] == best);
    BOOST_TEST(losses[i] == -std::log(probs[i][static_cast<std::size_t>(data[i].label)]),
               boost::test_tools::tolerance(1e-6));
    total += losses[i];
  }
  BOOST_TEST(mean == total / 4, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(s.loss(data, "p") == mean, boost::test_tools::tolerance(1e-9));

  // Each option's score reads its own sequence only: permuting the options permutes the softmax.
  auto rotated = data[0];
  std::rotate(rotated.options.begin(), rotated.options.begin() + 1, rotated.options.end());  // [blue green black red]
  rotated.label = 0;
  const auto rp = s.probabilities(std::vector{rotated}, "p")[0];
  for (std::size_t c = 0; c < 4; ++c) BOOST_TEST(rp[c] == probs[0][(c + 1) % 4], boost::test_tools::tolerance(1e-5));
  BOOST_TEST(s.example_losses(std::vector{rotated}, "p")[0] == losses[0], boost::test_tools::tolerance(1e-5));
  // A prefix changes the scores.
  BOOST_TEST(s.loss(data, "") != s.loss(data, "p q"));

  // The pre-tokenised path (option_scores on encoded options) gives the same probabilities.
  std::vector<gpta::nn::token_sequence> seqs;
  for (const auto& e : data)
    for (const auto& q : s.encode(e, "p").options) seqs.push_back(q);
  const auto scores = s.option_scores(gpta::nn::make_bert_batch(seqs));
  BOOST_TEST_REQUIRE(scores.rows() == static_cast<Eigen::Index>(data.size()));
  BOOST_TEST_REQUIRE(scores.cols() == 4);
  for (Eigen::Index i = 0; i < scores.rows(); ++i) {
    const Eigen::VectorXd row = scores.row(i).cast<double>().transpose();
    const double z = (row.array() - row.maxCoeff()).exp().sum();
    for (Eigen::Index c = 0; c < 4; ++c)
      BOOST_TEST(std::exp(row(c) - row.maxCoeff()) / z == probs[static_cast<std::size_t>(i)][static_cast<std::size_t>(c)],
                 boost::test_tools::tolerance(1e-5));
  }
  BOOST_CHECK_THROW((void)s.option_scores(gpta::nn::make_bert_batch(std::span(seqs).first(3))), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(training_memorises_the_answers_and_loss_falls) {
  auto s = tiny_student();
  const auto data = colours();
  const double before = s.loss(data, "p");
  {
    auto copy = s;  // no dropout: a step's loss is loss() of its batch
    BOOST_TEST(copy.train_step(data, "p") == before, boost::test_tools::tolerance(1e-4));
  }
  for (int step = 0; step < 60; ++step) BOOST_REQUIRE(std::isfinite(s.train_step(data, "p")));
  BOOST_TEST(s.loss(data, "p") < 0.1 * before);
  const auto pred = s.predict(data, "p");
  for (std::size_t i = 0; i < data.size(); ++i) BOOST_TEST(pred[i] == data[i].label);
  const auto r = gpta::choice_metric{}(std::span<const int>(pred), std::span(data), {"A", "B", "C", "D"});
  BOOST_TEST(r.score == 1.0);
  BOOST_TEST(s.steps() == 60);
  BOOST_TEST(s.last_grad_norm() > 0);
}

BOOST_AUTO_TEST_CASE(snapshot_restore_replays_steps_exactly) {
  auto a = tiny_student(9, true), b = tiny_student(9, true);  // dropout on: masks must replay too
  BOOST_TEST(a.parameters().values() == b.parameters().values());
  const auto data = colours();
  const std::span<const gpta::choice_example> first(data.data(), 2), second(data.data() + 2, 2);
  a.train_step(first, "p");
  const auto snap = a.snapshot();
  const double l1 = a.train_step(second, "p");
  const double l2 = a.train_step(first, "p");
  const auto after = a.parameters().values();
  a.restore(snap);
  BOOST_TEST(a.steps() == 1);
  BOOST_TEST(a.train_step(second, "p") == l1);
  BOOST_TEST(a.train_step(first, "p") == l2);
  BOOST_TEST(a.parameters().values() == after);
  BOOST_TEST(tiny_student(10).parameters().values() != b.parameters().values());  // the seed matters

  const auto path = std::filesystem::path(GPTA_TEST_BINARY_DIR) / "bert_choice_student_roundtrip.safetensors";
  a.save(path);
  b.load_weights(path);
  BOOST_TEST(b.parameters().values() == a.parameters().values());
  BOOST_TEST(b.predict(data, "p") == a.predict(data, "p"));
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(misuse_is_rejected) {
  auto s = tiny_student();
  auto three = colours()[0];
  three.options.pop_back();
  BOOST_CHECK_THROW(s.train_step(std::vector{three}, ""), std::invalid_argument);
  BOOST_CHECK_THROW((void)s.predict(std::vector{three}, ""), std::invalid_argument);
  auto bad = colours()[0];
  bad.label = 4;
  BOOST_CHECK_THROW(s.train_step(std::vector{bad}, ""), std::invalid_argument);
  BOOST_CHECK_THROW((void)s.loss(std::vector{bad}, ""), std::invalid_argument);
  BOOST_CHECK_THROW(s.train_step({}, ""), std::invalid_argument);
  BOOST_TEST(s.predict({}, "").empty());
  auto tok = tiny_tokenizer();
  const auto config = gpta::test::tiny_bert_config(tok.vocab_size());
  auto o = tiny_options();
  o.num_options = 1;
  BOOST_CHECK_THROW(gpta::bert_choice_student(config, tok, o), std::invalid_argument);
  o = tiny_options();
  o.max_length = 64;  // past max_position_embeddings
  BOOST_CHECK_THROW(gpta::bert_choice_student(config, tok, o), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(basic_trainer_runs_the_choice_student_with_choice_metric) {
  gpta::choice_dataset train, dev;
  train.name = dev.name = "race";
  train.label_names = dev.label_names = {"A", "B", "C", "D"};
  train.examples = dev.examples = colours();
  gpta::trainer_options to;
  to.rounds = 2;
  to.batch_size = 4;
  to.epochs_per_round = 30;  // one batch per epoch
  to.progress = false;
  gpta::basic_trainer<gpta::bert_choice_student, gpta::fixed_prefix, gpta::null_transport, gpta::choice_metric> t(
      tiny_student(), gpta::fixed_prefix("p"), {}, to);
  const auto run = t.fit(train, dev, dev, gpta::task_info{});
  BOOST_TEST_REQUIRE(run.rounds.size() == 2u);
  BOOST_TEST(run.best_dev.metric == "accuracy");
  BOOST_TEST(run.best_dev.count == 4u);
  BOOST_TEST(run.rounds[0].steps == 30u);
  BOOST_TEST(run.rounds[1].train_loss < run.rounds[0].train_loss);
  BOOST_TEST(run.best_dev.score == 1.0);  // 60 steps, as training_memorises_the_answers_and_loss_falls
  BOOST_TEST_REQUIRE(run.test.has_value());
  BOOST_TEST(run.test->score == 1.0);
}
