#include <gpta/nn/bert_encoder.hpp>
#include <gpta/nn/bert_heads.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <utility>

// Finite-difference checks (central differences, double precision) of every parameter gradient of
// a tiny random BERT plus each head, with and without dropout. The analytic backward pass and the
// numerical derivative of the forward pass are independent computations: agreement to ~1e-6
// relative cannot happen by accident.

namespace {

using scalar = double;
using matrix = gpta::nn::row_matrix<scalar>;

gpta::bert_config tiny_config(double dropout) {
  gpta::bert_config c;
  c.vocab_size = 13;
  c.hidden_size = 8;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 12;
  c.max_position_embeddings = 7;
  c.type_vocab_size = 2;
  c.layer_norm_eps = 1e-12;
  c.hidden_act = "gelu";
  c.hidden_dropout_prob = dropout;
  c.attention_probs_dropout_prob = dropout;
  return c;
}

// Sequences of different lengths, so padding, masking and per-sequence attention are exercised.
gpta::nn::bert_batch tiny_batch(std::size_t sequences, std::uint64_t seed,
                                gpta::nn::bert_layout layout = gpta::nn::bert_layout::padded) {
  std::mt19937_64 rng(seed);
  std::vector<gpta::nn::token_sequence> seqs;
  for (std::size_t s = 0; s < sequences; ++s) {
    const std::size_t n = 2 + (s * 3 + 1) % 5;  // 3, 6, 4, 2, 5, ...
    gpta::nn::token_sequence q;
    for (std::size_t i = 0; i < n; ++i) {
      q.input_ids.push_back(static_cast<std::int32_t>(1 + rng() % 12));
      q.token_type_ids.push_back(i >= n / 2 ? 1 : 0);
    }
    seqs.push_back(q);
  }
  return gpta::nn::make_bert_batch(seqs, 0, layout);
}

struct gradcheck_result {
  double max_rel = 0;
  std::string worst;
  std::size_t checked = 0;
};

// Compares params.grads() (already computed) with central differences of `loss`.
gradcheck_result compare(gpta::nn::parameter_store<scalar>& params, const std::function<double()>& loss) {
  const scalar h = 1e-6;
  gradcheck_result r;
  const gpta::nn::column_vector<scalar> analytic = params.grads();
  for (const auto& s : params.slots()) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      scalar& w = params.values()[static_cast<Eigen::Index>(s.offset + i)];
      const scalar saved = w;
      w = saved + h;
      const double up = loss();
      w = saved - h;
      const double down = loss();
      w = saved;
      const double numeric = (up - down) / (2 * h);
      const double a = analytic[static_cast<Eigen::Index>(s.offset + i)];
      const double rel = std::abs(a - numeric) / std::max(1e-3, std::abs(a) + std::abs(numeric));
      if (rel > r.max_rel) {
        r.max_rel = rel;
        r.worst = s.name + "[" + std::to_string(i) + "] analytic " + std::to_string(a) + " numeric " +
                  std::to_string(numeric);
      }
      ++r.checked;
    }
  }
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(encoder_plus_classification_head_mean_pooling) {
  const auto cfg = tiny_config(0.0);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  gpta::nn::sequence_classification_head<scalar> head(params, 8, 3, gpta::nn::bert_pooling::mean, 0.0);
  params.init_normal(1, 0.4);
  const auto batch = tiny_batch(3, 7);
  const std::vector<int> labels{2, 0, 1};
  gpta::nn::dropout_context drop{};
  gpta::nn::bert_encoder_workspace<scalar> ws;
  gpta::nn::sequence_classification_head<scalar>::workspace hw;

  auto loss = [&] {
    enc.forward(batch, params, drop, ws, false);
    head.forward(ws.output(), batch, params, drop, hw);
    return gpta::nn::softmax_cross_entropy_rows<scalar>(hw.logits, labels, nullptr);
  };
  params.zero_grad();
  enc.forward(batch, params, drop, ws, true);
  head.forward(ws.output(), batch, params, drop, hw);
  matrix d_logits, d_hidden;
  const double l0 = gpta::nn::softmax_cross_entropy_rows<scalar>(hw.logits, labels, &d_logits);
  head.backward(batch, params, drop, hw, d_logits, d_hidden);
  enc.backward(batch, params, drop, ws, d_hidden);
  BOOST_TEST(std::abs(l0 - loss()) < 1e-12);  // inference path = training path without dropout

  const auto r = compare(params, loss);
  BOOST_TEST_MESSAGE("checked " << r.checked << " worst " << r.worst);
  BOOST_TEST(r.checked == params.size());
  BOOST_TEST(r.max_rel < 1e-5, "worst: " << r.worst << " rel " << r.max_rel);
  // Every parameter family got a gradient (none silently skipped).
  for (const auto& s : params.slots()) BOOST_TEST(params.grad(params.find(s.name).value()).norm() > 0, s.name);
}

