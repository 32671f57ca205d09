#include <gpta/nn/lora.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include <gpta/nn/adamw.hpp>
#include <gpta/nn/grad_clip.hpp>
#include <gpta/nn/lr_schedule.hpp>
#include <gpta/nn/qwen2/decoder.hpp>

// The LoRA layer on its own (layout, init, forward formula, backward by finite differences, dropout
// masks shared by forward and backward) and its use with the shared optimiser pieces: AdamW on the
// flat parameter vector, global-norm clipping and the warm-up schedule lower a tiny Qwen2's loss.

#include "support/qwen2_tiny.hpp"

namespace {

using matrix = gpta::nn::row_matrix<double>;

gpta::nn::basic_lora_adapters<double> one_adapter(double dropout, double b_std) {
  gpta::nn::lora_options o;
  o.rank = 3;
  o.alpha = 6;
  o.dropout = dropout;
  o.modules = gpta::nn::lora_bit(gpta::nn::lora_module::up);
  gpta::nn::basic_lora_adapters<double> a(o, 1, [](std::size_t, gpta::nn::lora_module) {
    return std::pair<std::size_t, std::size_t>{5, 4};
  });
  a.init(11, b_std);
  return a;
}

matrix random_matrix(Eigen::Index r, Eigen::Index c, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  matrix m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = nd(rng);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(module_lists_parse) {
  using gpta::nn::lora_bit;
  using gpta::nn::lora_module;
  BOOST_TEST(gpta::nn::parse_lora_modules("q,v") == (lora_bit(lora_module::q) | lora_bit(lora_module::v)));
  BOOST_TEST(gpta::nn::parse_lora_modules("gate_proj,down") ==
             (lora_bit(lora_module::gate) | lora_bit(lora_module::down)));
  BOOST_TEST(gpta::nn::parse_lora_modules("all") == gpta::nn::lora_all_modules);
  BOOST_CHECK_THROW((void)gpta::nn::parse_lora_modules("q,qq"), std::invalid_argument);
  gpta::nn::lora_options bad;
  bad.rank = 0;
  BOOST_CHECK_THROW(bad.validate(), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(flat_layout_and_paper_initialisation) {
  gpta::nn::lora_options o;
  o.rank = 4;
  o.modules = gpta::nn::lora_all_modules;
  gpta::nn::qwen2_config c;
  c.num_layers = 3;
  const auto a = gpta::nn::make_qwen2_lora<float>(c, o);
  // Every (layer, module) has an adapter; sizes add up to rank x (in + out) per adapter.
  BOOST_TEST(a.slots().size() == 21u);
  std::size_t expected = 0;
  for (const auto& s : a.slots()) expected += 4 * static_cast<std::size_t>(s.in + s.out);
  BOOST_TEST(a.size() == expected);
  BOOST_TEST(a.find(2, gpta::nn::lora_module::k) != a.npos);
  BOOST_TEST(a.slots()[a.find(2, gpta::nn::lora_module::k)].out == 128);  // kv_dim of the 0.5B model
  auto b = one_adapter(0, 0);
  BOOST_TEST(b.B(0).norm() == 0.0);          // B = 0: the adapted model starts at the base model
  BOOST_TEST(b.A(0).norm() > 0.0);
  BOOST_TEST(b.A(0).cwiseAbs().maxCoeff() <= 1 / std::sqrt(5.0));  // kaiming-uniform bound of peft
  BOOST_TEST(b.A(0).data() == b.values().data());  // A and B are views of the flat vector
  BOOST_TEST(b.B(0).data() == b.values().data() + 15);
}

BOOST_AUTO_TEST_CASE(forward_is_w_x_plus_scaled_b_a_x) {
  auto a = one_adapter(0, 0.5);
  const matrix x = random_matrix(6, 5, 1);
  matrix y = matrix::Ones(6, 4);
  gpta::nn::lora_activation<double> act;
  a.forward(0, x, y, act, 0, false);
  const matrix want = matrix::Ones(6, 4) + 2.0 * x * a.A(0).transpose() * a.B(0).transpose();
  BOOST_TEST((y - want).cwiseAbs().maxCoeff() < 1e-12);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_with_and_without_dropout) {
  for (const double p : {0.0, 0.4}) {
    auto a = one_adapter(p, 0.5);
    matrix x = random_matrix(7, 5, 2);
    const matrix w = random_matrix(7, 4, 3);
    const std::uint64_t key = 99;
    auto loss = [&] {
      matrix y = matrix::Zero(7, 4);
      gpta::nn::lora_activation<double> act;
      a.forward(0, x, y, act, key, true);
      return (y.array() * w.array()).sum();
    };
    matrix y = matrix::Zero(7, 4);
    gpta::nn::lora_activation<double> act;
    a.forward(0, x, y, act, key, true);
    a.zero_grad();
    matrix dx = matrix::Zero(7, 5);
    a.backward(0, x, w, act, dx, key, true);
    double worst = 0;
    auto check = [&](double& v, double analytic) {
      const double saved = v, h = 1e-6;
      v = saved + h;
      const double up = loss();
      v = saved - h;
      const double down = loss();
      v = saved;
      const double n = (up - down) / (2 * h);
      worst = std::max(worst, std::abs(analytic - n) / std::max(1e-3, std::abs(analytic) + std::abs(n)));
    };
    const auto grads = a.grads();
    for (Eigen::Index i = 0; i < a.values().size(); ++i) check(a.values()[i], grads[i]);
    for (Eigen::Index i = 0; i < x.size(); ++i) check(x.data()[i], dx.data()[i]);
    BOOST_TEST(worst < 1e-6, "dropout " << p << " worst rel " << worst);
    if (p > 0) {
      // The mask is really applied: some input columns of some rows get no gradient through A.
      BOOST_TEST((dx.array() == 0.0).count() > 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(adamw_with_clipping_and_warmup_lowers_a_tiny_qwen2_loss) {
  const gpta::nn::qwen2_config c = gpta::test::tiny_qwen2_config();
  gpta::nn::qwen2_weights<float> w;
  w.init_random(c, 21);
  gpta::nn::qwen2_decoder<float> model(c, std::move(w));
  gpta::nn::lora_options o;
  o.rank = 4;
  o.alpha = 8;
  o.dropout = 0.1;
  o.modules = gpta::nn::lora_all_modules;
  auto lora = model.make_lora(o, 5);
  const gpta::nn::qwen2_sequences batch{{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10}};
  // Loss on the continuation only: the last three tokens of the first sequence, the last of the second.
  const gpta::nn::qwen2_targets targets{gpta::nn::qwen2_next_token_targets(batch[0], 3),
                                        gpta::nn::qwen2_next_token_targets(batch[1], 3)};
  gpta::nn::adamw_options ao;
  ao.learning_rate = 1e-2;
  ao.weight_decay = 0.0;
  gpta::nn::adamw opt(ao);
  const std::size_t slot = opt.add_parameter(static_cast<Eigen::Index>(lora.size()), 1, true);
  const gpta::nn::linear_warmup_decay schedule{1e-2, 3, 0};
  const double before = model.loss(batch, targets, &lora);
  for (std::uint64_t step = 1; step <= 20; ++step) {
    lora.zero_grad();
    const gpta::nn::dropout_context drop{3, step, true};
    (void)model.loss_and_grad(batch, targets, lora, drop);
    const double norm = gpta::nn::clip_global_norm(lora.grads(), 1.0);
    BOOST_TEST_REQUIRE(std::isfinite(norm));
    opt.set_learning_rate(schedule(static_cast<std::int64_t>(step)));
    opt.begin_step();
    opt.update(slot, lora.values(), lora.grads());
  }
  const double after = model.loss(batch, targets, &lora);
  BOOST_TEST_MESSAGE("tiny Qwen2 loss " << before << " -> " << after);
  BOOST_TEST(after < 0.5 * before);
}
