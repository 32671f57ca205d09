#include <gpta/student/bow_classifier.hpp>

#include <gpta/concepts/student_model.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

using gpta::text_example;
using gpta::student::bow_classifier;
using gpta::student::bow_options;
using gpta::text::vocabulary;

static_assert(gpta::detail::check_student_model<bow_classifier>());
static_assert(gpta::detail::check_student_model<gpta::student::basic_bow_classifier<double>>());
static_assert(gpta::has_predict_with_loss<bow_classifier>);

namespace {
namespace tt = boost::test_tools;

std::vector<text_example> toy_data() {
  return {{"a great and moving film", 1}, {"dull , boring and far too long", 0}, {"great acting , great story", 1},
          {"a boring mess", 0},           {"moving and funny", 1},              {"too long and dull", 0},
          {"funny , warm , great", 1},    {"a mess of a film", 0}};
}

bow_options small_options() {
  bow_options o;
  o.dim = 8;
  o.oov_buckets = 16;
  o.prefix_token_budget = 4;
  o.max_tokens = 12;
  o.seed = 7;
  return o;
}

template <class Model>
Model make_model(bow_options o = small_options()) {
  const auto data = toy_data();
  return Model(Model::fit_vocabulary(data, 1), 2, o);
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::path(GPTA_TEST_BINARY_DIR) / ("bow_test_" + std::to_string(::getpid()) + "_" + name);
}
}  // namespace

BOOST_AUTO_TEST_CASE(sequence_is_prefix_sep_input_with_prefix_cut_to_budget) {
  const auto m = make_model<bow_classifier>();
  const auto& v = m.vocabulary();
  // budget 4 prefix tokens, max 12 in all: 4 + [SEP] + 7 input tokens at most.
  const auto rows = m.feature_rows("great film great film great film great film", "p q r s t u");
  BOOST_TEST_REQUIRE(rows.size() == 12u);
  BOOST_TEST(rows[4] == vocabulary::sep_id);
  BOOST_TEST(rows[5] == v.id("great"));
  BOOST_TEST(rows[6] == v.id("film"));
  // Prefix words unknown to the vocabulary go to OOV buckets past the vocabulary rows.
  for (int i = 0; i < 4; ++i) {
    BOOST_TEST(rows[static_cast<std::size_t>(i)] >= static_cast<Eigen::Index>(v.size()));
    BOOST_TEST(rows[static_cast<std::size_t>(i)] < static_cast<Eigen::Index>(v.size() + 16));
  }
  // A short prefix leaves the input whole; an empty one still has [SEP].
  const auto short_rows = m.feature_rows("a boring mess", "");
  BOOST_TEST((short_rows == std::vector<Eigen::Index>{vocabulary::sep_id, v.id("a"), v.id("boring"), v.id("mess")}));
}

BOOST_AUTO_TEST_CASE(prefix_changes_the_model_input) {
  auto m = make_model<bow_classifier>();
  const auto data = toy_data();
  for (int i = 0; i < 5; ++i) m.train_step(data, "");
  const double none = m.loss(data, "");
  const double with = m.loss(data, "review sentiment :");
  const double other = m.loss(data, "zebra quantum");
  BOOST_TEST(none != with);
  BOOST_TEST(with != other);
  const auto p1 = m.probabilities(data, "");
  const auto p2 = m.probabilities(data, "review sentiment :");
  BOOST_TEST((p1[0] - p2[0]).norm() > 1e-6);
}

BOOST_AUTO_TEST_CASE(prefix_beyond_budget_is_ignored) {
  auto m = make_model<bow_classifier>();
  const auto data = toy_data();
  for (int i = 0; i < 3; ++i) m.train_step(data, "one two three four");
  // Budget is 4 tokens: words 5.. never reach the model.
  BOOST_TEST(m.loss(data, "one two three four") == m.loss(data, "one two three four five six seven"));
  // A change inside the budget does reach it ("great" has its own vocabulary row).
  BOOST_TEST(m.loss(data, "one two three four") != m.loss(data, "one two three GREAT"));
}

