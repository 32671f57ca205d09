#include <gpta/nn/adamw.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include <Eigen/Core>

using gpta::nn::adamw_options;
using gpta::nn::basic_adamw;

namespace tt = boost::test_tools;

// Hand computation (lr 0.1, wd 0.1, b1 0.9, b2 0.999, eps 1e-8), parameter p0 = 1.0:
// step 1, g = 0.5:
//   decay:  p = 1.0 * (1 - 0.1*0.1)                         = 0.99
//   m = 0.1*0.5 = 0.05,  v = 0.001*0.25 = 0.00025
//   m^ = 0.05/0.1 = 0.5, v^ = 0.00025/0.001 = 0.25, sqrt = 0.5
//   p = 0.99 - 0.1 * 0.5/(0.5 + eps)                         = 0.89 (+2e-9 from eps)
// step 2, g = -1.0:
//   decay:  p = 0.89 * 0.99                                  = 0.8811
//   m = 0.9*0.05 - 0.1 = -0.055,  v = 0.999*0.00025 + 0.001 = 0.00124975
//   m^ = -0.055/0.19 = -0.2894737, v^ = 0.00124975/0.001999 = 0.6251876, sqrt(v^) = 0.7906881
//   update = 0.1 * m^/sqrt(v^) = -0.0366104
//   p = 0.8811 + 0.0366104                                   = 0.9177104
// Without decay the same gradients give 0.9 after step 1 and 0.9 + 0.0366104 = 0.9366104 after 2.
BOOST_AUTO_TEST_CASE(two_steps_match_the_hand_computation) {
  constexpr double eps = 1e-8;
  const double mhat = -0.055 / 0.19;
  const double vhat = 0.00124975 / 0.001999;
  const double upd = 0.1 * mhat / (std::sqrt(vhat) + eps);
  BOOST_TEST(upd == -0.0366104, tt::tolerance(1e-5));  // the rounded hand figure above
  const double step1 = 0.1 * 0.5 / (0.5 + eps);

  basic_adamw<double> opt(adamw_options{0.1, 0.9, 0.999, eps, 0.1});
  const auto s_decay = opt.add_parameter(1, 1, true);
  const auto s_plain = opt.add_parameter(1, 1, false);
  Eigen::MatrixXd p = Eigen::MatrixXd::Constant(1, 1, 1.0);
  Eigen::MatrixXd q = Eigen::MatrixXd::Constant(1, 1, 1.0);
  Eigen::MatrixXd g = Eigen::MatrixXd::Constant(1, 1, 0.5);

  opt.begin_step();
  opt.update(s_decay, p, g);
  opt.update(s_plain, q, g);
  BOOST_TEST(p(0, 0) == 0.99 - step1, tt::tolerance(1e-12));
  BOOST_TEST(q(0, 0) == 1.0 - step1, tt::tolerance(1e-12));

  g(0, 0) = -1.0;
  opt.begin_step();
  opt.update(s_decay, p, g);
  opt.update(s_plain, q, g);
  BOOST_TEST(p(0, 0) == (0.99 - step1) * 0.99 - upd, tt::tolerance(1e-12));
  BOOST_TEST(q(0, 0) == 1.0 - step1 - upd, tt::tolerance(1e-12));
  BOOST_TEST(p(0, 0) == 0.9177104, tt::tolerance(1e-6));
  BOOST_TEST(q(0, 0) == 0.9366104, tt::tolerance(1e-6));
  BOOST_TEST(opt.step() == 2);
  BOOST_TEST(opt.state().first_moment[s_decay](0, 0) == -0.055, tt::tolerance(1e-12));
  BOOST_TEST(opt.state().second_moment[s_decay](0, 0) == 0.00124975, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(float_version_agrees_with_double) {
  gpta::nn::adamw opt(adamw_options{0.1, 0.9, 0.999, 1e-8, 0.1});
  const auto s = opt.add_parameter(1, 2, true);
  Eigen::RowVector2f p(1.0f, -2.0f);
  opt.begin_step();
  opt.update(s, p, Eigen::RowVector2f(0.5f, 0.5f));
  opt.begin_step();
  opt.update(s, p, Eigen::RowVector2f(-1.0f, -1.0f));
  BOOST_TEST(p(0) == 0.9177104f, tt::tolerance(1e-5f));
  // -2: decay, -lr*sign(g) on step 1, then the same step-2 update: -2*0.99 - 0.1 = -2.08;
  // -2.08*0.99 + 0.0366104
  BOOST_TEST(p(1) == -2.08f * 0.99f + 0.0366104f, tt::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(lazy_row_update_touches_only_listed_rows) {
  gpta::nn::adamw dense(adamw_options{0.1, 0.9, 0.999, 1e-8, 0.0});
  gpta::nn::adamw lazy(adamw_options{0.1, 0.9, 0.999, 1e-8, 0.0});
  const auto sd = dense.add_parameter(4, 3, true);
  const auto sl = lazy.add_parameter(4, 3, true);
  Eigen::MatrixXf pd = Eigen::MatrixXf::Ones(4, 3);
  Eigen::MatrixXf pl = pd;
  Eigen::MatrixXf full = Eigen::MatrixXf::Zero(4, 3);
  full.row(1).setConstant(0.3f);
  full.row(3).setConstant(-0.2f);
  const std::vector<Eigen::Index> rows{1, 3};
  Eigen::MatrixXf sparse(2, 3);
  sparse.row(0) = full.row(1);
  sparse.row(1) = full.row(3);
  dense.begin_step();
  dense.update(sd, pd, full);
  lazy.begin_step();
  lazy.update_rows(sl, pl, std::span<const Eigen::Index>(rows), sparse);
  // First step from zero moments: a zero gradient does not move a row, so both agree exactly.
  BOOST_TEST((pd.array() == pl.array()).all());
  BOOST_TEST(pl(0, 0) == 1.0f);
  BOOST_TEST(pl(1, 0) == 1.0f - 0.1f, tt::tolerance(1e-6f));
  BOOST_TEST(pl(3, 0) == 1.0f + 0.1f, tt::tolerance(1e-6f));
  // Second step with row 1 untouched: dense keeps moving it on momentum, lazy does not.
  const std::vector<Eigen::Index> only3{3};
  Eigen::MatrixXf g3 = full.row(3);
  full.row(1).setZero();
  dense.begin_step();
  dense.update(sd, pd, full);
  lazy.begin_step();
  lazy.update_rows(sl, pl, std::span<const Eigen::Index>(only3), g3);
  BOOST_TEST(pl(1, 0) == 1.0f - 0.1f, tt::tolerance(1e-6f));
  BOOST_TEST(pd(1, 0) < pl(1, 0));
  BOOST_TEST(pd(3, 1) == pl(3, 1));
}

BOOST_AUTO_TEST_CASE(state_round_trip_resumes_bit_identically) {
  gpta::nn::adamw a(adamw_options{0.05, 0.9, 0.999, 1e-8, 0.01});
  const auto s = a.add_parameter(2, 2, true);
  Eigen::Matrix2f p;
  p << 1, 2, 3, 4;
  const Eigen::Matrix2f g1 = (Eigen::Matrix2f() << 0.1f, -0.2f, 0.3f, -0.4f).finished();
  const Eigen::Matrix2f g2 = (Eigen::Matrix2f() << -0.5f, 0.25f, 0.125f, 1.0f).finished();
  a.begin_step();
  a.update(s, p, g1);
  const auto saved_state = a.state();
  const Eigen::Matrix2f saved_p = p;
  a.begin_step();
  a.update(s, p, g2);
  const Eigen::Matrix2f after = p;

  gpta::nn::adamw b(adamw_options{0.05, 0.9, 0.999, 1e-8, 0.01});
  const auto sb = b.add_parameter(2, 2, true);
  b.set_state(saved_state);
  Eigen::Matrix2f q = saved_p;
  b.begin_step();
  b.update(sb, q, g2);
  BOOST_TEST((q.array() == after.array()).all());
}

BOOST_AUTO_TEST_CASE(misuse_is_reported) {
  BOOST_CHECK_THROW(gpta::nn::adamw(adamw_options{0.1, 1.0, 0.999, 1e-8, 0.0}), std::invalid_argument);
  gpta::nn::adamw a;
  const auto s = a.add_parameter(2, 2, false);
  Eigen::Matrix2f p = Eigen::Matrix2f::Zero();
  BOOST_CHECK_THROW(a.update(s, p, p), std::invalid_argument);  // before begin_step()
  a.begin_step();
  Eigen::Matrix3f wrong = Eigen::Matrix3f::Zero();
  BOOST_CHECK_THROW(a.update(s, wrong, wrong), std::invalid_argument);
  BOOST_CHECK_THROW(a.update(7, p, p), std::invalid_argument);
  const std::vector<Eigen::Index> unsorted{1, 0};
  Eigen::Matrix2f g = Eigen::Matrix2f::Zero();
  BOOST_CHECK_THROW(a.update_rows(s, p, std::span<const Eigen::Index>(unsorted), g), std::invalid_argument);
  gpta::nn::adamw other;
  BOOST_CHECK_THROW(other.set_state(a.state()), std::invalid_argument);
}
