#include <gpta/nn/qwen2/generate.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <random>
#include <string>

// Finite-difference checks (central differences, double precision) of the Qwen2 decoder's LoRA
// backward pass on a tiny random model: every adapter target, with and without dropout, tied and
// untied heads; then the block's input gradient (attention + RoPE + RMSNorm + SwiGLU backward) and
// RMSNorm / RoPE on their own. Analytic and numeric derivatives are independent computations.

#include "support/qwen2_tiny.hpp"

namespace {

// Greedy decoding of at most `max_new` tokens, ending at a token of `stop`.
gpta::nn::generation_options decoding(std::size_t max_new, const std::vector<std::int32_t>& stop) {
  gpta::nn::generation_options o;
  o.max_new_tokens = max_new;
  o.stop = stop;
  return o;
}

using scalar = double;
using matrix = gpta::nn::row_matrix<scalar>;
using decoder = gpta::nn::qwen2_decoder<scalar>;

gpta::nn::qwen2_config tiny_config(bool tied = true) { return gpta::test::tiny_qwen2_config(tied); }

decoder tiny_model(std::uint64_t seed, bool tied = true) {
  const auto c = tiny_config(tied);
  gpta::nn::qwen2_weights<scalar> w;
  w.init_random(c, seed);
  return decoder(c, std::move(w));
}

// Two sequences of different lengths (7 and 4): packing and per-sequence causal attention.
gpta::nn::qwen2_sequences tiny_batch() { return {{3, 17, 5, 39, 0, 22, 8}, {11, 2, 30, 7}}; }

// Loss on a few positions per sequence, including position 0 and the last one.
gpta::nn::qwen2_targets tiny_targets() {
  return {{{0, 17}, {3, 0}, {5, 8}, {6, 1}}, {{1, 30}, {3, 12}}};
}

struct gradcheck_result {
  double max_rel = 0;
  std::string worst;
  std::size_t checked = 0;
};

double rel_err(double a, double n) { return gpta::test::gradient_rel_err(a, n); }

gradcheck_result compare_lora(gpta::nn::basic_lora_adapters<scalar>& lora, const std::function<double()>& loss) {
  const scalar h = 1e-6;
  gradcheck_result r;
  const auto analytic = lora.grads();
  for (const auto& s : lora.slots()) {
    const Eigen::Index n = lora.rank() * (s.in + s.out);
    for (Eigen::Index i = 0; i < n; ++i) {
      scalar& w = lora.values()[s.offset + i];
      const scalar saved = w;
      w = saved + h;
      const double up = loss();
      w = saved - h;
      const double down = loss();
      w = saved;
      const double numeric = (up - down) / (2 * h);
      const double a = analytic[s.offset + i];
      const double rel = rel_err(a, numeric);
      if (rel > r.max_rel) {
        r.max_rel = rel;
        r.worst = std::string(gpta::nn::lora_module_name(s.module)) + " layer " + std::to_string(s.layer) + "[" +
                  std::to_string(i) + "] analytic " + std::to_string(a) + " numeric " + std::to_string(numeric);
      }
      ++r.checked;
    }
  }
  return r;
}

// Every module of every layer got a non-zero gradient for both A and B (none silently skipped).
void expect_every_adapter_has_gradient(gpta::nn::basic_lora_adapters<scalar>& lora) {
  for (std::size_t i = 0; i < lora.slots().size(); ++i) {
    const auto& s = lora.slots()[i];
    const std::string name = std::string(gpta::nn::lora_module_name(s.module)) + " layer " + std::to_string(s.layer);
    BOOST_TEST(lora.grad_A(i).norm() > 0, name << " A");
    BOOST_TEST(lora.grad_B(i).norm() > 0, name << " B");
  }
}

void check_lora_gradients(bool tied, double dropout, unsigned modules, std::uint64_t seed) {
  auto model = tiny_model(seed, tied);
  gpta::nn::lora_options o;
  o.rank = 2;
  o.alpha = 3.0;
  o.dropout = dropout;
  o.modules = modules;
  auto lora = gpta::nn::make_qwen2_lora<scalar>(model.config(), o);
  lora.init(seed + 1, 0.3);  // B != 0, else every gradient of A is zero
  const auto batch = tiny_batch();
  const auto targets = tiny_targets();
  // Fixed (seed, step): the dropout masks are a deterministic function, so the loss is smooth.
  const gpta::nn::dropout_context drop{7, 2, dropout > 0};
  lora.zero_grad();
  const double l0 = model.loss_and_grad(batch, targets, lora, drop);
  const auto loss = [&] { return model.loss(batch, targets, &lora, drop); };
  BOOST_TEST(std::abs(l0 - loss()) < 1e-12);  // the training path computes the same loss
  const auto r = compare_lora(lora, loss);
  BOOST_TEST_MESSAGE("checked " << r.checked << " adapter values, worst " << r.worst << " rel " << r.max_rel);
  BOOST_TEST(r.checked == lora.size());
  BOOST_TEST(r.max_rel < 1e-5, "worst: " << r.worst << " rel " << r.max_rel);
  expect_every_adapter_has_gradient(lora);
}

}  // namespace

