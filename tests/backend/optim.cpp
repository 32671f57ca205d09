// Optimiser-side Thrust kernels (AdamW, global-norm clipping, reductions) against gpta::nn's host versions.
#include <gpta/backend/kernels.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <Eigen/Core>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <gpta/detail/random.hpp>
#include <gpta/nn/adamw.hpp>
#include <gpta/nn/grad_clip.hpp>

namespace gb = gpta::backend;
namespace nn = gpta::nn;

namespace {

using be_t = gb::device_backend;
using dvec = be_t::vector<float>;
using row_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

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

double relative_error(const std::vector<float>& got, const float* want) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(got[i]) - static_cast<double>(want[i])));
    scale = std::max(scale, std::abs(static_cast<double>(want[i])));
  }
  return scale == 0 ? diff : diff / scale;
}

}  // namespace

BOOST_AUTO_TEST_CASE(adamw_two_steps_match_the_host_optimiser) {
  const nn::adamw_options options{2e-3, 0.9, 0.999, 1e-8, 0.05};
  const Eigen::Index rows = 37, cols = 53;
  const auto n = static_cast<std::size_t>(rows * cols);
  nn::adamw host(options);
  const auto decayed = host.add_parameter(rows, cols, true);
  const auto plain = host.add_parameter(1, cols, false);
  auto p0 = random_values(n, -1, 1, 1);
  auto q0 = random_values(cols, -1, 1, 2);
  Eigen::Map<row_matrix> hp(p0.data(), rows, cols), hq(q0.data(), 1, cols);
  row_matrix p = hp, q = hq;

  const be_t be;
  dvec dp(p0.begin(), p0.end()), dq(q0.begin(), q0.end()), m1(n, 0.0f), v1(n, 0.0f), m2(cols, 0.0f), v2(cols, 0.0f);
  for (std::int64_t step = 1; step <= 2; ++step) {
    // Gradients of different scale per step, a few exact zeros (moments still move).
    auto g = random_values(n, -step * 0.5f, step * 0.5f, 10 + step);
    auto gq = random_values(cols, -1, 1, 20 + step);
    g[3] = 0.0f;
    host.begin_step();
    host.update(decayed, p, Eigen::Map<row_matrix>(g.data(), rows, cols));
    host.update(plain, q, Eigen::Map<row_matrix>(gq.data(), 1, cols));
    const auto k = gb::make_adamw_coefficients<float>(options, step);
    dvec dg(g.begin(), g.end()), dgq(gq.begin(), gq.end());
    gb::adamw_update(be, k, gb::view(dp), gb::view(dg), gb::view(m1), gb::view(v1), true);
    gb::adamw_update(be, k, gb::view(dq), gb::view(dgq), gb::view(m2), gb::view(v2), false);
  }
  const double err_p = relative_error(to_host(dp), p.data());
  const double err_q = relative_error(to_host(dq), q.data());
  const double err_m = relative_error(to_host(m1), host.state().first_moment[decayed].data());
  const double err_v = relative_error(to_host(v1), host.state().second_moment[decayed].data());
  BOOST_TEST_MESSAGE("adamw relative errors: decayed " << err_p << ", plain " << err_q << ", m " << err_m << ", v "
                                                       << err_v);
  BOOST_TEST(err_p <= tolerance);
  BOOST_TEST(err_q <= tolerance);
  BOOST_TEST(err_m <= tolerance);
  BOOST_TEST(err_v <= tolerance);
  // The parameters did move (a no-op kernel would pass the comparisons above only if the host did nothing too).
  BOOST_TEST(relative_error(to_host(dp), p0.data()) > 1e-4);

  BOOST_CHECK_THROW((void)gb::make_adamw_coefficients<float>(options, 0), std::invalid_argument);
  auto bad = options;
  bad.beta2 = 1.0;
  BOOST_CHECK_THROW((void)gb::make_adamw_coefficients<float>(bad, 1), std::invalid_argument);
  dvec short_grad(n - 1);
  BOOST_CHECK_THROW(gb::adamw_update(be, gb::make_adamw_coefficients<float>(options, 1), gb::view(dp),
                                     gb::view(short_grad), gb::view(m1), gb::view(v1), true),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(global_norm_clipping_matches_the_host) {
  const be_t be;
  const std::size_t n = 300001;  // several levels of the sum tree, last chunk partial
  auto g = random_values(n, -1, 1, 31);
  Eigen::VectorXf host = Eigen::Map<Eigen::VectorXf>(g.data(), static_cast<Eigen::Index>(n));
  const double host_norm = nn::clip_global_norm(host, 5.0);
  dvec dg(g.begin(), g.end());
  const double norm = gb::clip_global_norm(be, gb::view(dg), 5.0);
  BOOST_TEST_MESSAGE("clip norm relative error " << std::abs(norm - host_norm) / host_norm);
  BOOST_TEST(norm == host_norm, boost::test_tools::tolerance(1e-12));
  const auto clipped = to_host(dg);
  const double err = relative_error(clipped, host.data());
  BOOST_TEST_MESSAGE("clipped gradient relative error " << err);
  BOOST_TEST(err <= tolerance);
  Eigen::Map<const Eigen::VectorXf> c(clipped.data(), static_cast<Eigen::Index>(n));
  BOOST_TEST(c.cast<double>().norm() == 5.0, boost::test_tools::tolerance(1e-5));

  // Below the limit: untouched, bit for bit.
  dvec small(g.begin(), g.begin() + 10);
  (void)gb::clip_global_norm(be, gb::view(small), 100.0);
  const auto s = to_host(small);
  BOOST_TEST(std::equal(s.begin(), s.end(), g.begin()));
  // Non-finite: norm reported, gradients untouched.
  dvec with_nan(g.begin(), g.begin() + 10);
  gb::raw_data(with_nan)[4] = std::numeric_limits<float>::quiet_NaN();
  BOOST_TEST(std::isnan(gb::clip_global_norm(be, gb::view(with_nan), 1.0)));
  BOOST_TEST(gb::raw_data(with_nan)[0] == g[0]);
  BOOST_CHECK_THROW((void)gb::clip_global_norm(be, gb::view(small), 0.0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(reductions_match_double_accumulation_and_do_not_depend_on_threads) {
  const be_t be;
  const std::size_t n = 1500007;
  auto a = random_values(n, -1, 2, 41);
  auto b = random_values(n, -3, 1, 42);
  long double sum = 0, squares = 0, dot = 0;
  float biggest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += a[i];
    squares += static_cast<long double>(a[i]) * a[i];
    dot += static_cast<long double>(a[i]) * b[i];
    biggest = std::max(biggest, std::abs(a[i]));
  }
  dvec da(a.begin(), a.end()), db(b.begin(), b.end());
  const double got_sum = gb::sum(be, gb::view(da));
  const double got_squares = gb::sum_of_squares(be, gb::view(da));
  const double got_dot = gb::dot(be, gb::view(da), gb::view(db));
  BOOST_TEST(got_sum == static_cast<double>(sum), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(got_squares == static_cast<double>(squares), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(got_dot == static_cast<double>(dot), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(gb::max_abs(be, gb::view(da)) == biggest);
  BOOST_TEST(gb::sum(be, gb::vector_view<const float>{}) == 0.0);

  // Column sums (bias gradients) against Eigen's colwise sum.
  const Eigen::Index rows = 1000, cols = 37;
  dvec out(cols, 1.0f);
  gb::accumulate_column_sums(be, gb::matrix_view<const float>{gb::raw_data(da), rows, cols}, gb::view(out));
  const Eigen::RowVectorXf want = Eigen::Map<const row_matrix>(a.data(), rows, cols).colwise().sum().array() + 1.0f;
  const double col_err = relative_error(to_host(out), want.data());
  BOOST_TEST_MESSAGE("column sums relative error " << col_err);
  BOOST_TEST(col_err <= tolerance);

#if defined(_OPENMP) && defined(GPTA_THRUST_DEVICE_OMP)
  // Fixed chunks, fixed tree: the same bits with one thread as with several.
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const double one_sum = gb::sum(be, gb::view(da));
  const double one_dot = gb::dot(be, gb::view(da), gb::view(db));
  omp_set_num_threads(3);
  const double three_sum = gb::sum(be, gb::view(da));
  const double three_dot = gb::dot(be, gb::view(da), gb::view(db));
  omp_set_num_threads(threads);
  BOOST_TEST(one_sum == got_sum);
  BOOST_TEST(three_sum == got_sum);
  BOOST_TEST(one_dot == got_dot);
  BOOST_TEST(three_dot == got_dot);
#endif
}