BOOST_AUTO_TEST_CASE(gradients_match_central_differences) {
  // Double precision model so central differences are accurate to ~1e-9.
  using model = gpta::student::basic_bow_classifier<double>;
  bow_options o = small_options();
  o.bigram_buckets = 8;  // exercise the bigram rows too
  auto m = make_model<model>(o);
  const auto data = toy_data();
  for (int i = 0; i < 3; ++i) m.train_step(data, "hint word");  // move off the initial point
  const std::string prefix = "hint word";
  const auto g = m.gradients(data, prefix);
  BOOST_TEST(g.loss == m.loss(data, prefix), tt::tolerance(1e-12));

  const auto base = m.snapshot();
  const double h = 1e-5;
  double worst = 0.0;
  int checked = 0;
  auto check = [&](auto&& param_ref, double analytic) {
    auto s = base;
    double& x = param_ref(s);
    const double x0 = x;
    x = x0 + h;
    m.restore(s);
    const double lp = m.loss(data, prefix);
    x = x0 - h;
    m.restore(s);
    const double lm = m.loss(data, prefix);
    const double numeric = (lp - lm) / (2 * h);
    const double rel = std::abs(numeric - analytic) / std::max(1e-6, std::abs(numeric) + std::abs(analytic));
    worst = std::max(worst, rel);
    ++checked;
  };
  // Every touched embedding row, a few columns each.
  BOOST_TEST_REQUIRE(g.embedding_rows.size() > 10u);
  for (std::size_t k = 0; k < g.embedding_rows.size(); k += 3)
    for (Eigen::Index c = 0; c < 8; c += 3) {
      const Eigen::Index r = g.embedding_rows[k];
      check([&](auto& s) -> double& { return s.embedding(r, c); }, g.embedding(static_cast<Eigen::Index>(k), c));
    }
  // A row no example touches has zero gradient, numerically too.
  check([&](auto& s) -> double& { return s.embedding(0, 0); }, 0.0);  // [PAD] never appears
  for (Eigen::Index r = 0; r < 2; ++r)
    for (Eigen::Index c = 0; c < 8; ++c)
      check([&](auto& s) -> double& { return s.linear_weight(r, c); }, g.linear_weight(r, c));
  for (Eigen::Index r = 0; r < 2; ++r) check([&](auto& s) -> double& { return s.bias(r); }, g.bias(r));
  m.restore(base);
  BOOST_TEST_MESSAGE("gradient check: " << checked << " entries, worst relative error " << worst);
  BOOST_TEST(checked > 30);
  BOOST_TEST(worst < 1e-6);
}

BOOST_AUTO_TEST_CASE(float_gradients_agree_with_double) {
  auto mf = make_model<bow_classifier>();
  auto md = make_model<gpta::student::basic_bow_classifier<double>>();
  const auto data = toy_data();
  const auto gf = mf.gradients(data, "x");
  const auto gd = md.gradients(data, "x");
  BOOST_TEST(gf.loss == gd.loss, tt::tolerance(1e-5));
  BOOST_TEST((gf.embedding_rows == gd.embedding_rows));
  BOOST_TEST((gf.linear_weight.cast<double>() - gd.linear_weight).norm() < 1e-5);
  BOOST_TEST((gf.embedding.cast<double>() - gd.embedding).norm() < 1e-5);
}

BOOST_AUTO_TEST_CASE(training_reduces_loss_and_fits_the_toy_set) {
  auto m = make_model<bow_classifier>();
  const auto data = toy_data();
  const double first = m.train_step(data, "");
  double last = first;
  for (int i = 0; i < 60; ++i) last = m.train_step(data, "");
  BOOST_TEST(last < 0.5 * first);
  const auto pred = m.predict(data, "");
  for (std::size_t i = 0; i < data.size(); ++i) BOOST_TEST(pred[i] == data[i].label);
  const auto [pred2, loss] = m.predict_with_loss(data, "");
  BOOST_TEST((pred2 == pred));
  BOOST_TEST(loss == m.loss(data, ""));
}

