// Builds every Thrust kernel and the cuBLAS products for the CUDA system (nvcc, sm_80/sm_90). With a GPU
// it also runs them against Thrust's CPP system on the same inputs; tests/backend checks CPP/OMP against the host.
#include <gpta/backend/bert_model.cuh>
#include <gpta/backend/gemm_cublas.cuh>
#include <gpta/backend/kernels.hpp>

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <random>
#include <vector>

namespace gb = gpta::backend;

namespace {

using gpu = gb::thrust_backend<thrust::system::cuda::tag>;
using cpu = gb::thrust_backend<thrust::system::cpp::tag>;

constexpr gb::index_t rows = 96, cols = 80, batch = 2, heads = 3, seq = 16, vocab = 40, tokens = batch * seq;

std::vector<float> random_values(std::size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

template <class Vector>
std::vector<float> to_host(const Vector& v) {
  return std::vector<float>(v.begin(), v.end());
}

double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return a.size() != b.size() ? 1.0 : scale == 0 ? diff : diff / scale;
}

struct outputs {
  std::vector<float> ln_y, ln_dx, ln_dgamma, ln_dbeta, gelu_y, gelu_dx, dropped, soft_y, soft_dx, ce_grad, gathered,
      scattered, adam_p, clipped, bias_y;
  double ce_loss = 0, clip_norm = 0, total = 0;
};

/// Every kernel once on backend B; the same code is instantiated for the GPU and for the CPP system.
template <class B>
outputs run_all(B be) {
  using vec = typename B::template vector<float>;
  outputs out;
  const auto x = random_values(rows * cols, -3, 3, 1), dy = random_values(rows * cols, -1, 1, 2);
  const auto gamma = random_values(cols, 0.5f, 1.5f, 3), beta = random_values(cols, -1, 1, 4);
  vec dx_in(x.begin(), x.end()), ddy(dy.begin(), dy.end()), dg(gamma.begin(), gamma.end()),
      db(beta.begin(), beta.end());
  vec y(x.size()), hat(x.size()), rstd(rows), dgamma(cols, 0.0f), dbeta(cols, 0.0f), dx(x.size());
  gb::layer_norm_forward(be, gb::view(dx_in, rows, cols), gb::view(dg), gb::view(db), 1e-12, gb::view(y, rows, cols),
                         gb::view(hat, rows, cols), gb::view(rstd));
  gb::layer_norm_backward(be, gb::view(ddy, rows, cols), gb::view(hat, rows, cols), gb::view(rstd), gb::view(dg),
                          gb::view(dx, rows, cols), gb::view(dgamma), gb::view(dbeta));
  out.ln_y = to_host(y), out.ln_dx = to_host(dx), out.ln_dgamma = to_host(dgamma), out.ln_dbeta = to_host(dbeta);

  gb::gelu_forward(be, gb::view(dx_in, rows, cols), gb::view(y, rows, cols));
  gb::gelu_backward(be, gb::view(dx_in, rows, cols), gb::view(ddy, rows, cols), gb::view(dx, rows, cols));
  out.gelu_y = to_host(y), out.gelu_dx = to_host(dx);

  vec drop(x.begin(), x.end());
  gb::dropout_apply(be, gb::view(drop, rows, cols), 0.1, 0x1234abcdULL, 77, cols + 3);
  out.dropped = to_host(drop);

  gb::add_bias_rows(be, gb::view(dg), gb::view(drop, rows, cols));
  out.bias_y = to_host(drop);

  // Attention rows: batch x heads x seq queries over seq keys, second sequence padded after 11 keys.
  const gb::index_t srows = batch * heads * seq;
  const auto scores = random_values(srows * seq, -4, 4, 5), dscores = random_values(srows * seq, -1, 1, 6);
  std::vector<float> mask(batch * seq, 0.0f);
  for (gb::index_t c = 11; c < seq; ++c) mask[seq + c] = -std::numeric_limits<float>::infinity();
  vec ds(scores.begin(), scores.end()), dm(mask.begin(), mask.end()), p(scores.size()),
      dds(dscores.begin(), dscores.end());
  gb::masked_softmax_forward(be, gb::view(ds, srows, seq), gb::view(dm, batch, seq), heads * seq, 0.25f,
                             gb::view(p, srows, seq));
  gb::masked_softmax_backward(be, gb::view(p, srows, seq), gb::view(dds, srows, seq), 0.25f, gb::view(dds, srows, seq));
  out.soft_y = to_host(p), out.soft_dx = to_host(dds);

  std::vector<int> targets(rows);
  for (gb::index_t r = 0; r < rows; ++r) targets[r] = static_cast<int>((r * 7) % cols);
  typename B::template vector<int> dt(targets.begin(), targets.end());
  vec ce_grad(x.size());
  out.ce_loss =
      gb::softmax_cross_entropy_rows(be, gb::view(dx_in, rows, cols), gb::view(dt), {}, gb::view(ce_grad, rows, cols));
  out.ce_grad = to_host(ce_grad);

  std::vector<std::int32_t> ids(tokens);
  for (gb::index_t t = 0; t < tokens; ++t) ids[t] = static_cast<std::int32_t>((t * t + 3) % 5);  // heavy repeats
  typename B::template vector<std::int32_t> dids(ids.begin(), ids.end());
  const auto table = random_values(vocab * cols, -1, 1, 7);
  vec dtable(table.begin(), table.end()), gathered(tokens * cols), dtable_grad(vocab * cols, 0.0f);
  gb::embedding_gather(be, gb::view(dtable, vocab, cols), gb::view(dids), gb::view(gathered, tokens, cols));
  gb::embedding_grad_workspace<B> ws;
  gb::embedding_scatter_add(be, gb::matrix_view<const float>{gb::raw_data(ddy), tokens, cols}, gb::view(dids),
                            gb::view(dtable_grad, vocab, cols), ws);
  out.gathered = to_host(gathered), out.scattered = to_host(dtable_grad);

  vec param(x.begin(), x.end()), m(x.size(), 0.0f), v(x.size(), 0.0f);
  struct options {
    double learning_rate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weight_decay = 0.01;
  };
  for (int step = 1; step <= 2; ++step)
    gb::adamw_update(be, gb::make_adamw_coefficients<float>(options{}, step), gb::view(param), gb::view(ddy),
                     gb::view(m), gb::view(v), true);
  out.adam_p = to_host(param);

  vec grads(dy.begin(), dy.end());
  out.clip_norm = gb::clip_global_norm(be, gb::view(grads), 1.0);
  out.clipped = to_host(grads);
  out.total = gb::sum(be, gb::view(dx_in));
  return out;
}

int failures = 0;

void expect(bool ok, const char* what, double err) {
  std::printf("%-28s %s (relative error %.3g)\n", what, ok ? "ok  " : "FAIL", err);
  if (!ok) ++failures;
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b, const char* what, double tol = 1e-5) {
  const double err = relative_error(a, b);
  expect(err <= tol, what, err);
}

/// op(A) op(B) on the host in double, row-major with leading dimensions.
std::vector<float> reference_gemm(bool ta, bool tb, int m, int n, int k, const std::vector<float>& a, int lda,
                                  const std::vector<float>& b, int ldb) {
  std::vector<float> c(static_cast<std::size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int l = 0; l < k; ++l)
        s += double(ta ? a[l * lda + i] : a[i * lda + l]) * double(tb ? b[j * ldb + l] : b[l * ldb + j]);
      c[static_cast<std::size_t>(i) * n + j] = static_cast<float>(s);
    }
  return c;
}

