#include <gpta/nn/softmax.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>

#include <Eigen/Core>

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(softmax_of_known_logits) {
  // softmax(0, ln 2, ln 3) = (1, 2, 3) / 6
  const Eigen::Vector3d z(0.0, std::log(2.0), std::log(3.0));
  const auto p = gpta::nn::softmax(z);
  BOOST_TEST(p(0) == 1.0 / 6, tt::tolerance(1e-12));
  BOOST_TEST(p(1) == 2.0 / 6, tt::tolerance(1e-12));
  BOOST_TEST(p(2) == 3.0 / 6, tt::tolerance(1e-12));
  BOOST_TEST(gpta::nn::log_sum_exp(z) == std::log(6.0), tt::tolerance(1e-12));
  BOOST_TEST(gpta::nn::softmax_cross_entropy(z, 1) == std::log(3.0), tt::tolerance(1e-12));  // -log(2/6)
}

BOOST_AUTO_TEST_CASE(large_logits_do_not_overflow) {
  const Eigen::Vector2f z(1000.0f, 1000.0f);
  const auto p = gpta::nn::softmax(z);
  BOOST_TEST(p(0) == 0.5f, tt::tolerance(1e-6f));
  // float resolution at 1000 is 6e-5, hence the loose tolerance
  BOOST_TEST(gpta::nn::softmax_cross_entropy(z, 0) == std::log(2.0f), tt::tolerance(1e-3f));
  BOOST_CHECK_THROW((void)gpta::nn::softmax_cross_entropy(z, 2), std::invalid_argument);
}