BOOST_AUTO_TEST_CASE(snapshot_restore_round_trip) {
  auto m = make_model<bow_classifier>();
  const auto data = toy_data();
  m.train_step(data, "p");
  const auto snap = m.snapshot();
  const double before = m.loss(data, "p");
  const double next_step = m.train_step(data, "p");  // loss before this update == before
  BOOST_TEST(next_step == before);
  const double after_step = m.loss(data, "p");
  BOOST_TEST(after_step != before);
  m.restore(snap);
  BOOST_TEST(m.loss(data, "p") == before);
  // Optimizer moments came back too: the same step again lands on the same loss.
  m.train_step(data, "p");
  BOOST_TEST(m.loss(data, "p") == after_step);

  auto wrong = snap;
  wrong.bias.resize(3);
  BOOST_CHECK_THROW(m.restore(wrong), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(same_seed_same_losses_different_seed_different) {
  const auto data = toy_data();
  auto a = make_model<bow_classifier>();
  auto b = make_model<bow_classifier>();
  bow_options o = small_options();
  o.seed = 8;
  auto c = make_model<bow_classifier>(o);
  for (int i = 0; i < 10; ++i) {
    const std::span<const text_example> batch(data.data() + (i % 2) * 4, 4);
    const double la = a.train_step(batch, "pre");
    const double lb = b.train_step(batch, "pre");
    BOOST_TEST(la == lb);
  }
  BOOST_TEST((a.embedding().array() == b.embedding().array()).all());
  BOOST_TEST(a.loss(data, "") != c.loss(data, ""));
}

BOOST_AUTO_TEST_CASE(large_batches_give_bit_identical_results_to_small_ones) {
  // Above parallel_threshold the batch is evaluated with OpenMP; per-example results must be
  // the same bits as one-by-one evaluation.
  auto m = make_model<bow_classifier>();
  const auto base = toy_data();
  std::vector<text_example> big;
  for (std::size_t i = 0; i < 3 * bow_classifier::parallel_threshold; ++i) big.push_back(base[i % base.size()]);
  const auto probs = m.probabilities(big, "x y");
  for (std::size_t i = 0; i < base.size(); ++i) {
    const auto one = m.probabilities(std::span<const text_example>(&base[i], 1), "x y");
    BOOST_TEST((one[0].array() == probs[i].array()).all());
  }
  double serial = 0.0;
  for (const auto& e : big) serial += m.loss(std::span<const text_example>(&e, 1), "x y");
  BOOST_TEST(m.loss(big, "x y") == serial / static_cast<double>(big.size()));
}

BOOST_AUTO_TEST_CASE(dense_and_lazy_updates_agree_on_first_step) {
  // From zero moments, a zero-gradient row does not move under dense AdamW either.
  bow_options o = small_options();
  o.lazy_embedding_updates = false;
  auto dense = make_model<bow_classifier>(o);
  auto lazy = make_model<bow_classifier>();
  const auto data = toy_data();
  dense.train_step(data, "");
  lazy.train_step(data, "");
  BOOST_TEST((dense.embedding().array() == lazy.embedding().array()).all());
  dense.train_step(std::span<const text_example>(data.data(), 1), "");
  lazy.train_step(std::span<const text_example>(data.data(), 1), "");
  BOOST_TEST((dense.embedding().array() != lazy.embedding().array()).any());
}

BOOST_AUTO_TEST_CASE(save_load_round_trip) {
  bow_options o = small_options();
  o.bigram_buckets = 8;
  o.weight_decay = 0.01f;
  auto m = make_model<bow_classifier>(o);
  const auto data = toy_data();
  for (int i = 0; i < 4; ++i) m.train_step(data, "hello");
  m.set_learning_rate(0.02);
  const auto path = temp_path("ckpt.bin");
  m.save(path);
  auto back = bow_classifier::load(path);
  BOOST_TEST((back.options() == m.options()));
  BOOST_TEST((back.vocabulary() == m.vocabulary()));
  BOOST_TEST(back.steps() == m.steps());
  BOOST_TEST(back.learning_rate() == 0.02);
  BOOST_TEST(back.loss(data, "hello") == m.loss(data, "hello"));
  // Training continues identically (optimizer state and learning rate survived).
  BOOST_TEST(back.train_step(data, "hello") == m.train_step(data, "hello"));
  BOOST_TEST(back.loss(data, "hello") == m.loss(data, "hello"));
  // A double model refuses a float checkpoint.
  BOOST_CHECK_THROW((void)gpta::student::basic_bow_classifier<double>::load(path), std::runtime_error);
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(load_rejects_damaged_files_naming_them) {
  auto m = make_model<bow_classifier>();
  const auto path = temp_path("damaged.bin");
  m.save(path);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto message_for = [&](const std::string& content) -> std::string {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    try {
      (void)bow_classifier::load(path);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "<loaded>";
  };
  auto msg = message_for(bytes.substr(0, bytes.size() - 4));  // truncated tensor data
  BOOST_TEST(msg.find(path.string()) != std::string::npos, msg);
  BOOST_TEST(msg.find("optimizer.second_moment.2") != std::string::npos, msg);
  msg = message_for(bytes + "x");
  BOOST_TEST(msg.find("unexpected bytes") != std::string::npos, msg);
  msg = message_for("not a checkpoint at all");
  BOOST_TEST(msg.find("bad magic") != std::string::npos, msg);
  std::string renamed = bytes;
  const auto at = renamed.find("\"dim\"");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  renamed.replace(at, 5, "\"dum\"");
  msg = message_for(renamed);
  BOOST_TEST(msg.find("options.dim") != std::string::npos, msg);
  std::filesystem::remove(path);
  msg = message_for("");
  BOOST_TEST(msg.find(path.string()) != std::string::npos, msg);
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(misuse_is_reported) {
  const auto data = toy_data();
  const auto vocab = bow_classifier::fit_vocabulary(data);
  BOOST_CHECK_THROW(bow_classifier(vocab, 1), std::invalid_argument);
  bow_options o = small_options();
  o.max_tokens = o.prefix_token_budget + 1;  // no room for the input
  BOOST_CHECK_THROW(bow_classifier(vocab, 2, o), std::invalid_argument);
  auto m = make_model<bow_classifier>();
  std::vector<text_example> bad{{"x", 2}};
  BOOST_CHECK_THROW(m.train_step(bad, ""), std::invalid_argument);
  BOOST_CHECK_THROW((void)m.loss(bad, ""), std::invalid_argument);
  BOOST_CHECK_THROW(m.train_step(std::span<const text_example>{}, ""), std::invalid_argument);
  BOOST_TEST(m.predict(std::span<const text_example>{}, "").empty());
}