void check_gemm() {
  gb::cublas_handle handle;
  const int m = 33, n = 21, k = 17, pad = 3;
  for (const bool ta : {false, true})
    for (const bool tb : {false, true}) {
      const int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad;
      const auto a = random_values(static_cast<std::size_t>(ta ? k : m) * lda, -1, 1, 11);
      const auto b = random_values(static_cast<std::size_t>(tb ? n : k) * ldb, -1, 1, 12);
      gpu::vector<float> da(a.begin(), a.end()), db(b.begin(), b.end()), dc(m * n, 0.0f);
      gb::gemm(handle, ta ? gb::gemm_op::transpose : gb::gemm_op::none, tb ? gb::gemm_op::transpose : gb::gemm_op::none,
               m, n, k, 1.0f, gb::raw_data(da), lda, gb::raw_data(db), ldb, 0.0f, gb::raw_data(dc), n);
      expect_close(to_host(dc), reference_gemm(ta, tb, m, n, k, a, lda, b, ldb), "cuBLAS gemm", 1e-5);
    }
  // Strided batched: two independent 8x8x8 products.
  const auto a = random_values(2 * 64, -1, 1, 13), b = random_values(2 * 64, -1, 1, 14);
  gpu::vector<float> da(a.begin(), a.end()), db(b.begin(), b.end()), dc(128, 0.0f);
  gb::gemm_strided_batched(handle, gb::gemm_op::none, gb::gemm_op::transpose, 8, 8, 8, 1.0f, gb::raw_data(da), 8, 64,
                           gb::raw_data(db), 8, 64, 0.0f, gb::raw_data(dc), 8, 64, 2);
  std::vector<float> want;
  for (int i = 0; i < 2; ++i) {
    const std::vector<float> ai(a.begin() + 64 * i, a.begin() + 64 * (i + 1)),
        bi(b.begin() + 64 * i, b.begin() + 64 * (i + 1));
    const auto ci = reference_gemm(false, true, 8, 8, 8, ai, 8, bi, 8);
    want.insert(want.end(), ci.begin(), ci.end());
  }
  expect_close(to_host(dc), want, "cuBLAS strided batched");
}

