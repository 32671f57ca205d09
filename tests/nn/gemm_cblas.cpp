// The host GEMM policy's CBLAS side (nn/gemm_cblas.hpp), built once per CBLAS library installed
// (GPTA_TEST_CBLAS_NAME: openblas, blis) and checked against Eigen's own product in double:
// every operand layout the students pass (row-major, transposed, a block with a wider stride, a
// block destination), overwrite and accumulate, empty shapes, and the fallback for operands that
// are expressions; then nn::gemm_rows and the linear layers with the policy switched on.
#define GPTA_GEMM_CBLAS 1  // this file only: gemm_rows takes the CBLAS path
#include <boost/test/unit_test.hpp>

#include <Eigen/Core>

#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/gemm_cblas.hpp>

namespace {

using rowf = gpta::nn::row_matrix<float>;
using rowd = gpta::nn::row_matrix<double>;

template <class M>
M random_matrix(Eigen::Index r, Eigen::Index c, unsigned seed) {
  std::srand(seed);
  return M::Random(r, c);
}

template <class A, class B>
double max_abs_diff(const A& a, const B& b) {
  return (a.template cast<double>() - b.template cast<double>()).cwiseAbs().maxCoeff();
}

}  // namespace

BOOST_AUTO_TEST_CASE(cblas_products_equal_eigen_for_every_operand_layout) {
  BOOST_TEST_MESSAGE("CBLAS library: " GPTA_TEST_CBLAS_NAME);
  const Eigen::Index m = 37, n = 53, k = 300;
  const rowf a = random_matrix<rowf>(m, k, 1), b = random_matrix<rowf>(k, n, 2);
  const rowf at = a.transpose(), bt = b.transpose();  // stored transposed: passed as .transpose()
  const rowd ref = a.cast<double>() * b.cast<double>();
  const double tol = 1e-4;  // float sums of 300 products of [-1, 1] values

  rowf c(m, n);
  BOOST_TEST(gpta::nn::cblas_gemm<float>(c, a, b, false));
  BOOST_TEST(max_abs_diff(c, ref) < tol);
  c.setZero();
  BOOST_TEST(gpta::nn::cblas_gemm<float>(c, at.transpose(), b, false));
  BOOST_TEST(max_abs_diff(c, ref) < tol);
  BOOST_TEST(gpta::nn::cblas_gemm<float>(c, a, bt.transpose(), false));
  BOOST_TEST(max_abs_diff(c, ref) < tol);
  BOOST_TEST(gpta::nn::cblas_gemm<float>(c, at.transpose(), bt.transpose(), false));
  BOOST_TEST(max_abs_diff(c, ref) < tol);

  // Accumulate: c += a b.
  const rowf c0 = random_matrix<rowf>(m, n, 3);
  c = c0;
  BOOST_TEST(gpta::nn::cblas_gemm<float>(c, a, b, true));
  BOOST_TEST(max_abs_diff(c, (c0.cast<double>() + ref).eval()) < tol);

  // Blocks of wider matrices (outer stride > cols), as Ref passes them, on both sides.
  const rowf wide_a = random_matrix<rowf>(m + 5, k + 7, 4), wide_b = random_matrix<rowf>(k + 3, n + 9, 5);
  const auto ba = wide_a.block(2, 3, m, k);
  const auto bb = wide_b.block(1, 4, k, n);
  rowf wide_c = rowf::Constant(m + 4, n + 6, 7.0f);
  gpta::nn::matrix_ref<float> dst = wide_c.block(1, 2, m, n);
  BOOST_TEST(gpta::nn::cblas_gemm<float>(dst, ba, bb, false));
  BOOST_TEST(max_abs_diff(wide_c.block(1, 2, m, n), (ba.cast<double>() * bb.cast<double>()).eval()) < tol);
  // Nothing outside the destination block is written.
  BOOST_TEST((wide_c.topRows(1).array() == 7.0f).all());
  BOOST_TEST((wide_c.leftCols(2).array() == 7.0f).all());
  BOOST_TEST((wide_c.rightCols(4).array() == 7.0f).all());
  BOOST_TEST((wide_c.bottomRows(3).array() == 7.0f).all());

  // Double precision goes to dgemm.
  const rowd ad = a.cast<double>(), bd = b.cast<double>();
  rowd cd(m, n);
  BOOST_TEST(gpta::nn::cblas_gemm<double>(cd, ad, bd.transpose().transpose(), false));
  BOOST_TEST(max_abs_diff(cd, ref) < 1e-12);
}

BOOST_AUTO_TEST_CASE(empty_shapes_and_expressions) {
  rowf c = rowf::Constant(3, 4, 5.0f);
  const rowf a(3, 0), b(0, 4);
  BOOST_TEST(gpta::nn::cblas_gemm<float>(c, a, b, true));  // k = 0, accumulate: unchanged
  BOOST_TEST((c.array() == 5.0f).all());
  BOOST_TEST(gpta::nn::cblas_gemm<float>(c, a, b, false));  // k = 0: zero
  BOOST_TEST((c.array() == 0.0f).all());
  rowf none(0, 4);
  BOOST_TEST(gpta::nn::cblas_gemm<float>(none, rowf(0, 2), rowf(2, 4), false));

  // An operand that is an expression, not memory: refused, the destination untouched.
  const rowf x = random_matrix<rowf>(4, 6, 6), w = random_matrix<rowf>(6, 5, 7);
  rowf y = rowf::Constant(4, 5, 9.0f);
  BOOST_TEST(!gpta::nn::cblas_gemm<float>(y, x * 2.0f, w, false));
  BOOST_TEST(!gpta::nn::cblas_gemm<float>(y, x, (w * w.transpose() * w).eval().array().square().matrix(), false));
  BOOST_TEST((y.array() == 9.0f).all());
}

BOOST_AUTO_TEST_CASE(linear_layers_on_the_cblas_path_equal_eigen) {
  // The shapes of a MiniLM projection (batch 2 x 20 tokens, 384 -> 1536), through gemm_rows.
  const Eigen::Index rows = 40, in = 384, out = 1536;
  const rowf x = random_matrix<rowf>(rows, in, 8), w = random_matrix<rowf>(out, in, 9);
  const rowf bias = random_matrix<rowf>(1, out, 10), dy = random_matrix<rowf>(rows, out, 11);
  rowf y(rows, out), dw = rowf::Zero(out, in), db = rowf::Zero(1, out), dx(rows, in);
  gpta::nn::linear_forward<float>(x, w, bias, y);
  gpta::nn::linear_backward_params<float>(x, dy, dw, db);
  gpta::nn::linear_backward_input<float>(dy, w, dx, false);
  const rowd xd = x.cast<double>(), wd = w.cast<double>(), dyd = dy.cast<double>();
  rowd y_ref = xd * wd.transpose();
  y_ref.rowwise() += bias.cast<double>().row(0);
  BOOST_TEST(max_abs_diff(y, y_ref) < 2e-4);
  BOOST_TEST(max_abs_diff(dw, (dyd.transpose() * xd).eval()) < 2e-4);
  BOOST_TEST(max_abs_diff(dx, (dyd * wd).eval()) < 5e-4);
  // Accumulating into dx (a residual branch): dx + dy W.
  const rowf dx0 = dx;
  gpta::nn::linear_backward_input<float>(dy, w, dx, true);
  BOOST_TEST(max_abs_diff(dx, (2.0 * (dyd * wd)).eval()) < 1e-3);
  BOOST_TEST(max_abs_diff(dx, (2.0 * dx0.cast<double>()).eval()) < 1e-3);
}