BOOST_AUTO_TEST_CASE(encoder_plus_classification_head_cls_pooling_with_dropout) {
  const auto cfg = tiny_config(0.2);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  gpta::nn::sequence_classification_head<scalar> head(params, 8, 2, gpta::nn::bert_pooling::cls, 0.3);
  params.init_normal(2, 0.4);
  const auto batch = tiny_batch(4, 11);
  const std::vector<int> labels{1, 0, 0, 1};
  // Fixed (seed, step): the dropout masks are a deterministic function, so the loss is smooth.
  const gpta::nn::dropout_context drop{42, 3, true};
  gpta::nn::bert_encoder_workspace<scalar> ws;
  gpta::nn::sequence_classification_head<scalar>::workspace hw;
  auto loss = [&] {
    enc.forward(batch, params, drop, ws, false);
    head.forward(ws.output(), batch, params, drop, hw);
    return gpta::nn::softmax_cross_entropy_rows<scalar>(hw.logits, labels, nullptr);
  };
  params.zero_grad();
  enc.forward(batch, params, drop, ws, true);
  head.forward(ws.output(), batch, params, drop, hw);
  matrix d_logits, d_hidden;
  (void)gpta::nn::softmax_cross_entropy_rows<scalar>(hw.logits, labels, &d_logits);
  head.backward(batch, params, drop, hw, d_logits, d_hidden);
  enc.backward(batch, params, drop, ws, d_hidden);
  const auto r = compare(params, loss);
  BOOST_TEST(r.max_rel < 1e-5, "worst: " << r.worst << " rel " << r.max_rel);

  // Dropout really acts: another step draws other masks and changes the loss.
  const double with_step3 = loss();
  const gpta::nn::dropout_context other{42, 4, true};
  enc.forward(batch, params, other, ws, false);
  head.forward(ws.output(), batch, params, other, hw);
  BOOST_TEST(std::abs(gpta::nn::softmax_cross_entropy_rows<scalar>(hw.logits, labels, nullptr) - with_step3) > 1e-6);
}