// The whole backend student for the CUDA system (tests/backend/bert_model.cpp checks it on CPP/OMP
// against the host student): a tiny random model, three steps, finite losses and logits.
struct tiny_config {
  std::size_t hidden_size = 32, num_attention_heads = 4, intermediate_size = 64, num_hidden_layers = 2,
              vocab_size = 40, max_position_embeddings = 32, type_vocab_size = 2;
  double layer_norm_eps = 1e-12, hidden_dropout_prob = 0.1, attention_probs_dropout_prob = 0.1;
};

struct tiny_store {  // the parts of nn::parameter_store<float> bert_classifier reads
  struct slot_type {
    std::string name;
    std::size_t offset;
    long rows, cols;
    bool decay;
  };
  std::vector<slot_type> slot_list;
  std::vector<float> flat;
  void add(const std::string& name, long rows, long cols, bool decay) {
    slot_list.push_back({name, flat.size(), rows, cols, decay});
    const auto w =
        random_values(static_cast<std::size_t>(rows * cols), -0.05f, 0.05f, static_cast<unsigned>(slot_list.size()));
    flat.insert(flat.end(), w.begin(), w.end());
  }
  std::optional<std::size_t> find(const std::string& name) const {
    for (std::size_t i = 0; i < slot_list.size(); ++i)
      if (slot_list[i].name == name) return i;
    return std::nullopt;
  }
  const slot_type& slot(std::size_t i) const { return slot_list.at(i); }
  const std::vector<slot_type>& slots() const { return slot_list; }
  std::size_t size() const { return flat.size(); }
  const std::vector<float>& values() const { return flat; }
};