BOOST_AUTO_TEST_CASE(lora_gradients_for_every_target_module) {
  check_lora_gradients(true, 0.0, gpta::nn::lora_all_modules, 1);
}

BOOST_AUTO_TEST_CASE(lora_gradients_with_dropout_and_untied_head) {
  check_lora_gradients(false, 0.3, gpta::nn::lora_all_modules, 2);
}

BOOST_AUTO_TEST_CASE(lora_gradients_for_the_default_q_v_subset) {
  check_lora_gradients(true, 0.0, gpta::nn::lora_options{}.modules, 3);
}

// The block's input gradient: attention (GQA, causal, per sequence), RoPE, both RMSNorms and the
// SwiGLU MLP backward, with adapters on every projection, for loss = sum(w o block(x)).
BOOST_AUTO_TEST_CASE(block_input_gradient_covers_attention_rope_rmsnorm) {
  auto model = tiny_model(4);
  gpta::nn::lora_options o;
  o.rank = 2;
  o.modules = gpta::nn::lora_all_modules;
  auto lora = gpta::nn::make_qwen2_lora<scalar>(model.config(), o);
  lora.init(5, 0.3);
  const auto L = model.layout(tiny_batch());
  std::mt19937_64 rng(9);
  std::normal_distribution<double> nd(0.0, 1.0);  // values need not be portable here
  matrix x(L.rows(), 16), w(L.rows(), 16);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = nd(rng), w.data()[i] = nd(rng);
  gpta::nn::qwen2_layer_cache<scalar> cache;
  const gpta::nn::dropout_context drop{};
  auto loss = [&] {
    matrix out;
    model.layer_forward(1, L, x, &lora, drop, cache, &out);
    return (out.array() * w.array()).sum();
  };
  model.layer_forward(1, L, x, &lora, drop, cache);
  matrix dx;
  model.layer_backward(1, L, x, w, &lora, drop, cache, dx);
  const matrix analytic = dx;
  const double worst = gpta::test::worst_central_difference(x, analytic, loss);
  BOOST_TEST_MESSAGE("block input gradient: worst rel " << worst);
  BOOST_TEST(worst < 1e-5);
  // Causality: a row's gradient never reaches earlier rows' inputs from later ones, so perturbing
  // the last token of sequence 0 leaves the block output of its first rows untouched.
  matrix base;
  model.layer_forward(1, L, x, &lora, drop, cache, &base);
  x.row(6).array() += 1.0;
  matrix moved;
  model.layer_forward(1, L, x, &lora, drop, cache, &moved);
  BOOST_TEST((moved.topRows(6) - base.topRows(6)).cwiseAbs().maxCoeff() == 0.0);
  BOOST_TEST((moved.bottomRows(4) - base.bottomRows(4)).cwiseAbs().maxCoeff() == 0.0);  // other sequence
}

BOOST_AUTO_TEST_CASE(rms_norm_backward_matches_finite_differences) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> nd(0.0, 1.0);
  matrix x(5, 9), gain(1, 9), w(5, 9);
  for (auto* m : {&x, &gain, &w})
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = nd(rng);
  gpta::nn::column_vector<scalar> inv(5);
  matrix y(5, 9);
  auto loss = [&] {
    gpta::nn::rms_norm_forward<scalar>(x, gain, 1e-6, y, inv);
    return (y.array() * w.array()).sum();
  };
  loss();
  matrix dx(5, 9);
  gpta::nn::rms_norm_backward<scalar>(x, inv, gain, w, dx, false);
  const matrix analytic = dx;
  const double worst = gpta::test::worst_central_difference(x, analytic, loss);
  BOOST_TEST_MESSAGE("rms_norm input gradient: worst rel " << worst);
  BOOST_TEST(worst < 1e-5);
  // Accumulate mode adds to what is there (the residual branch).
  loss();  // inv of the unperturbed x again
  matrix acc = matrix::Ones(5, 9);
  gpta::nn::rms_norm_backward<scalar>(x, inv, gain, w, acc, true);
  BOOST_TEST((acc.array() - 1.0 - analytic.array()).abs().maxCoeff() < 1e-14);
}

