#include <gpta/student/bert_choice_student.hpp>
#include <gpta/student/bert_span_student.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gpta/nn/bert_heads.hpp>

#include "support/bert_tiny.hpp"
#include "support/qwen2_tiny.hpp"  // gradient_rel_err

// Central-difference gradient checks of the reading-comprehension heads as the span and choice
// students use them: first each head alone in double (loss wrt its own parameters and wrt the
// hidden states it reads, on windows and options encoded by the students' own encoders, one
// window trained towards [CLS]), then the students themselves (float) through the whole encoder.
// Dropout is off everywhere. Every check also shows that a slightly wrong gradient would fail it.

namespace {

namespace gt = gpta::text;
namespace nn = gpta::nn;

using gpta::test::xname;

gt::wordpiece_tokenizer tiny_tokenizer() {
  std::vector<std::string> v{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "in", "where", "what", "colour",
                             "alice", "bob", "carol", "dave", "lives", "paris", "rome", "london", "berlin", ".",
                             "?", "_", "sky", "is", "blue", "red", "green", "black", "grass", "p", "q"};
  for (std::size_t i = 0; i < 10; ++i) v.push_back(xname(i));
  return gt::wordpiece_tokenizer::from_tokens(v);
}



// 20 context pieces: at max_length 24 with a two-piece question, two windows of 19 pieces
// starting at pieces 0 and 8. "paris" (piece 3) lies in the first window only, so the second
// trains towards [CLS].
const std::string people = "alice lives in paris . bob lives in rome . carol lives in london . dave lives in berlin .";

gpta::bert_span_student_options span_options() {
  gpta::bert_span_student_options o;
  o.max_length = 24;
  o.doc_stride = 8;
  o.prefix_budget = 2;
  o.max_question_length = 4;
  o.dropout = false;
  o.seed = 3;
  return o;
}

gpta::bert_choice_student_options choice_options() {
  gpta::bert_choice_student_options o;
  o.num_options = 4;
  o.max_length = 24;
  o.prefix_budget = 2;
  o.dropout = false;
  o.seed = 5;
  return o;
}

// One checked scalar: where it lives and the analytic derivative there (copied before any
// perturbation, so nothing the loss evaluations do can change it).
template <class T>
struct entry {
  T* value;
  double analytic;
  std::string name;
};

struct fd_result {
  double worst = 0;             ///< worst gradient_rel_err
  std::string where;            ///< the entry it came from, with both values
  double largest_analytic = 0;  ///< max |analytic| (a check of all-zero gradients proves nothing)
  std::size_t checked = 0, nonzero = 0;
};

// Central differences of `loss` at every entry: the 2-point stencil (f(x+h) - f(x-h)) / 2h, or
// with `five_point` the 4th-order one (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h, whose
// O(h^4) truncation lets float checks take a step large enough to drown the forward's rounding.
// `scale` multiplies the analytic values: 1 for the check, != 1 to show the check would catch
// a wrong gradient.
template <class T, class Loss>
fd_result central_difference(const std::vector<entry<T>>& entries, Loss&& loss, double h, bool five_point,
                             double scale = 1.0) {
  fd_result r;
  for (const auto& e : entries) {
    const T saved = *e.value;
    auto at = [&](double step) {
      *e.value = static_cast<T>(static_cast<double>(saved) + step);
      return loss();
    };
    double numeric = (at(h) - at(-h)) / (2 * h);
    if (five_point) numeric = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
    *e.value = saved;
    const double a = scale * e.analytic;
    const double rel = gpta::test::gradient_rel_err(a, numeric);
    if (rel >= r.worst) {
      r.worst = rel;
      r.where = e.name + ": analytic " + std::to_string(a) + " numeric " + std::to_string(numeric);
    }
    r.largest_analytic = std::max(r.largest_analytic, std::abs(e.analytic));
    r.nonzero += e.analytic != 0;
    ++r.checked;
  }
  return r;
}

template <class T>
void add_slot(std::vector<entry<T>>& out, nn::parameter_store<T>& params, const std::string& name) {
  const auto id = params.find(name);
  BOOST_TEST_REQUIRE(id.has_value(), name);
  auto v = params.value(*id);
  const auto g = std::as_const(params).grad(*id);
  for (Eigen::Index i = 0; i < v.size(); ++i)
    out.push_back({v.data() + i, static_cast<double>(g.data()[i]), name + "[" + std::to_string(i) + "]"});
}

template <class T>
void add_matrix(std::vector<entry<T>>& out, nn::row_matrix<T>& x, const nn::row_matrix<T>& analytic,
                const std::string& name) {
  BOOST_TEST_REQUIRE(x.rows() == analytic.rows());
  BOOST_TEST_REQUIRE(x.cols() == analytic.cols());
  for (Eigen::Index i = 0; i < x.size(); ++i)
    out.push_back({x.data() + i, static_cast<double>(analytic.data()[i]), name + "[" + std::to_string(i) + "]"});
}

// `count` entries drawn (with a fixed seed) from the slots whose names start with `prefix`.
template <class T>
void add_sampled(std::vector<entry<T>>& out, nn::parameter_store<T>& params, const std::string& prefix,
                 std::size_t count, std::uint64_t seed) {
  std::vector<entry<T>> pool;
  for (const auto& s : params.slots())
    if (s.name.compare(0, prefix.size(), prefix) == 0) add_slot(pool, params, s.name);
  BOOST_TEST_REQUIRE(pool.size() >= count, prefix);
  std::mt19937_64 rng(seed);
  std::shuffle(pool.begin(), pool.end(), rng);
  out.insert(out.end(), pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(count));
}

// Double: at h = 1e-5 the central difference's rounding (~1e-16 x loss / h) and truncation (~h^2)
// both stay near 1e-10 absolute, so an exact gradient shows gradient_rel_err <~ 1e-7 here (h = 1e-6
// lets rounding reach 6e-7 on the smallest hidden-state entries); a 1e-4 relative error of the
// analytic gradient gives 5e-5 and must fail the 1e-6 bound.
constexpr double double_tolerance = 1e-6;
constexpr double double_step = 1e-5;

void expect_double_check(const fd_result& r, const fd_result& wrong, const std::string& what) {
  BOOST_TEST_MESSAGE(what << ": " << r.checked << " entries, " << r.nonzero << " nonzero, worst rel " << r.worst
                          << " (" << r.where << ")");
  BOOST_TEST(r.worst < double_tolerance, what << " worst " << r.worst << " at " << r.where);
  BOOST_TEST(r.largest_analytic > 1e-3, what << ": gradients all (nearly) zero");
  BOOST_TEST(wrong.worst > double_tolerance, what << ": a 1e-4 error of the gradient went unnoticed");
}

// Random hidden states [tokens x hidden], O(1) like a LayerNorm output.
template <class T>
nn::row_matrix<T> random_hidden(const nn::bert_batch& b, Eigen::Index hidden, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  nn::row_matrix<T> h(b.tokens(), hidden);
  for (Eigen::Index i = 0; i < h.size(); ++i) h.data()[i] = static_cast<T>(normal(rng));
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(span_head)

// The span student's head (qa_outputs, SQuAD loss) in double on three windows of two examples,
// encoded by the student's encoder: the second window of the first example does not hold the
// answer and trains towards [CLS] (0, 0); the third window is shorter, so the batch has padding,
// and its target is its last real context piece.
BOOST_AUTO_TEST_CASE(loss_gradient_wrt_head_parameters_and_hidden_states) {
  using T = double;
  const auto tok = tiny_tokenizer();
  const auto o = span_options();
  const std::vector<int> prefix = gpta::prefix_pieces(tok, "p q", o.prefix_budget);
  const auto long_enc = gpta::encode_span_example(tok, prefix, gpta::test::make_span_example("where alice", people, "paris", "a"), o);
  const auto short_enc =
      gpta::encode_span_example(tok, prefix, gpta::test::make_span_example("where dave", "dave lives in berlin", "berlin", "b"), o);
  BOOST_TEST_REQUIRE(long_enc.windows.size() == 2u);
  BOOST_TEST_REQUIRE(short_enc.windows.size() == 1u);
  BOOST_TEST_REQUIRE((long_enc.answer_window == std::optional<std::size_t>(0)));
  BOOST_TEST((long_enc.target(1) == std::pair<int, int>(0, 0)));  // answer outside -> [CLS]

  std::vector<nn::token_sequence> seqs{long_enc.windows[0].sequence, long_enc.windows[1].sequence,
                                       short_enc.windows[0].sequence};
  std::vector<int> starts, ends;
  for (const auto& [enc, k] : {std::pair{&long_enc, 0}, std::pair{&long_enc, 1}, std::pair{&short_enc, 0}}) {
    const auto [s, e] = enc->target(static_cast<std::size_t>(k));
    starts.push_back(s);
    ends.push_back(e);
  }
  const nn::bert_batch batch = nn::make_bert_batch(seqs, tok.pad_id());
  BOOST_TEST_REQUIRE(batch.lengths[2] < batch.seq_len);  // padding in the third row
  BOOST_TEST(starts[0] > 0);
  BOOST_TEST(ends[2] == static_cast<int>(batch.lengths[2]) - 2);  // "berlin", just before [SEP]

  const Eigen::Index hidden = 8;
  nn::parameter_store<T> params;
  const nn::span_extraction_head<T> head(params, hidden);
  params.init_normal(11, 0.5);
  nn::row_matrix<T> h = random_hidden<T>(batch, hidden, 12);
  nn::span_extraction_head<T>::workspace ws;
  auto loss = [&] {
    head.forward(h, batch, params, ws);
    return nn::span_extraction_head<T>::loss(batch, ws, starts, ends, nullptr, nullptr);
  };

  params.zero_grad();
  head.forward(h, batch, params, ws);
  nn::row_matrix<T> d_start, d_end, d_hidden;
  const double l0 = nn::span_extraction_head<T>::loss(batch, ws, starts, ends, &d_start, &d_end);
  head.backward(h, batch, params, ws, d_start, d_end, d_hidden);
  BOOST_TEST(std::abs(l0 - loss()) < 1e-14);

  std::vector<entry<T>> p;
  add_slot(p, params, "qa_outputs.weight");
  add_slot(p, params, "qa_outputs.bias");
  expect_double_check(central_difference(p, loss, double_step, false),
                      central_difference(p, loss, double_step, false, 1 + 1e-4), "span head parameters");

  std::vector<entry<T>> x;
  add_matrix(x, h, d_hidden, "hidden");
  expect_double_check(central_difference(x, loss, double_step, false),
                      central_difference(x, loss, double_step, false, 1 + 1e-4), "span head hidden states");
  // Padded rows neither move the loss nor receive gradient.
  BOOST_TEST(d_hidden.middleRows(batch.row(2, batch.lengths[2]), batch.seq_len - batch.lengths[2]).norm() == 0.0);
  // The [CLS] row of the [CLS]-target window does receive gradient (its target is real).
  BOOST_TEST(d_hidden.row(batch.row(1, 0)).norm() > 0.0);
  // The bias shifts every position's start (end) logit alike: the softmax over positions is blind to it.
  BOOST_TEST(params.grad(*params.find("qa_outputs.bias")).cwiseAbs().maxCoeff() < 1e-12);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(choice_head)

// The choice student's head (one score per option, softmax over the options, cross-entropy) in
// double, on the option sequences the student's encoder builds (options of different lengths,
// so the pooled rows see padding).
void check_choice_head(nn::bert_pooling pooling, std::size_t options, int label, std::uint64_t seed) {
  using T = double;
  const auto tok = tiny_tokenizer();
  const std::vector<int> prefix = gpta::prefix_pieces(tok, "p q", 2);
  const std::vector<std::string> all{"blue", "green grass", "red", "black sky is black"};
  const std::vector<std::string> opts(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(options));
  const auto enc = gpta::encode_choice_example(
      tok, prefix, gpta::test::make_choice_example("the sky is blue . the grass is green .", "the sky is _ .", opts, label, "a:0"), 24);
  const nn::bert_batch batch = nn::make_bert_batch(enc.options, tok.pad_id());
  BOOST_TEST_REQUIRE(batch.batch_size == static_cast<Eigen::Index>(options));
  BOOST_TEST_REQUIRE(*std::min_element(batch.lengths.begin(), batch.lengths.end()) < batch.seq_len);

  const Eigen::Index hidden = 8;
  nn::parameter_store<T> params;
  const nn::multiple_choice_head<T> head(params, hidden, static_cast<Eigen::Index>(options), pooling, 0.0);
  params.init_normal(seed, 0.5);
  nn::row_matrix<T> h = random_hidden<T>(batch, hidden, seed + 1);
  const std::vector<int> labels{label};
  const nn::dropout_context drop{};
  nn::multiple_choice_head<T>::workspace ws;
  auto loss = [&] {
    head.forward(h, batch, params, drop, ws);
    return nn::softmax_cross_entropy_rows<T>(ws.scores, labels, nullptr);
  };

  params.zero_grad();
  head.forward(h, batch, params, drop, ws);
  BOOST_TEST_REQUIRE(ws.scores.rows() == 1);
  BOOST_TEST_REQUIRE(ws.scores.cols() == static_cast<Eigen::Index>(options));
  nn::row_matrix<T> d_scores, d_hidden;
  (void)nn::softmax_cross_entropy_rows<T>(ws.scores, labels, &d_scores);
  head.backward(batch, params, drop, ws, d_scores, d_hidden);

  const std::string what = std::string(pooling == nn::bert_pooling::mean ? "mean" : "cls") + " pooling, " +
                           std::to_string(options) + " options: ";
  std::vector<entry<T>> p;
  add_slot(p, params, "classifier.weight");
  add_slot(p, params, "classifier.bias");
  expect_double_check(central_difference(p, loss, double_step, false),
                      central_difference(p, loss, double_step, false, 1 + 1e-4), what + "choice head parameters");
  std::vector<entry<T>> x;
  add_matrix(x, h, d_hidden, "hidden");
  expect_double_check(central_difference(x, loss, double_step, false),
                      central_difference(x, loss, double_step, false, 1 + 1e-4), what + "choice head hidden states");
  // The bias shifts every option's score alike: softmax is blind to it.
  BOOST_TEST(std::abs(params.grad(*params.find("classifier.bias"))(0, 0)) < 1e-12);
}

BOOST_AUTO_TEST_CASE(loss_gradient_wrt_head_parameters_and_hidden_states_mean_pooling) {
  check_choice_head(nn::bert_pooling::mean, 4, 1, 21);
}

BOOST_AUTO_TEST_CASE(loss_gradient_wrt_head_parameters_and_hidden_states_cls_pooling) {
  check_choice_head(nn::bert_pooling::cls, 3, 2, 31);
}

BOOST_AUTO_TEST_SUITE_END()

// Through the encoder. The students are float only and expose no loss-and-gradient call, but a
// train_step with learning_rate 0 and no clipping is one: it leaves the gradient of the step's
// loss in parameters().grads() and the parameters unchanged (restored from a snapshot anyway).
//
// Float tolerance: the float forward's loss carries a rounding error of ~1e-7 absolute, which a
// step h turns into ~1e-7 / h in the derivative; the 5-point stencil at h = 2^-5 keeps truncation
// (O(h^4)) below that, so the numeric derivative is good to ~5e-6 absolute (measured: halving h
// makes it worse, doubling it lets truncation show). The smallest gradients checked are ~2e-4
// (attention keys), where that is gradient_rel_err ~1e-2; the worst measured over five seeds of
// the parameters is 3.5e-3 .. 9.3e-3. 2e-2 is the bound, still below what a wrong gradient gives (a
// missing factor 1/2 is 0.33, a 10% error 0.048 - shown below with the analytic values x 1.1).
namespace {

constexpr double float_tolerance = 2e-2;
constexpr double float_step = 1.0 / 32;

void expect_float_check(const fd_result& r, const fd_result& wrong, const std::string& what) {
  BOOST_TEST_MESSAGE(what << ": " << r.checked << " entries, " << r.nonzero << " nonzero, worst rel " << r.worst
                          << " (" << r.where << ")");
  BOOST_TEST(r.worst < float_tolerance, what << " worst " << r.worst << " at " << r.where);
  BOOST_TEST(r.largest_analytic > 1e-2, what << ": gradients all (nearly) zero");
  BOOST_TEST(r.nonzero * 2 > r.checked, what << ": most checked gradients are zero");
  BOOST_TEST(wrong.worst > float_tolerance, what << ": a 10% error of the gradient went unnoticed");
}

template <class Student>
void prepare_for_gradcheck(Student& s) {
  // Away from BERT's N(0, 0.02) init: larger weights give gradients well above the float noise,
  // and no parameter sits at a special value (gains 1, biases 0).
  s.parameters().init_normal(7, 0.3);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(through_the_encoder)

// train_step's objective is the mean over the batch's training windows; loss() and
// example_losses() average per example first. With windows per example n_i the step's loss is
// sum n_i L_i / sum n_i, rebuilt here from example_losses.
BOOST_AUTO_TEST_CASE(span_student_train_step_gradient) {
  auto o = span_options();
  o.learning_rate = 0.0;
  o.max_grad_norm = 0.0;
  o.weight_decay = 0.0;
  auto tok = tiny_tokenizer();
  gpta::bert_span_student s(gpta::test::tiny_bert_config(tok.vocab_size()), tok, o);
  prepare_for_gradcheck(s);
  const std::vector<gpta::span_example> batch{gpta::test::make_span_example("where alice", people, "paris", "a"),
                                              gpta::test::make_span_example("where dave", "dave lives in berlin", "berlin", "b")};
  const std::string prefix = "p q";
  std::vector<double> windows;
  for (const auto& e : batch) windows.push_back(static_cast<double>(s.encode(e, prefix).loss_windows(true).size()));
  BOOST_TEST_REQUIRE(windows[0] == 2.0);
  BOOST_TEST_REQUIRE(windows[1] == 1.0);
  auto loss = [&] {
    const auto l = s.example_losses(batch, prefix);
    return (windows[0] * l[0] + windows[1] * l[1]) / (windows[0] + windows[1]);
  };

  const auto before = s.snapshot();
  const double step_loss = s.train_step(batch, prefix);
  s.restore(before);
  BOOST_TEST(std::abs(step_loss - loss()) < 1e-5);

  std::vector<entry<float>> p;
  // A sample of each part (the head's own gradients are checked in full, in double, above): the
  // unit-test budget under the sanitizers is seconds, and 5-point differences cost 4 passes each.
  add_sampled(p, s.parameters(), "qa_outputs.weight", 6, 40);
  add_slot(p, s.parameters(), "qa_outputs.bias");
  add_sampled(p, s.parameters(), "encoder.layer.1.", 8, 41);
  add_sampled(p, s.parameters(), "encoder.layer.0.", 4, 42);
  add_sampled(p, s.parameters(), "embeddings.", 2, 43);
  expect_float_check(central_difference(p, loss, float_step, true),
                     central_difference(p, loss, float_step, true, 1.1), "span student");
}

BOOST_AUTO_TEST_CASE(choice_student_train_step_gradient) {
  auto o = choice_options();
  o.learning_rate = 0.0;
  o.max_grad_norm = 0.0;
  o.weight_decay = 0.0;
  auto tok = tiny_tokenizer();
  gpta::bert_choice_student s(gpta::test::tiny_bert_config(tok.vocab_size()), tok, o);
  prepare_for_gradcheck(s);
  const std::vector<gpta::choice_example> batch{
      gpta::test::make_choice_example("the sky is blue . the grass is green .", "the sky is _ .", {"red", "blue", "green grass", "black"}, 1,
                "a:0"),
      gpta::test::make_choice_example("alice lives in paris .", "where alice ?", {"rome", "london", "berlin", "paris"}, 3, "b:0")};
  const std::string prefix = "p q";
  auto loss = [&] { return s.loss(batch, prefix); };

  const auto before = s.snapshot();
  const double step_loss = s.train_step(batch, prefix);
  s.restore(before);
  BOOST_TEST(std::abs(step_loss - loss()) < 1e-5);

  std::vector<entry<float>> p;
  add_sampled(p, s.parameters(), "classifier.weight", 6, 50);
  add_sampled(p, s.parameters(), "encoder.layer.1.", 8, 51);
  add_sampled(p, s.parameters(), "encoder.layer.0.", 4, 52);
  add_sampled(p, s.parameters(), "embeddings.", 2, 53);
  expect_float_check(central_difference(p, loss, float_step, true),
                     central_difference(p, loss, float_step, true, 1.1), "choice student");
  // The classifier bias cancels in the softmax over options.
  BOOST_TEST(std::abs(s.parameters().grad(*s.parameters().find("classifier.bias"))(0, 0)) < 1e-6f);
}

BOOST_AUTO_TEST_SUITE_END()