void check_bert_classifier() {
  const tiny_config c;
  const long h = 32, in = 64;
  tiny_store p;
  p.add("embeddings.word_embeddings.weight", 40, h, true);
  p.add("embeddings.position_embeddings.weight", 32, h, true);
  p.add("embeddings.token_type_embeddings.weight", 2, h, true);
  p.add("embeddings.LayerNorm.weight", 1, h, false);
  p.add("embeddings.LayerNorm.bias", 1, h, false);
  for (int l = 0; l < 2; ++l) {
    const std::string n = "encoder.layer." + std::to_string(l) + ".";
    for (const char* w : {"query", "key", "value"}) p.add(n + "attention.self." + w + ".weight", h, h, true);
    for (const char* w : {"query", "key", "value"}) p.add(n + "attention.self." + w + ".bias", 1, h, false);
    p.add(n + "attention.output.dense.weight", h, h, true);
    p.add(n + "attention.output.dense.bias", 1, h, false);
    p.add(n + "attention.output.LayerNorm.weight", 1, h, false);
    p.add(n + "attention.output.LayerNorm.bias", 1, h, false);
    p.add(n + "intermediate.dense.weight", in, h, true);
    p.add(n + "intermediate.dense.bias", 1, in, false);
    p.add(n + "output.dense.weight", h, in, true);
    p.add(n + "output.dense.bias", 1, h, false);
    p.add(n + "output.LayerNorm.weight", 1, h, false);
    p.add(n + "output.LayerNorm.bias", 1, h, false);
  }
  p.add("classifier.weight", 2, h, true);
  p.add("classifier.bias", 1, 2, false);
  gb::bert_classifier_options o;
  o.learning_rate = 1e-3;
  gb::bert_classifier<gpu> model(c, p, o);
  // Two sequences of 12 positions, the second padded after 7 tokens.
  std::vector<std::int32_t> ids(24), types(24, 0);
  for (int t = 0; t < 24; ++t) ids[t] = (t % 12 < (t < 12 ? 12 : 7)) ? 5 + (t * 7) % 35 : 0;
  const std::vector<gb::index_t> lengths{12, 7};
  const gb::token_batch_ref batch{2, 12, ids, types, lengths};
  const std::vector<int> labels{0, 1};
  bool finite = true;
  for (int step = 0; step < 3; ++step) {
    const double loss = model.train_step(batch, labels);
    std::printf("bert_classifier step %d: loss %.6f, grad norm %.6f\n", step, loss, model.last_grad_norm());
    finite = finite && std::isfinite(loss) && std::isfinite(model.last_grad_norm());
  }
  for (float z : model.logits(batch)) finite = finite && std::isfinite(z);
  expect(finite, "bert_classifier 3 steps", 0.0);
}

}  // namespace

// Every non-template member of the backend student, compiled for the GPU.
template class gpta::backend::bert_classifier<gb::thrust_backend<thrust::system::cuda::tag>>;
template class gpta::backend::bert_span_extractor<gb::thrust_backend<thrust::system::cuda::tag>>;

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::puts("gpta_cuda_check: no CUDA device - compiled and linked for sm_80/sm_90, nothing run");
    return 77;
  }
  try {
    const outputs g = run_all(gpu{}), c = run_all(cpu{});
    expect_close(g.ln_y, c.ln_y, "layer_norm forward");
    expect_close(g.ln_dx, c.ln_dx, "layer_norm backward dx");
    expect_close(g.ln_dgamma, c.ln_dgamma, "layer_norm d_gamma");
    expect_close(g.ln_dbeta, c.ln_dbeta, "layer_norm d_beta");
    expect_close(g.gelu_y, c.gelu_y, "gelu forward");
    expect_close(g.gelu_dx, c.gelu_dx, "gelu backward");
    expect(g.dropped == c.dropped, "dropout mask (bitwise)", relative_error(g.dropped, c.dropped));
    expect_close(g.bias_y, c.bias_y, "bias add");
    expect_close(g.soft_y, c.soft_y, "masked softmax forward");
    expect_close(g.soft_dx, c.soft_dx, "masked softmax backward");
    expect(std::abs(g.ce_loss - c.ce_loss) <= 1e-5 * std::abs(c.ce_loss), "cross-entropy loss",
           std::abs(g.ce_loss - c.ce_loss) / std::abs(c.ce_loss));
    expect_close(g.ce_grad, c.ce_grad, "cross-entropy gradient");
    expect(g.gathered == c.gathered, "embedding gather (bitwise)", relative_error(g.gathered, c.gathered));
    expect(g.scattered == c.scattered, "embedding scatter (bitwise)", relative_error(g.scattered, c.scattered));
    expect_close(g.adam_p, c.adam_p, "adamw two steps");
    expect(g.clip_norm == c.clip_norm, "clip norm (bitwise)", std::abs(g.clip_norm - c.clip_norm) / c.clip_norm);
    expect_close(g.clipped, c.clipped, "clipped gradients");
    expect(g.total == c.total, "sum (bitwise)", std::abs(g.total - c.total));
    check_gemm();
    check_bert_classifier();
  } catch (const std::exception& e) {
    std::printf("gpta_cuda_check: %s\n", e.what());
    return 1;
  }
  std::printf("gpta_cuda_check: %d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