BOOST_AUTO_TEST_CASE(rope_backward_is_the_transposed_rotation) {
  // The backward pass of a rotation is its transpose: <R x, y> = <x, R^T y>, and R^T R = I.
  gpta::nn::rope_table<scalar> rope(8, 10000.0, 16);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> nd(0.0, 1.0);
  matrix x(6, 24), y(6, 24);
  for (auto* m : {&x, &y})
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = nd(rng);
  const std::vector<std::int32_t> pos{0, 1, 2, 9, 15, 3};
  matrix rx = x, rty = y;
  rope.apply(rx, pos);
  rope.apply(rty, pos, true);
  BOOST_TEST(std::abs((rx.array() * y.array()).sum() - (x.array() * rty.array()).sum()) < 1e-12);
  rope.apply(rx, pos, true);
  BOOST_TEST((rx - x).cwiseAbs().maxCoeff() < 1e-14);
  // Position 0 is the identity; NEOX pairs feature i with i + d/2 (not 2i with 2i + 1).
  matrix e = matrix::Zero(1, 8);
  e(0, 0) = 1;
  const std::vector<std::int32_t> p1{1};
  rope.apply(e, p1);
  BOOST_TEST(std::abs(e(0, 0) - std::cos(1.0)) < 1e-15);
  BOOST_TEST(std::abs(e(0, 4) - std::sin(1.0)) < 1e-15);
  BOOST_TEST(e(0, 1) == 0.0);
  BOOST_TEST_CHECK(std::abs(e.norm() - 1.0) < 1e-15);
}

