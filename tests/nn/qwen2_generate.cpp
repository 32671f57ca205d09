#include <gpta/nn/qwen2/generate.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <map>
#include <set>
#include <vector>

// Decoding on a tiny random Qwen2 model: beam search against an exhaustive search, the
// repetition guard, stop tokens and length limits.

#include "support/qwen2_tiny.hpp"

namespace {

using decoder = gpta::nn::qwen2_decoder<double>;
using ids_t = std::vector<std::int32_t>;

decoder tiny_model(std::uint64_t seed) {
  const auto c = gpta::test::tiny_qwen2_config();
  gpta::nn::qwen2_weights<double> w;
  w.init_random(c, seed);
  return decoder(c, std::move(w));
}

// log p(continuation | prompt) by full forward passes (no cache).
double sequence_logp(decoder& m, const ids_t& prompt, const ids_t& cont) {
  ids_t all = prompt;
  all.insert(all.end(), cont.begin(), cont.end());
  gpta::nn::qwen2_targets t(1);
  for (std::size_t j = 0; j < cont.size(); ++j) t[0].push_back({prompt.size() + j - 1, cont[j]});
  double s = 0;
  for (const double lp : m.log_probs({all}, t)) s += lp;
  return s;
}

// Decoding options: at most `max_new` tokens, `beams` hypotheses, ending at `stop`.
gpta::nn::generation_options opts(std::size_t max_new, std::size_t beams = 1, ids_t stop = {}) {
  gpta::nn::generation_options o;
  o.max_new_tokens = max_new;
  o.beams = beams;
  o.stop = std::move(stop);
  return o;
}

template <class Edit>
gpta::nn::generation_options opts(std::size_t max_new, std::size_t beams, ids_t stop, Edit edit) {
  auto o = opts(max_new, beams, std::move(stop));
  edit(o);
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_wide_beam_finds_the_exhaustive_best_continuation) {
  auto m = tiny_model(11);
  const ids_t prompt{3, 17, 5};
  const std::size_t V = m.config().vocab_size;
  // Exhaustive over every 3-token continuation (40^3), no stop tokens: fixed length, so the
  // length penalty does not matter.
  double best = -1e300;
  ids_t arg;
  for (std::int32_t a = 0; a < static_cast<std::int32_t>(V); ++a) {
    ids_t p2 = prompt;
    p2.push_back(a);
    const double la = sequence_logp(m, prompt, {a});
    // Second and third tokens from one forward pass each.
    for (std::int32_t b = 0; b < static_cast<std::int32_t>(V); ++b) {
      const double lab = la + sequence_logp(m, p2, {b});
      ids_t p3 = p2;
      p3.push_back(b);
      const auto z = m.logits({p3}, std::vector<gpta::nn::qwen2_query>{{0, p3.size() - 1}});
      const double mx = z.maxCoeff(), lse = mx + std::log((z.array() - mx).exp().sum());
      Eigen::Index c = 0;
      const double lc = z.row(0).maxCoeff(&c) - lse;
      if (lab + lc > best) {
        best = lab + lc;
        arg = {a, b, static_cast<std::int32_t>(c)};
      }
    }
  }
  const auto beam = gpta::nn::generate(m, prompt, opts(3, V * V));
  BOOST_TEST(beam == arg, boost::test_tools::per_element());
  BOOST_TEST(std::abs(sequence_logp(m, prompt, beam) - best) < 1e-9);
  // Greedy is a lower bound, and a 1-beam search is greedy.
  const auto greedy = gpta::nn::generate(m, prompt, opts(3));
  BOOST_TEST(sequence_logp(m, prompt, greedy) <= best + 1e-12);
  const auto narrow = gpta::nn::generate(m, prompt, opts(3, 4));
  BOOST_TEST(sequence_logp(m, prompt, narrow) >= sequence_logp(m, prompt, greedy) - 1e-12);
}

BOOST_AUTO_TEST_CASE(beams_end_at_stop_tokens_and_are_length_normalised) {
  auto m = tiny_model(12);
  const ids_t prompt{1, 2, 3, 4};
  // Stop on the greedy first token: greedy ends at once; every finished beam ends with a stop id.
  const auto g = gpta::nn::generate(m, prompt, opts(6));
  BOOST_TEST_REQUIRE(g.size() == 6u);
  const ids_t stop{g[0]};
  BOOST_TEST(gpta::nn::generate(m, prompt, opts(6, 1, stop)).size() == 1u);
  const auto b = gpta::nn::generate(m, prompt, opts(6, 3, stop));
  BOOST_TEST_REQUIRE(!b.empty());
  BOOST_TEST((b.back() == g[0] || b.size() == 6u));
  for (std::size_t i = 0; i + 1 < b.size(); ++i) BOOST_TEST(b[i] != g[0]);
  // min_new_tokens masks the stop token until then.
  const auto longer = gpta::nn::generate(m, prompt, opts(6, 1, stop, [](auto& o) { o.min_new_tokens = 3; }));
  BOOST_TEST(longer.size() >= 3u);
  for (std::size_t i = 0; i < 2; ++i) BOOST_TEST(longer[i] != g[0]);
}

BOOST_AUTO_TEST_CASE(the_repetition_guard_bans_repeated_ngrams_and_penalises_seen_tokens) {
  auto m = tiny_model(13);
  const ids_t prompt{7, 7, 7};
  for (const std::size_t beams : {std::size_t{1}, std::size_t{3}}) {
    const auto out = gpta::nn::generate(m, prompt, opts(24, beams, {}, [](auto& o) { o.no_repeat_ngram = 2; }));
    BOOST_TEST_REQUIRE(out.size() == 24u);
    std::set<std::pair<std::int32_t, std::int32_t>> bigrams;
    for (std::size_t i = 0; i + 1 < out.size(); ++i) BOOST_TEST(bigrams.insert({out[i], out[i + 1]}).second, "bigram at " << i);
  }
  // Without the guard, a long greedy run on a random model repeats itself (so the check above
  // is not vacuous).
  const auto free_run = gpta::nn::generate(m, prompt, opts(24));
  std::set<std::pair<std::int32_t, std::int32_t>> seen;
  bool repeated = false;
  for (std::size_t i = 0; i + 1 < free_run.size(); ++i) repeated |= !seen.insert({free_run[i], free_run[i + 1]}).second;
  BOOST_TEST(repeated);
  // A huge repetition penalty makes every token of a short continuation distinct.
  const auto distinct = gpta::nn::generate(m, prompt, opts(10, 1, {}, [](auto& o) { o.repetition_penalty = 1e6; }));
  BOOST_TEST(std::set<std::int32_t>(distinct.begin(), distinct.end()).size() == distinct.size());
  BOOST_CHECK_THROW((void)gpta::nn::generate(m, prompt, opts(64, 0)), std::invalid_argument);
  BOOST_CHECK_THROW((void)gpta::nn::generate(m, prompt, opts(2, 1, {}, [](auto& o) { o.min_new_tokens = 3; })),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(extend_many_equals_extending_each_cache_alone) {
  // Three sequences of different lengths and pasts, extended together then one at a time.
  auto m = tiny_model(14);
  const std::vector<ids_t> prompts{{1, 2, 3, 4, 5}, {9}, {4, 4, 8, 15}};
  std::vector<gpta::nn::qwen2_kv_cache<double>> together(3), alone(3);
  std::vector<gpta::nn::qwen2_kv_cache<double>*> ptrs{&together[0], &together[1], &together[2]};
  auto z = m.extend_many(ptrs, {prompts[0], prompts[1], prompts[2]});
  double worst = 0;
  for (std::size_t s = 0; s < 3; ++s)
    worst = std::max(worst, (z.row(static_cast<Eigen::Index>(s)) - m.extend(alone[s], prompts[s]).row(0)).cwiseAbs().maxCoeff());
  // A second step of 1, 2 and 3 tokens.
  const std::vector<ids_t> more{{6}, {10, 11}, {16, 23, 39}};
  z = m.extend_many(ptrs, {more[0], more[1], more[2]});
  for (std::size_t s = 0; s < 3; ++s) {
    worst = std::max(worst, (z.row(static_cast<Eigen::Index>(s)) - m.extend(alone[s], more[s]).row(0)).cwiseAbs().maxCoeff());
    BOOST_TEST(together[s].length == alone[s].length);
  }
  BOOST_TEST(worst < 1e-12);
  BOOST_TEST(together[2].length == 7);
  // One cache cannot be extended twice in one pass; the counts must match.
  std::vector<gpta::nn::qwen2_kv_cache<double>*> twice{&together[0], &together[0]};
  BOOST_CHECK_THROW((void)m.extend_many(twice, {{1}, {2}}), std::invalid_argument);
  BOOST_CHECK_THROW((void)m.extend_many(ptrs, {{1}, {2}}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(batched_greedy_decoding_equals_decoding_each_prompt_alone) {
  auto m = tiny_model(15);
  const std::vector<ids_t> prompts{{1, 2, 3}, {30, 31, 32, 33, 34, 35}, {7}, {12, 5}, {2, 2, 2, 2}};
  // A stop token that some continuations emit early, so sequences leave the batch at different steps.
  const auto first = gpta::nn::generate(m, prompts[1], opts(12));
  BOOST_TEST_REQUIRE(first.size() == 12u);
  for (const std::size_t prefill : {std::size_t{1}, std::size_t{2}, std::size_t{8}}) {
    const auto o = opts(12, 1, {first[3]}, [](auto& x) { x.no_repeat_ngram = 3; });
    const auto batch = gpta::nn::generate_batch(m, prompts, o, nullptr, prefill);
    BOOST_TEST_REQUIRE(batch.size() == prompts.size());
    std::set<std::size_t> lengths;
    for (std::size_t i = 0; i < prompts.size(); ++i) {
      const auto alone = gpta::nn::generate(m, prompts[i], o);
      BOOST_TEST(batch[i] == alone, "prompt " << i << " prefill " << prefill);
      lengths.insert(alone.size());
    }
    BOOST_TEST(lengths.size() > 1u);  // some stopped early, so the shrinking batch was exercised
  }
  // Beam search through generate_batch is generate() per prompt (its beams share a pass).
  const auto beams = gpta::nn::generate_batch(m, prompts, opts(5, 3));
  for (std::size_t i = 0; i < prompts.size(); ++i) BOOST_TEST(beams[i] == gpta::nn::generate(m, prompts[i], opts(5, 3)));
  BOOST_CHECK_THROW((void)gpta::nn::generate_batch(m, {{1}, {}}, opts(3)), std::invalid_argument);
  BOOST_TEST(gpta::nn::generate_batch(m, {}, opts(3)).empty());
}