BOOST_AUTO_TEST_CASE(encoder_plus_span_extraction_head) {
  const auto cfg = tiny_config(0.0);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  gpta::nn::span_extraction_head<scalar> head(params, 8);
  params.init_normal(3, 0.4);
  const auto batch = tiny_batch(3, 5);  // lengths 3, 6, 4
  const std::vector<int> start{1, 4, 0}, end{2, 5, 3};
  gpta::nn::dropout_context drop{};
  gpta::nn::bert_encoder_workspace<scalar> ws;
  gpta::nn::span_extraction_head<scalar>::workspace hw;
  auto loss = [&] {
    enc.forward(batch, params, drop, ws, false);
    head.forward(ws.output(), batch, params, hw);
    return gpta::nn::span_extraction_head<scalar>::loss(batch, hw, start, end, nullptr, nullptr);
  };
  params.zero_grad();
  enc.forward(batch, params, drop, ws, true);
  head.forward(ws.output(), batch, params, hw);
  matrix d_start, d_end, d_hidden;
  (void)gpta::nn::span_extraction_head<scalar>::loss(batch, hw, start, end, &d_start, &d_end);
  head.backward(ws.output(), batch, params, hw, d_start, d_end, d_hidden);
  enc.backward(batch, params, drop, ws, d_hidden);
  const auto r = compare(params, loss);
  BOOST_TEST(r.max_rel < 1e-5, "worst: " << r.worst << " rel " << r.max_rel);
  // A target in the padding is rejected, not silently scored.
  const std::vector<int> bad{5, 0, 0};
  BOOST_CHECK_THROW((void)gpta::nn::span_extraction_head<scalar>::loss(batch, hw, bad, end, nullptr, nullptr),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(encoder_plus_multiple_choice_head_with_dropout) {
  const auto cfg = tiny_config(0.1);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  gpta::nn::multiple_choice_head<scalar> head(params, 8, 3, gpta::nn::bert_pooling::mean, 0.1);
  params.init_normal(4, 0.4);
  const auto batch = tiny_batch(6, 13);  // 2 examples x 3 options
  const std::vector<int> answers{2, 0};
  const gpta::nn::dropout_context drop{7, 1, true};
  gpta::nn::bert_encoder_workspace<scalar> ws;
  gpta::nn::multiple_choice_head<scalar>::workspace hw;
  auto loss = [&] {
    enc.forward(batch, params, drop, ws, false);
    head.forward(ws.output(), batch, params, drop, hw);
    return gpta::nn::softmax_cross_entropy_rows<scalar>(hw.scores, answers, nullptr);
  };
  params.zero_grad();
  enc.forward(batch, params, drop, ws, true);
  head.forward(ws.output(), batch, params, drop, hw);
  BOOST_TEST(hw.scores.rows() == 2);
  BOOST_TEST(hw.scores.cols() == 3);
  matrix d_scores, d_hidden;
  (void)gpta::nn::softmax_cross_entropy_rows<scalar>(hw.scores, answers, &d_scores);
  head.backward(batch, params, drop, hw, d_scores, d_hidden);
  enc.backward(batch, params, drop, ws, d_hidden);
  const auto r = compare(params, loss);
  BOOST_TEST(r.max_rel < 1e-5, "worst: " << r.worst << " rel " << r.max_rel);
}

// The encoder's input gradient through every row (padding included) must be exact too: checked
// through the embedding tables with a loss that reads every output row, pads as well.
BOOST_AUTO_TEST_CASE(encoder_gradient_of_a_loss_reading_padded_rows) {
  const auto cfg = tiny_config(0.0);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  params.init_normal(5, 0.4);
  const auto batch = tiny_batch(2, 3);
  matrix weights = matrix::Random(batch.tokens(), 8);
  gpta::nn::dropout_context drop{};
  gpta::nn::bert_encoder_workspace<scalar> ws;
  auto loss = [&] {
    enc.forward(batch, params, drop, ws, false);
    return (ws.output().array() * weights.array()).sum() + 0.5 * ws.output().squaredNorm();
  };
  params.zero_grad();
  enc.forward(batch, params, drop, ws, true);
  matrix d_out = weights + ws.output();
  enc.backward(batch, params, drop, ws, d_out);
  const auto r = compare(params, loss);
  BOOST_TEST(r.max_rel < 1e-5, "worst: " << r.worst << " rel " << r.max_rel);
}

// The packed layout (no padded rows) must be exact on its own, with dropout too.
BOOST_AUTO_TEST_CASE(packed_batch_gradients_of_classification_and_span_heads) {
  const auto cfg = tiny_config(0.2);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  gpta::nn::sequence_classification_head<scalar> head(params, 8, 3, gpta::nn::bert_pooling::mean, 0.2);
  gpta::nn::span_extraction_head<scalar> span(params, 8);
  params.init_normal(8, 0.4);
  const auto batch = tiny_batch(3, 7, gpta::nn::bert_layout::packed);  // lengths 3, 6, 4: 13 rows
  BOOST_TEST(batch.packed());
  BOOST_TEST(batch.tokens() == 13);
  BOOST_TEST(batch.row(2, 1) == 10);
  const std::vector<int> labels{2, 0, 1}, start{1, 4, 0}, end{2, 5, 3};
  const gpta::nn::dropout_context drop{9, 2, true};
  gpta::nn::bert_encoder_workspace<scalar> ws;
  gpta::nn::sequence_classification_head<scalar>::workspace hw;
  gpta::nn::span_extraction_head<scalar>::workspace sw;
  auto loss = [&] {
    enc.forward(batch, params, drop, ws, false);
    head.forward(ws.output(), batch, params, drop, hw);
    span.forward(ws.output(), batch, params, sw);
    return gpta::nn::softmax_cross_entropy_rows<scalar>(hw.logits, labels, nullptr) +
           gpta::nn::span_extraction_head<scalar>::loss(batch, sw, start, end, nullptr, nullptr);
  };
  params.zero_grad();
  enc.forward(batch, params, drop, ws, true);
  BOOST_TEST(ws.output().rows() == 13);
  head.forward(ws.output(), batch, params, drop, hw);
  span.forward(ws.output(), batch, params, sw);
  matrix d_logits, d_hidden, d_start, d_end, d_span;
  (void)gpta::nn::softmax_cross_entropy_rows<scalar>(hw.logits, labels, &d_logits);
  (void)gpta::nn::span_extraction_head<scalar>::loss(batch, sw, start, end, &d_start, &d_end);
  head.backward(batch, params, drop, hw, d_logits, d_hidden);
  span.backward(ws.output(), batch, params, sw, d_start, d_end, d_span);
  d_hidden += d_span;
  enc.backward(batch, params, drop, ws, d_hidden);
  const auto r = compare(params, loss);
  BOOST_TEST(r.checked == params.size());
  BOOST_TEST(r.max_rel < 1e-5, "worst: " << r.worst << " rel " << r.max_rel);
}

// The two layouts are one function, dropout included (a mask is keyed by the padded layout's
// index): the same logits, loss and gradients; the packed one only skips the padded rows' work.
BOOST_AUTO_TEST_CASE(packed_and_padded_layouts_compute_the_same_function) {
  const auto cfg = tiny_config(0.3);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  gpta::nn::multiple_choice_head<scalar> head(params, 8, 3, gpta::nn::bert_pooling::cls, 0.2);
  const gpta::nn::dropout_context drop{5, 1, true};
  params.init_normal(10, 0.4);
  const auto padded = tiny_batch(6, 21), packed = tiny_batch(6, 21, gpta::nn::bert_layout::packed);
  BOOST_TEST(packed.tokens() < padded.tokens());
  BOOST_TEST(packed.attention_mask() == padded.attention_mask(), boost::test_tools::per_element());
  const std::vector<int> answers{1, 2};
  auto run = [&](const gpta::nn::bert_batch& b, matrix& hidden) {
    gpta::nn::bert_encoder_workspace<scalar> ws;
    gpta::nn::multiple_choice_head<scalar>::workspace hw;
    params.zero_grad();
    enc.forward(b, params, drop, ws, true);
    hidden = ws.output();
    head.forward(ws.output(), b, params, drop, hw);
    matrix d_scores, d_hidden;
    const double l = gpta::nn::softmax_cross_entropy_rows<scalar>(hw.scores, answers, &d_scores);
    head.backward(b, params, drop, hw, d_scores, d_hidden);
    enc.backward(b, params, drop, ws, d_hidden);
    return std::pair{l, gpta::nn::column_vector<scalar>(params.grads())};
  };
  matrix h_padded, h_packed;
  const auto [l_padded, g_padded] = run(padded, h_padded);
  const auto [l_packed, g_packed] = run(packed, h_packed);
  BOOST_TEST(std::abs(l_padded - l_packed) < 1e-12);
  BOOST_TEST((g_padded - g_packed).cwiseAbs().maxCoeff() < 1e-12);
  BOOST_TEST(g_packed.norm() > 0);
  for (Eigen::Index b = 0; b < padded.batch_size; ++b)
    for (Eigen::Index l = 0; l < padded.lengths[static_cast<std::size_t>(b)]; ++l)
      BOOST_TEST((h_padded.row(padded.row(b, l)) - h_packed.row(packed.row(b, l))).cwiseAbs().maxCoeff() < 1e-12);
}

BOOST_AUTO_TEST_CASE(a_packed_batch_whose_rows_do_not_add_up_is_refused) {
  const auto cfg = tiny_config(0.0);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  params.init_normal(11, 0.4);
  gpta::nn::bert_encoder_workspace<scalar> ws;
  auto b = tiny_batch(3, 7, gpta::nn::bert_layout::packed);
  b.starts[1] += 1;  // overlaps nothing but leaves a gap
  BOOST_CHECK_THROW(enc.forward(b, params, {}, ws, false), std::invalid_argument);
  b = tiny_batch(3, 7, gpta::nn::bert_layout::packed);
  b.input_ids.push_back(1);  // one row too many
  b.token_type_ids.push_back(0);
  BOOST_CHECK_THROW(enc.forward(b, params, {}, ws, false), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(padding_does_not_change_real_token_states) {
  // The same sequence alone and padded inside a longer batch must give the same hidden states.
  const auto cfg = tiny_config(0.0);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  params.init_normal(6, 0.4);
  gpta::nn::token_sequence a{{1, 5, 7, 2}, {0, 0, 1, 1}}, b{{1, 3, 4, 9, 11, 2}, {}};
  const std::vector<gpta::nn::token_sequence> both{a, b}, alone{a};
  gpta::nn::bert_encoder_workspace<scalar> ws1, ws2;
  enc.forward(gpta::nn::make_bert_batch(both), params, {}, ws1, false);
  enc.forward(gpta::nn::make_bert_batch(alone), params, {}, ws2, false);
  BOOST_TEST((ws1.output().topRows(4) - ws2.output()).cwiseAbs().maxCoeff() < 1e-12);
}

BOOST_AUTO_TEST_CASE(misuse_is_reported_with_the_component_name) {
  auto cfg = tiny_config(0.0);
  gpta::nn::parameter_store<scalar> params;
  gpta::nn::bert_encoder<scalar> enc(cfg, params);
  gpta::nn::token_sequence bad{{1, 99}, {}};
  const std::vector<gpta::nn::token_sequence> seqs{bad};
  gpta::nn::bert_encoder_workspace<scalar> ws;
  try {
    enc.forward(gpta::nn::make_bert_batch(seqs), params, {}, ws, false);
    BOOST_FAIL("out-of-vocabulary id accepted");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("gpta::nn::bert_encoder") != std::string::npos);
  }
  cfg.hidden_size = 9;  // not a multiple of 2 heads
  gpta::nn::parameter_store<scalar> p2;
  BOOST_CHECK_THROW((gpta::nn::bert_encoder<scalar>(cfg, p2)), std::invalid_argument);
  const std::vector<std::int32_t> mask{1, 0, 1};
  BOOST_CHECK_THROW((void)gpta::nn::make_bert_batch(1, 3, {1, 2, 3}, {}, mask), std::invalid_argument);
}