BOOST_AUTO_TEST_CASE(packing_matches_one_sequence_at_a_time) {
  // A sequence's logits do not depend on what else is in the batch (no padding leaks, no cross-
  // sequence attention), and zero-initialised B leaves the base model unchanged.
  auto model = tiny_model(6);
  const auto batch = tiny_batch();
  const std::vector<gpta::nn::qwen2_query> q{{0, 6}, {1, 3}, {0, 2}};
  const matrix together = model.logits(batch, q);
  const std::vector<gpta::nn::qwen2_query> q0{{0, 6}, {0, 2}}, q1{{0, 3}};
  const matrix a = model.logits({batch[0]}, q0), b = model.logits({batch[1]}, q1);
  BOOST_TEST((together.row(0) - a.row(0)).cwiseAbs().maxCoeff() < 1e-12);
  BOOST_TEST((together.row(2) - a.row(1)).cwiseAbs().maxCoeff() < 1e-12);
  BOOST_TEST((together.row(1) - b.row(0)).cwiseAbs().maxCoeff() < 1e-12);
  gpta::nn::lora_options o;
  o.modules = gpta::nn::lora_all_modules;
  const auto lora = model.make_lora(o, 1);
  BOOST_TEST(lora.values().norm() > 0);
  BOOST_TEST((model.logits(batch, q, &lora) - together).cwiseAbs().maxCoeff() == 0.0);
  // A bad query, target or id is an error, not a read out of bounds.
  BOOST_CHECK_THROW((void)model.logits(batch, std::vector<gpta::nn::qwen2_query>{{1, 4}}), std::out_of_range);
  BOOST_CHECK_THROW((void)model.logits({{1, 40}}, q1), std::out_of_range);
  BOOST_CHECK_THROW((void)model.loss(batch, {{{7, 1}}, {}}), std::out_of_range);
  BOOST_CHECK_THROW((void)model.loss(batch, {{}, {}}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(kv_cache_decoding_matches_the_full_forward_pass) {
  // Logits after each token, fed as a 3-token prompt then one token at a time through the cache,
  // equal the full forward pass at that position; greedy decoding equals re-running the full pass.
  auto model = tiny_model(8);
  gpta::nn::lora_options o;
  o.modules = gpta::nn::lora_all_modules;
  auto lora = model.make_lora(o, 2);
  lora.init(2, 0.2);  // a non-trivial adapter, which decoding must apply too
  const std::vector<std::int32_t> ids{3, 17, 5, 39, 0, 22, 8};
  std::vector<gpta::nn::qwen2_query> all;
  for (std::size_t p = 0; p < ids.size(); ++p) all.push_back({0, p});
  const matrix full = model.logits({ids}, all, &lora);
  gpta::nn::qwen2_kv_cache<scalar> cache;
  const std::vector<std::int32_t> prompt(ids.begin(), ids.begin() + 3);
  double worst = (model.extend(cache, prompt, &lora).row(0) - full.row(2)).cwiseAbs().maxCoeff();
  for (std::size_t p = 3; p < ids.size(); ++p)
    worst = std::max(worst, (model.extend(cache, std::span(&ids[p], 1), &lora).row(0) - full.row(static_cast<Eigen::Index>(p)))
                                .cwiseAbs()
                                .maxCoeff());
  BOOST_TEST(worst < 1e-12);
  BOOST_TEST(cache.length == 7);

  const std::vector<std::int32_t> stop{};
  const auto greedy = gpta::nn::generate(model, prompt, decoding(5, stop), &lora);
  BOOST_TEST_REQUIRE(greedy.size() == 5u);
  std::vector<std::int32_t> seq = prompt;
  for (const auto id : greedy) {
    const std::vector<gpta::nn::qwen2_query> last{{0, seq.size() - 1}};
    Eigen::Index arg = 0;
    model.logits({seq}, last, &lora).row(0).maxCoeff(&arg);
    BOOST_TEST(id == arg);
    seq.push_back(static_cast<std::int32_t>(arg));
  }
  // A stop id ends the continuation right after it is emitted.
  const std::vector<std::int32_t> stop_first{greedy[0]};
  BOOST_TEST(gpta::nn::generate(model, prompt, decoding(5, stop_first), &lora).size() == 1u);
}

// log_probs() reads the same numbers as logits(); objective_and_grad() back-propagates any
// function of them. Here: a class-level cross-entropy over two "label words" per sequence (the
// lm_classifier's loss), checked against central differences of the same objective.
BOOST_AUTO_TEST_CASE(objective_gradients_over_label_word_log_probs) {
  auto model = tiny_model(5, false);
  gpta::nn::lora_options o;
  o.rank = 2;
  o.modules = gpta::nn::lora_all_modules;
  auto lora = model.make_lora(o, 6);
  lora.init(6, 0.3);
  const auto batch = tiny_batch();
  // Two candidate tokens at the last position of each sequence; the gold one is listed first for
  // sequence 0, second for sequence 1.
  const gpta::nn::qwen2_targets targets{{{6, 9}, {6, 21}}, {{3, 4}, {3, 33}}};
  const int gold[2] = {0, 1};
  const auto objective = [&](std::span<const double> logp, std::span<double> g) {
    double total = 0;
    for (std::size_t s = 0; s < 2; ++s) {
      const double a = logp[2 * s], b = logp[2 * s + 1], mx = std::max(a, b);
      const double lse = mx + std::log(std::exp(a - mx) + std::exp(b - mx));
      const double pa = std::exp(a - lse), pb = std::exp(b - lse);
      total += lse - logp[2 * s + static_cast<std::size_t>(gold[s])];
      g[2 * s] = (pa - (gold[s] == 0)) / 2;
      g[2 * s + 1] = (pb - (gold[s] == 1)) / 2;
    }
    return total / 2;
  };
  const auto value = [&] {
    const auto lp = model.log_probs(batch, targets, &lora);
    std::vector<double> g(lp.size());
    return objective(lp, g);
  };
  // log_probs equals log_softmax of logits() at the same rows.
  const std::vector<gpta::nn::qwen2_query> q{{0, 6}};
  const matrix z = model.logits(batch, q, &lora);
  const double lse = std::log((z.row(0).array() - z.maxCoeff()).exp().sum()) + z.maxCoeff();
  BOOST_TEST(std::abs(model.log_probs(batch, targets, &lora)[1] - (z(0, 21) - lse)) < 1e-12);

  lora.zero_grad();
  const double l0 = model.objective_and_grad(batch, targets, lora, {}, objective);
  BOOST_TEST(std::abs(l0 - value()) < 1e-12);
  const auto r = compare_lora(lora, value);
  BOOST_TEST(r.checked == lora.size());
  BOOST_TEST(r.max_rel < 1e-5, "worst: " << r.worst << " rel " << r.max_rel);
  expect_every_adapter_has_gradient(lora);
}

// Scoring several suffixes after one shared prompt in the cache equals scoring each
// prompt + suffix in full; the shared cache is not changed by it.
BOOST_AUTO_TEST_CASE(log_probs_after_a_shared_prompt_equal_the_full_pass) {
  auto model = tiny_model(9, false);
  gpta::nn::lora_options o;
  o.modules = gpta::nn::lora_all_modules;
  auto lora = model.make_lora(o, 4);
  lora.init(4, 0.2);
  const std::vector<std::int32_t> shared{3, 17, 5, 39};
  const gpta::nn::qwen2_sequences suffixes{{0, 22, 8}, {11}, {2, 30, 7, 7, 1}};
  const gpta::nn::qwen2_targets targets{{{0, 5}, {2, 9}}, {{0, 12}}, {{1, 3}, {4, 38}}};
  gpta::nn::qwen2_kv_cache<scalar> cache;
  (void)model.extend(cache, shared, &lora);
  const auto got = model.log_probs_after(cache, suffixes, targets, &lora);
  BOOST_TEST(cache.length == 4);
  gpta::nn::qwen2_sequences full;
  gpta::nn::qwen2_targets shifted;
  for (std::size_t s = 0; s < suffixes.size(); ++s) {
    auto seq = shared;
    seq.insert(seq.end(), suffixes[s].begin(), suffixes[s].end());
    full.push_back(seq);
    auto& t = shifted.emplace_back();
    for (const auto& x : targets[s]) t.push_back({x.position + shared.size(), x.token});
  }
  const auto want = model.log_probs(full, shifted, &lora);
  BOOST_TEST_REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) BOOST_TEST(std::abs(got[i] - want[i]) < 1e-12);
  // An empty cache: plain scoring of the suffixes.
  const auto alone = model.log_probs_after(gpta::nn::qwen2_kv_cache<scalar>{}, suffixes, targets, &lora);
  const auto direct = model.log_probs(suffixes, targets, &lora);
  for (std::size_t i = 0; i < alone.size(); ++i) BOOST_TEST(std::abs(alone[i] - direct[i]) < 1e-12);
}

BOOST_AUTO_TEST_CASE(kept_activations_give_the_recomputed_gradients) {
  // The same steps with the layers recomputed in the backward pass and with every layer's
  // activations kept: equal losses and gradients (every module, dropout on), and the kept
  // buffers of one step do not leak into the next (a second, different batch).
  auto model = tiny_model(21, false);
  gpta::nn::lora_options o;
  o.rank = 2;
  o.dropout = 0.1;
  o.modules = gpta::nn::lora_all_modules;
  auto lora = gpta::nn::make_qwen2_lora<scalar>(model.config(), o);
  lora.init(22, 0.3);
  const gpta::nn::dropout_context drop{7, 2, true};
  const std::vector<gpta::nn::qwen2_sequences> batches{tiny_batch(), {{5, 6, 7}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}};
  const std::vector<gpta::nn::qwen2_targets> targets{tiny_targets(), {{{2, 1}}, {{0, 4}, {8, 3}}}};
  for (std::size_t b = 0; b < batches.size(); ++b) {
    model.keep_activations(false);
    lora.zero_grad();
    const double l_recomputed = model.loss_and_grad(batches[b], targets[b], lora, drop);
    const Eigen::VectorX<scalar> g_recomputed = lora.grads();
    model.keep_activations(true);
    BOOST_TEST(model.keeps_activations());
    lora.zero_grad();
    const double l_kept = model.loss_and_grad(batches[b], targets[b], lora, drop);
    BOOST_TEST(l_kept == l_recomputed, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(g_recomputed.norm() > 0);
    BOOST_TEST((lora.grads() - g_recomputed).cwiseAbs().maxCoeff() <= 1e-12 * g_recomputed.cwiseAbs().maxCoeff(),
               "batch " << b);
  }
  model.keep_activations(false);
}
