#include <gpta/nn/bert_batch.hpp>
#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/grad_clip.hpp>
#include <gpta/nn/lr_schedule.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

BOOST_AUTO_TEST_CASE(linear_warmup_then_linear_decay) {
  const gpta::nn::linear_warmup_decay s{1.0, 10, 110};
  BOOST_TEST(s(1) == 0.1, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(s(5) == 0.5, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(s(10) == 1.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(s(60) == 0.5, boost::test_tools::tolerance(1e-12));  // halfway through the decay
  BOOST_TEST(s(110) == 0.0);
  BOOST_TEST(s(500) == 0.0);
  const gpta::nn::linear_warmup_decay constant{2e-5, 0, 0};
  BOOST_TEST(constant(1) == 2e-5);
  BOOST_TEST(constant(100000) == 2e-5);
  BOOST_CHECK_THROW((gpta::nn::linear_warmup_decay{1.0, 20, 10}.validate()), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(global_norm_clipping) {
  Eigen::VectorXf g(2);
  g << 3.0f, 4.0f;  // norm 5
  const double n = gpta::nn::clip_global_norm(g, 1.0);
  BOOST_TEST(n == 5.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(g.norm() == 1.0f, boost::test_tools::tolerance(1e-5f));
  BOOST_TEST(g(0) / g(1) == 0.75f, boost::test_tools::tolerance(1e-6f));  // direction kept
  Eigen::VectorXf small(2);
  small << 0.3f, 0.4f;
  gpta::nn::clip_global_norm(small, 1.0);
  BOOST_TEST(small(0) == 0.3f);  // below the limit: untouched
  BOOST_CHECK_THROW(gpta::nn::clip_global_norm(small, 0.0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(length_buckets_cover_every_index_once_with_little_padding) {
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < 100; ++i) lengths.push_back(5 + (i * 37) % 60);
  const auto batches = gpta::nn::length_buckets(lengths, 16, 1);
  std::multiset<std::size_t> seen;
  std::size_t spread = 0;
  for (const auto& b : batches) {
    BOOST_TEST(b.size() <= 16u);
    seen.insert(b.begin(), b.end());
    std::size_t lo = 1000, hi = 0;
    for (auto i : b) lo = std::min(lo, lengths[i]), hi = std::max(hi, lengths[i]);
    spread = std::max(spread, hi - lo);
  }
  BOOST_TEST(seen.size() == 100u);
  BOOST_TEST(std::set<std::size_t>(seen.begin(), seen.end()).size() == 100u);
  BOOST_TEST(spread <= 12u);  // sorted into buckets: 60 distinct lengths over 7 batches
  BOOST_TEST(batches.size() == 7u);
  BOOST_TEST(gpta::nn::length_buckets(lengths, 16, 1) == batches);  // deterministic per seed
  BOOST_TEST(gpta::nn::length_buckets(lengths, 16, 2) != batches);
}

BOOST_AUTO_TEST_CASE(dropout_keeps_the_expected_share_and_rescales) {
  gpta::nn::row_matrix<float> m = gpta::nn::row_matrix<float>::Ones(200, 500);
  gpta::nn::dropout_apply<float>(m, 0.1, 12345);
  const double kept = (m.array() != 0.0f).cast<double>().mean();
  BOOST_TEST(kept == 0.9, boost::test_tools::tolerance(0.01));
  BOOST_TEST(m.maxCoeff() == 1.0f / 0.9f, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(m.mean() == 1.0, boost::test_tools::tolerance(0.01));  // expectation preserved
  gpta::nn::row_matrix<float> again = gpta::nn::row_matrix<float>::Ones(200, 500);
  gpta::nn::dropout_apply<float>(again, 0.1, 12345);
  BOOST_TEST((again.array() == m.array()).all());  // same key, same mask
}

BOOST_AUTO_TEST_CASE(row_split_gemm_matches_a_plain_product) {
  // Large enough for the threaded path (when OpenMP has > 1 thread), uneven row count, transposed
  // left operand as in dW = dy^T x, and both overwrite and accumulate modes.
  using m = gpta::nn::row_matrix<float>;
  const m x = m::Random(301, 200), w = m::Random(150, 200), dy = m::Random(301, 150);
  m y(301, 150);
  gpta::nn::gemm_rows<float>(y, x, w.transpose(), false);
  BOOST_TEST((y - x * w.transpose()).cwiseAbs().maxCoeff() < 1e-3f);
  m dw = m::Ones(150, 200);
  gpta::nn::gemm_rows<float>(dw, dy.transpose(), x, true);
  const m expected = m::Ones(150, 200) + dy.transpose() * x;
  BOOST_TEST((dw - expected).cwiseAbs().maxCoeff() < 1e-3f);
}
