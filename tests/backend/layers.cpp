// The Thrust layer kernels (OMP system in CI) against the host Eigen kernels of gpta::nn on random inputs.
#include <gpta/backend/gemm.hpp>
#include <gpta/backend/kernels.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include <Eigen/Core>

#include <gpta/detail/random.hpp>
#include <gpta/nn/bert_heads.hpp>
#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/softmax.hpp>
#include "support/relative_error.hpp"

namespace gb = gpta::backend;
namespace nn = gpta::nn;

namespace {

using gpta::test::relative_error;

using be_t = gb::device_backend;
using dvec = be_t::vector<float>;
using hmat = nn::row_matrix<float>;
using hmap = Eigen::Map<hmat>;

// The bar for every kernel: normwise relative error max|a - b| / max|b| <= 1e-5 in float.
constexpr double tolerance = 1e-5;

std::vector<float> random_values(std::size_t n, float lo, float hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = lo + (hi - lo) * static_cast<float>(gpta::detail::uniform_unit(rng));
  return v;
}

// Through the raw pointer: Thrust's element references bind a null system reference inside
// (UBSan reports it), and the OMP system's memory is host memory anyway.
std::vector<float> to_host(const dvec& v) { return std::vector<float>(gb::raw_data(v), gb::raw_data(v) + v.size()); }

// Logs the figure (--log_level=message) so reports quote measured errors, then checks the bar.
#define GPTA_TEST_RELATIVE(got, want)                                          \
  do {                                                                         \
    const double gpta_err_ = relative_error(got, want);                        \
    BOOST_TEST_MESSAGE("relative error " #got " vs " #want ": " << gpta_err_); \
    BOOST_TEST(gpta_err_ <= tolerance);                                        \
  } while (0)

hmat as_matrix(std::vector<float>& v, Eigen::Index rows, Eigen::Index cols) { return hmap(v.data(), rows, cols); }

}  // namespace

BOOST_AUTO_TEST_CASE(backend_policy_of_the_configured_system) {
  static_assert(gb::backend_policy<gb::host_backend>);
  static_assert(gb::backend_policy<be_t>);
  static_assert(gb::is_thrust_backend_v<be_t> && !gb::is_thrust_backend_v<gb::host_backend>);
  static_assert(be_t::host_accessible);
#if defined(GPTA_THRUST_DEVICE_OMP)
  BOOST_TEST(be_t::name == "thrust-omp");
#endif
  dvec v(6);
  BOOST_CHECK_THROW((void)gb::view(v, 4, 2), std::invalid_argument);
  BOOST_TEST(gb::view(v, 2, 3).size() == 6);
}

BOOST_AUTO_TEST_CASE(layer_norm_matches_host_forward_and_backward) {
  // 150 rows: more than two 64-row blocks of the column sums, the last one partial.
  const Eigen::Index rows = 150, cols = 96;
  auto x = random_values(rows * cols, -3, 5, 1);
  auto gamma = random_values(cols, 0.5f, 1.5f, 2);
  auto beta = random_values(cols, -0.5f, 0.5f, 3);
  auto dy = random_values(rows * cols, -1, 1, 4);
  auto dgamma0 = random_values(cols, -0.1f, 0.1f, 5);  // gradients accumulate onto what is there
  auto dbeta0 = random_values(cols, -0.1f, 0.1f, 6);
  const double eps = 1e-12;

  hmat hy(rows, cols), hhat(rows, cols), hdx(rows, cols);
  nn::column_vector<float> hrstd(rows);
  hmat hg = as_matrix(gamma, 1, cols), hb = as_matrix(beta, 1, cols);
  nn::layer_norm_forward<float>(as_matrix(x, rows, cols), hg, hb, eps, hy, hhat, hrstd);
  hmat hdg = as_matrix(dgamma0, 1, cols), hdb = as_matrix(dbeta0, 1, cols);
  nn::layer_norm_backward<float>(as_matrix(dy, rows, cols), hhat, hrstd, hg, hdx, hdg, hdb);

  const be_t be;
  dvec dx_in(x.begin(), x.end()), dg(gamma.begin(), gamma.end()), db(beta.begin(), beta.end());
  dvec y(x.size()), hat(x.size()), rstd(rows);
  gb::layer_norm_forward(be, gb::view(dx_in, rows, cols), gb::view(dg), gb::view(db), eps, gb::view(y, rows, cols),
                         gb::view(hat, rows, cols), gb::view(rstd));
  GPTA_TEST_RELATIVE(to_host(y), hy);
  GPTA_TEST_RELATIVE(to_host(hat), hhat);
  GPTA_TEST_RELATIVE(to_host(rstd), hrstd);

  // dx aliases dy here: the kernel must take the parameter gradients before overwriting it.
  dvec grad(dy.begin(), dy.end()), d_gamma(dgamma0.begin(), dgamma0.end()), d_beta(dbeta0.begin(), dbeta0.end());
  gb::layer_norm_backward(be, gb::view(grad, rows, cols), gb::view(hat, rows, cols), gb::view(rstd), gb::view(dg),
                          gb::view(grad, rows, cols), gb::view(d_gamma), gb::view(d_beta));
  GPTA_TEST_RELATIVE(to_host(grad), hdx);
  GPTA_TEST_RELATIVE(to_host(d_gamma), hdg);
  GPTA_TEST_RELATIVE(to_host(d_beta), hdb);

  BOOST_CHECK_THROW(
      gb::layer_norm_forward(be, gb::view(dx_in, rows, cols), gb::view(dg), gb::view(db), eps, gb::view(y, rows, cols),
                             gb::view(hat, rows, cols), gb::vector_view<float>{gb::raw_data(rstd), rows - 1}),
      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(gelu_matches_host_forward_and_backward) {
  const Eigen::Index rows = 64, cols = 100;
  auto x = random_values(rows * cols, -6, 6, 11);
  auto dy = random_values(rows * cols, -1, 1, 12);
  hmat hy(rows, cols), hdx(rows, cols);
  nn::gelu_forward<float>(as_matrix(x, rows, cols), hy);
  nn::gelu_backward<float>(as_matrix(x, rows, cols), as_matrix(dy, rows, cols), hdx);

  const be_t be;
  dvec dx_in(x.begin(), x.end()), y(x.size()), grad(dy.begin(), dy.end());
  gb::gelu_forward(be, gb::view(dx_in, rows, cols), gb::view(y, rows, cols));
  gb::gelu_backward(be, gb::view(dx_in, rows, cols), gb::view(grad, rows, cols), gb::view(grad, rows, cols));
  GPTA_TEST_RELATIVE(to_host(y), hy);
  GPTA_TEST_RELATIVE(to_host(grad), hdx);
  // Independent anchors: GELU(0) = 0, GELU'(0) = 1/2, GELU(x) -> x for large x.
  dvec probe{0.0f, 10.0f}, out(2), ones{1.0f, 1.0f};
  gb::gelu_forward(be, gb::view(probe, 1, 2), gb::view(out, 1, 2));
  gb::gelu_backward(be, gb::view(probe, 1, 2), gb::view(ones, 1, 2), gb::view(ones, 1, 2));
  BOOST_TEST(gb::raw_data(out)[0] == 0.0f);
  BOOST_TEST(gb::raw_data(out)[1] == 10.0f);
  BOOST_TEST(gb::raw_data(ones)[0] == 0.5f);
}

BOOST_AUTO_TEST_CASE(dropout_masks_are_bit_identical_to_the_host) {
  const be_t be;
  for (const double p : {0.1, 0.5, 0.9}) {
    const Eigen::Index rows = 120, cols = 77;
    auto x = random_values(rows * cols, -2, 2, 21);
    hmat host = as_matrix(x, rows, cols);
    const std::uint64_t key = nn::dropout_context{42, 7, true}.site_key(3);
    nn::dropout_apply<float>(host, p, key);
    dvec dev(x.begin(), x.end());
    gb::dropout_apply(be, gb::view(dev, rows, cols), p, key);
    const auto got = to_host(dev);
    BOOST_TEST(std::equal(got.begin(), got.end(), host.data()));
    const double kept = static_cast<double>(std::count_if(got.begin(), got.end(), [](float v) { return v != 0.0f; })) /
                        static_cast<double>(got.size());
    BOOST_TEST(kept == 1.0 - p, boost::test_tools::tolerance(0.05));  // the hash is roughly uniform
  }
  // Attention's layout: an n x n corner of an L x L block, indices offset per (sequence, head).
  const Eigen::Index n = 9, L = 16;
  auto x = random_values(n * n, 0, 1, 22);
  hmat host = as_matrix(x, n, n);
  nn::dropout_apply<float>(host, 0.1, 99, 5 * L * L, L);
  dvec dev(x.begin(), x.end());
  gb::dropout_apply(be, gb::view(dev, n, n), 0.1, 99, 5 * L * L, L);
  const auto got = to_host(dev);
  BOOST_TEST(std::equal(got.begin(), got.end(), host.data()));
  for (std::uint64_t i = 0; i < 1000; ++i)
    BOOST_TEST(gb::dropout_keep(1234, i, gb::dropout_threshold(0.3)) ==
               nn::dropout_keep(1234, i, nn::dropout_threshold(0.3)));
  BOOST_CHECK_THROW(gb::dropout_apply(be, gb::view(dev, n, n), 1.0, 1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(masked_softmax_matches_host_softmax_over_real_keys) {
  // The host encoder takes softmax over a sequence's first n keys; -inf on padded keys must agree.
  const Eigen::Index batch = 3, heads = 2, L = 9;
  const std::vector<Eigen::Index> lengths{9, 5, 1};
  const Eigen::Index rows = batch * heads * L;
  const float scale = 0.35f;
  auto x = random_values(rows * L, -4, 4, 31);
  std::vector<float> mask(batch * L, 0.0f);
  for (Eigen::Index b = 0; b < batch; ++b)
    for (Eigen::Index c = lengths[b]; c < L; ++c) mask[b * L + c] = -std::numeric_limits<float>::infinity();
  hmat want = hmat::Zero(rows, L);
  for (Eigen::Index r = 0; r < rows; ++r) {
    const Eigen::Index n = lengths[r / (heads * L)];
    const Eigen::VectorXf z = scale * Eigen::Map<Eigen::VectorXf>(x.data() + r * L, n);
    want.row(r).head(n) = nn::softmax(z).transpose();
  }
  const be_t be;
  dvec dx_in(x.begin(), x.end()), dmask(mask.begin(), mask.end()), y(x.size());
  gb::masked_softmax_forward(be, gb::view(dx_in, rows, L), gb::view(dmask, batch, L), heads * L, scale,
                             gb::view(y, rows, L));
  const auto got = to_host(y);
  GPTA_TEST_RELATIVE(got, want);
  for (Eigen::Index r = 0; r < rows; ++r)  // padded keys get exactly zero weight
    for (Eigen::Index c = lengths[r / (heads * L)]; c < L; ++c) BOOST_TEST(got[r * L + c] == 0.0f);

  // HF-style finite additive mask: the reference is the plain softmax of scale * x + mask.
  auto fmask = random_values(batch * L, -3, 0, 32);
  fmask[4] = -10000.0f;
  hmat want2(rows, L);
  for (Eigen::Index r = 0; r < rows; ++r) {
    Eigen::VectorXf z(L);
    for (Eigen::Index c = 0; c < L; ++c) z(c) = scale * x[r * L + c] + fmask[(r / (heads * L)) * L + c];
    want2.row(r) = nn::softmax(z).transpose();
  }
  dvec dfmask(fmask.begin(), fmask.end());
  gb::masked_softmax_forward(be, gb::view(dx_in, rows, L), gb::view(dfmask, batch, L), heads * L, scale,
                             gb::view(y, rows, L));
  GPTA_TEST_RELATIVE(to_host(y), want2);

  // Backward against the explicit Jacobian in double: dx = scale * (diag(p) - p p^T) dy.
  auto dy = random_values(rows * L, -1, 1, 33);
  const auto p = to_host(y);
  std::vector<double> want_dx(rows * L);
  for (Eigen::Index r = 0; r < rows; ++r) {
    Eigen::VectorXd pr(L), dyr(L);
    for (Eigen::Index c = 0; c < L; ++c) pr(c) = p[r * L + c], dyr(c) = dy[r * L + c];
    const Eigen::MatrixXd jac = Eigen::MatrixXd(pr.asDiagonal()) - pr * pr.transpose();
    const Eigen::VectorXd d = scale * (jac.transpose() * dyr);
    for (Eigen::Index c = 0; c < L; ++c) want_dx[r * L + c] = d(c);
  }
  dvec grad(dy.begin(), dy.end());
  gb::masked_softmax_backward(be, gb::view(y, rows, L), gb::view(grad, rows, L), scale, gb::view(grad, rows, L));
  GPTA_TEST_RELATIVE(to_host(grad), want_dx);

  // Every key masked: zeros, not NaN; no mask at all: plain softmax.
  std::vector<float> all_masked(batch * L, -std::numeric_limits<float>::infinity());
  dvec dall(all_masked.begin(), all_masked.end());
  gb::masked_softmax_forward(be, gb::view(dx_in, rows, L), gb::view(dall, batch, L), heads * L, scale,
                             gb::view(y, rows, L));
  const auto zeros = to_host(y);
  BOOST_TEST(std::all_of(zeros.begin(), zeros.end(), [](float v) { return v == 0.0f; }));
  gb::masked_softmax_forward(be, gb::view(dx_in, rows, L), gb::matrix_view<const float>{}, 0, scale,
                             gb::view(y, rows, L));
  const Eigen::VectorXf z0 = scale * Eigen::Map<Eigen::VectorXf>(x.data(), L);
  const auto unmasked = to_host(y);
  BOOST_TEST(relative_error(std::vector<float>(unmasked.begin(), unmasked.begin() + L),
                            Eigen::VectorXf(nn::softmax(z0))) <= tolerance);
  BOOST_CHECK_THROW(gb::masked_softmax_forward(be, gb::view(dx_in, rows, L), gb::view(dmask, batch, L), L, scale,
                                               gb::view(y, rows, L)),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(cross_entropy_matches_host_rows) {
  const Eigen::Index rows = 40, cols = 13;
  auto logits = random_values(rows * cols, -8, 8, 41);
  std::vector<int> targets(rows);
  std::vector<Eigen::Index> valid(rows);
  for (Eigen::Index r = 0; r < rows; ++r) {
    valid[r] = 1 + (r * 7) % cols;
    targets[r] = static_cast<int>((r * 5) % valid[r]);
  }
  const hmat hl = as_matrix(logits, rows, cols);
  hmat hd_all, hd_valid;
  const double loss_all = nn::softmax_cross_entropy_rows<float>(hl, targets, &hd_all);
  const double loss_valid = nn::softmax_cross_entropy_rows<float>(hl, targets, &hd_valid, valid);

  const be_t be;
  gb::device_backend::vector<int> dt(targets.begin(), targets.end());
  gb::device_backend::vector<gb::index_t> dv(valid.begin(), valid.end());
  dvec dl(logits.begin(), logits.end()), grad(logits.size());
  const double got_all =
      gb::softmax_cross_entropy_rows(be, gb::view(dl, rows, cols), gb::view(dt), {}, gb::view(grad, rows, cols));
  BOOST_TEST_MESSAGE("relative error of the mean loss: " << std::abs(got_all - loss_all) / std::abs(loss_all));
  BOOST_TEST(got_all == loss_all, boost::test_tools::tolerance(tolerance));
  GPTA_TEST_RELATIVE(to_host(grad), hd_all);
  const double got_valid = gb::softmax_cross_entropy_rows(be, gb::view(dl, rows, cols), gb::view(dt), gb::view(dv),
                                                          gb::view(grad, rows, cols));
  BOOST_TEST(got_valid == loss_valid, boost::test_tools::tolerance(tolerance));
  GPTA_TEST_RELATIVE(to_host(grad), hd_valid);
  // Loss only (no gradient buffer) gives the same loss.
  BOOST_TEST(gb::softmax_cross_entropy_rows(be, gb::view(dl, rows, cols), gb::view(dt), gb::view(dv)) == got_valid);

  gb::raw_data(dt)[17] = static_cast<int>(cols);  // out of range: the error names the row
  try {
    (void)gb::softmax_cross_entropy_rows(be, gb::view(dl, rows, cols), gb::view(dt));
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("row 17") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(embedding_gather_and_deterministic_scatter_add) {
  const Eigen::Index vocab = 50, width = 24, tokens = 300;
  auto table = random_values(vocab * width, -1, 1, 51);
  auto pos_table = random_values(32 * width, -1, 1, 52);
  std::vector<std::int32_t> ids(tokens), pos(tokens);
  std::mt19937_64 rng(53);
  for (Eigen::Index t = 0; t < tokens; ++t) {
    // Mostly a handful of ids, so most rows of the gradient receive many repeated contributions.
    ids[t] = static_cast<std::int32_t>(t % 7 == 0 ? gpta::detail::uniform_index(rng, vocab)
                                                  : gpta::detail::uniform_index(rng, 4));
    pos[t] = static_cast<std::int32_t>(t % 32);
  }
  hmat want(tokens, width);
  for (Eigen::Index t = 0; t < tokens; ++t)
    want.row(t) = as_matrix(table, vocab, width).row(ids[t]) + as_matrix(pos_table, 32, width).row(pos[t]);

  const be_t be;
  dvec dtable(table.begin(), table.end()), dpos(pos_table.begin(), pos_table.end()), out(tokens * width);
  be_t::vector<std::int32_t> dids(ids.begin(), ids.end()), dposids(pos.begin(), pos.end());
  gb::embedding_gather(be, gb::view(dtable, vocab, width), gb::view(dids), gb::view(out, tokens, width));
  gb::embedding_gather(be, gb::view(dpos, 32, width), gb::view(dposids), gb::view(out, tokens, width), true);
  BOOST_TEST(relative_error(to_host(out), want) == 0.0);  // a copy and one add: exact

  // Gradient: the host encoder's serial loop, in token order, onto a non-zero table.
  auto g = random_values(tokens * width, -1, 1, 54);
  auto d0 = random_values(vocab * width, -0.01f, 0.01f, 55);
  hmat host_grad = as_matrix(d0, vocab, width);
  const hmat hg = as_matrix(g, tokens, width);
  for (Eigen::Index t = 0; t < tokens; ++t) host_grad.row(ids[t]) += hg.row(t);

  dvec dgrad(d0.begin(), d0.end()), dg(g.begin(), g.end());
  gb::embedding_grad_workspace<be_t> ws;
  gb::embedding_scatter_add(be, gb::view(dg, tokens, width), gb::view(dids), gb::view(dgrad, vocab, width), ws);
  const auto got = to_host(dgrad);
  // Stable sort keeps token order within an id, so the sums are the host's, bit for bit.
  BOOST_TEST(std::equal(got.begin(), got.end(), host_grad.data()));
  // Reusing the workspace gives the same result again (added a second time).
  gb::embedding_scatter_add(be, gb::view(dg, tokens, width), gb::view(dids), gb::view(dgrad, vocab, width), ws);
  for (Eigen::Index t = 0; t < tokens; ++t) host_grad.row(ids[t]) += hg.row(t);
  const auto again = to_host(dgrad);
  BOOST_TEST(std::equal(again.begin(), again.end(), host_grad.data()));

  gb::raw_data(dids)[123] = static_cast<std::int32_t>(vocab);
  try {
    gb::embedding_gather(be, gb::view(dtable, vocab, width), gb::view(dids), gb::view(out, tokens, width));
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("ids[123]") != std::string::npos);
  }
  BOOST_CHECK_THROW(
      gb::embedding_scatter_add(be, gb::view(dg, tokens, width), gb::view(dids), gb::view(dgrad, vocab, width), ws),
      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(linear_layer_through_gemm_and_bias_matches_host) {
  // y = x W^T + b, dW += dy^T x, db += colsum(dy), dx = dy W, on the backend's memory.
  const Eigen::Index rows = 70, in = 48, out = 36;
  auto x = random_values(rows * in, -1, 1, 61);
  auto w = random_values(out * in, -0.5f, 0.5f, 62);
  auto b = random_values(out, -0.5f, 0.5f, 63);
  auto dy = random_values(rows * out, -1, 1, 64);
  auto dw0 = random_values(out * in, -0.1f, 0.1f, 65);
  auto db0 = random_values(out, -0.1f, 0.1f, 66);
  const hmat hx = as_matrix(x, rows, in), hw = as_matrix(w, out, in), hb = as_matrix(b, 1, out),
             hdy = as_matrix(dy, rows, out);
  hmat hy(rows, out), hdx(rows, in), hdw = as_matrix(dw0, out, in), hdb = as_matrix(db0, 1, out);
  nn::linear_forward<float>(hx, hw, hb, hy);
  nn::linear_backward_params<float>(hx, hdy, hdw, hdb);
  nn::linear_backward_input<float>(hdy, hw, hdx, false);

  const be_t be;
  using gb::gemm_op;
  dvec dx_in(x.begin(), x.end()), dw(w.begin(), w.end()), dbias(b.begin(), b.end()), ddy(dy.begin(), dy.end());
  dvec y(rows * out, std::numeric_limits<float>::quiet_NaN()), dx(rows * in), ddw(dw0.begin(), dw0.end()),
      ddb(db0.begin(), db0.end());
  // beta = 0 must ignore the NaNs already in y.
  gb::gemm(be, gemm_op::none, gemm_op::transpose, rows, out, in, 1.0f, gb::raw_data(dx_in), in, gb::raw_data(dw), in,
           0.0f, gb::raw_data(y), out);
  gb::add_bias_rows(be, gb::view(dbias), gb::view(y, rows, out));
  gb::gemm(be, gemm_op::transpose, gemm_op::none, out, in, rows, 1.0f, gb::raw_data(ddy), out, gb::raw_data(dx_in), in,
           1.0f, gb::raw_data(ddw), in);
  gb::bias_backward(be, gb::view(ddy, rows, out), gb::view(ddb));
  gb::gemm(be, gemm_op::none, gemm_op::none, rows, in, out, 1.0f, gb::raw_data(ddy), out, gb::raw_data(dw), in, 0.0f,
           gb::raw_data(dx), in);
  GPTA_TEST_RELATIVE(to_host(y), hy);
  GPTA_TEST_RELATIVE(to_host(ddw), hdw);
  GPTA_TEST_RELATIVE(to_host(ddb), hdb);
  GPTA_TEST_RELATIVE(to_host(dx), hdx);
  // The host backend takes the same call (plain host memory).
  std::vector<float> hy2(rows * out);
  gb::gemm(gb::host_backend{}, gemm_op::none, gemm_op::transpose, rows, out, in, 1.0f, x.data(), in, w.data(), in, 0.0f,
           hy2.data(), out);
  hmat want_noblas = hx * hw.transpose();
  GPTA_TEST_RELATIVE(hy2, want_noblas);
  BOOST_CHECK_THROW(gb::gemm(be, gemm_op::none, gemm_op::none, rows, in, out, 1.0f, gb::raw_data(ddy), out - 1,
                             gb::raw_data(dw), in, 0.0f, gb::raw_data(dx), in),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(strided_batched_gemm_is_one_product_per_block) {
  // Attention scores: per (sequence, head) Q K^T with Q, K as column blocks of a [tokens x 3H] matrix.
  const Eigen::Index batch = 3, L = 10, H = 16, dh = 8;
  auto qkv = random_values(batch * L * 3 * H, -1, 1, 71);
  const be_t be;
  dvec dq(qkv.begin(), qkv.end()), scores(batch * L * L);
  // head 1 of every sequence: Q at column dh, K at column H + dh, sequences L * 3H apart.
  gb::gemm_strided_batched(be, gb::gemm_op::none, gb::gemm_op::transpose, L, L, dh, 1.0f, gb::raw_data(dq) + dh, 3 * H,
                           L * 3 * H, gb::raw_data(dq) + H + dh, 3 * H, L * 3 * H, 0.0f, gb::raw_data(scores), L, L * L,
                           batch);
  const auto got = to_host(scores);
  const hmat all = as_matrix(qkv, batch * L, 3 * H);
  hmat want(batch * L, L);
  for (Eigen::Index b = 0; b < batch; ++b)
    want.middleRows(b * L, L) = all.block(b * L, dh, L, dh) * all.block(b * L, H + dh, L, dh).transpose();
  GPTA_TEST_RELATIVE(got, want);
}
