// The Thrust backend's kernels (the configured CPU system, OMP by default) against the host Eigen
// kernels of gpta::nn on identical inputs at BERT-MiniLM sizes, printed as host/Thrust time ratios.
//
//   gpta_bench_backend_kernels [--reps 20] [--batch 16] [--seq 128]
// Threads: OMP_NUM_THREADS (both sides use the same OpenMP runtime). Ratio > 1: Thrust is faster.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.hpp"

#if defined(GPTA_THRUST_DEVICE_OMP) || defined(GPTA_THRUST_DEVICE_CPP)
#define GPTA_BENCH_HAS_THRUST_CPU 1
#include <gpta/backend/kernels.hpp>
#include <gpta/detail/random.hpp>
#include <gpta/nn/adamw.hpp>
#include <gpta/nn/bert_layers.hpp>
#include <gpta/nn/grad_clip.hpp>
#if defined(_OPENMP)
#include <omp.h>
#endif
#endif

#if defined(GPTA_BENCH_HAS_THRUST_CPU)
namespace {

using gpta::bench::now;

namespace gb = gpta::backend;
namespace nn = gpta::nn;
using be_t = gb::device_backend;
using dvec = be_t::vector<float>;
using hmat = nn::row_matrix<float>;

/// Median of `reps` timed calls after one warm-up, in milliseconds.
template <class F>
double time_ms(int reps, F&& f) {
  f();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const double t0 = now();
    f();
    t.push_back((now() - t0) * 1e3);
  }
  std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
  return t[static_cast<std::size_t>(reps / 2)];
}

std::vector<float> random_values(std::size_t n, float lo, float hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = lo + (hi - lo) * static_cast<float>(gpta::detail::uniform_unit(rng));
  return v;
}

void row(const char* kernel, const std::string& shape, double host, double thrust) {
  std::printf("%-26s %-22s %10.3f %10.3f %8.2f\n", kernel, shape.c_str(), host, thrust, host / thrust);
}

std::string dims(long a, long b) { return std::to_string(a) + "x" + std::to_string(b); }

}  // namespace
#endif

int main(int argc, char** argv) {
#if !defined(GPTA_BENCH_HAS_THRUST_CPU)
  (void)argc;
  (void)argv;
  std::puts(
      "gpta_bench_backend_kernels: needs gpta::thrust on the OMP or CPP system (GPTA_ENABLE_THRUST, "
      "GPTA_THRUST_DEVICE)");
  return 0;
#else
  int reps = 20;
  long batch = 16, seq = 128;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--reps")
      reps = std::stoi(v);
    else if (k == "--batch")
      batch = std::stol(v);
    else if (k == "--seq")
      seq = std::stol(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  // all-MiniLM-L6-v2: hidden 384, 12 heads, intermediate 1536, vocab 30522, about 22.7M parameters.
  const long H = 384, heads = 12, inter = 1536, vocab = 30522, T = batch * seq, params = 22713216;
  const be_t be;
  int threads = 1;
#if defined(_OPENMP)
  threads = omp_get_max_threads();
#endif
  std::printf("backend kernels: host (gpta::nn, Eigen) vs %s, %d thread(s), batch %ld x seq %ld, median of %d\n",
              std::string(be_t::name).c_str(), threads, batch, seq, reps);
  std::printf("%-26s %-22s %10s %10s %8s\n", "kernel", "shape", "host ms", "thrust ms", "ratio");

  // ---- LayerNorm over [T x H]
  auto x = random_values(T * H, -2, 2, 1), dy = random_values(T * H, -1, 1, 2);
  auto gamma = random_values(H, 0.5f, 1.5f, 3), beta = random_values(H, -1, 1, 4);
  hmat hx = Eigen::Map<hmat>(x.data(), T, H), hdy = Eigen::Map<hmat>(dy.data(), T, H), hy(T, H), hhat(T, H), hdx(T, H);
  hmat hg = Eigen::Map<hmat>(gamma.data(), 1, H), hb = Eigen::Map<hmat>(beta.data(), 1, H), hdg = hmat::Zero(1, H),
       hdb = hmat::Zero(1, H);
  nn::column_vector<float> hrstd(T);
  dvec dx_in(x.begin(), x.end()), ddy(dy.begin(), dy.end()), dg(gamma.begin(), gamma.end()),
      db(beta.begin(), beta.end());
  dvec y(x.size()), hat(x.size()), rstd(T), dx(x.size()), d_gamma(H, 0.0f), d_beta(H, 0.0f);
  row("layer_norm forward", dims(T, H),
      time_ms(reps, [&] { nn::layer_norm_forward<float>(hx, hg, hb, 1e-12, hy, hhat, hrstd); }), time_ms(reps, [&] {
        gb::layer_norm_forward(be, gb::view(dx_in, T, H), gb::view(dg), gb::view(db), 1e-12, gb::view(y, T, H),
                               gb::view(hat, T, H), gb::view(rstd));
      }));
  row("layer_norm backward", dims(T, H),
      time_ms(reps, [&] { nn::layer_norm_backward<float>(hdy, hhat, hrstd, hg, hdx, hdg, hdb); }), time_ms(reps, [&] {
        gb::layer_norm_backward(be, gb::view(ddy, T, H), gb::view(hat, T, H), gb::view(rstd), gb::view(dg),
                                gb::view(dx, T, H), gb::view(d_gamma), gb::view(d_beta));
      }));

  // ---- GELU over the FFN's [T x intermediate]
  auto f = random_values(T * inter, -4, 4, 5), df = random_values(T * inter, -1, 1, 6);
  hmat hf = Eigen::Map<hmat>(f.data(), T, inter), hdf = Eigen::Map<hmat>(df.data(), T, inter), hfy(T, inter),
       hfdx(T, inter);
  dvec ff(f.begin(), f.end()), dff(df.begin(), df.end()), fy(f.size()), fdx(f.size());
  row("gelu forward", dims(T, inter), time_ms(reps, [&] { nn::gelu_forward<float>(hf, hfy); }),
      time_ms(reps, [&] { gb::gelu_forward(be, gb::view(ff, T, inter), gb::view(fy, T, inter)); }));
  row("gelu backward", dims(T, inter), time_ms(reps, [&] { nn::gelu_backward<float>(hf, hdf, hfdx); }),
      time_ms(reps, [&] {
        gb::gelu_backward(be, gb::view(ff, T, inter), gb::view(dff, T, inter), gb::view(fdx, T, inter));
      }));

  // ---- Dropout on [T x H] (hidden dropout, p = 0.1)
  row("dropout p=0.1", dims(T, H), time_ms(reps, [&] { nn::dropout_apply<float>(hy, 0.1, 42); }),
      time_ms(reps, [&] { gb::dropout_apply(be, gb::view(y, T, H), 0.1, 42); }));

  // ---- Attention softmax: [batch*heads*seq x seq], no padding. The host side is the encoder's
  // per-(sequence, head) Eigen row loop (nn::bert_encoder has no standalone softmax kernel).
  const long S = batch * heads * seq;
  const float scale = 0.125f;
  auto s = random_values(S * seq, -4, 4, 7), ds = random_values(S * seq, -1, 1, 8);
  hmat hs = Eigen::Map<hmat>(s.data(), S, seq), hp(S, seq), hds = Eigen::Map<hmat>(ds.data(), S, seq), hsdx(S, seq);
  std::vector<float> mask(batch * seq, 0.0f);
  dvec sd(s.begin(), s.end()), dmask(mask.begin(), mask.end()), p(s.size()), sdy(ds.begin(), ds.end()), sdx(s.size());
  row("masked softmax forward", dims(S, seq),
      time_ms(reps,
              [&] {
                GPTA_BERT_PARALLEL_FOR_DYNAMIC(S * seq)
                for (long pair = 0; pair < batch * heads; ++pair)
                  for (long i = 0; i < seq; ++i) {
                    auto r = hp.row(pair * seq + i).array();
                    r = hs.row(pair * seq + i).array();
                    r = ((r - r.maxCoeff()) * scale).exp();
                    r /= r.sum();
                  }
              }),
      time_ms(reps, [&] {
        gb::masked_softmax_forward(be, gb::view(sd, S, seq), gb::view(dmask, batch, seq), heads * seq, scale,
                                   gb::view(p, S, seq));
      }));
  row("masked softmax backward", dims(S, seq),
      time_ms(reps,
              [&] {
                GPTA_BERT_PARALLEL_FOR_DYNAMIC(S * seq)
                for (long i = 0; i < S; ++i) {
                  const float dot = (hds.row(i).array() * hp.row(i).array()).sum();
                  hsdx.row(i).array() = hp.row(i).array() * (hds.row(i).array() - dot) * scale;
                }
              }),
      time_ms(reps, [&] {
        gb::masked_softmax_backward(be, gb::view(p, S, seq), gb::view(sdy, S, seq), scale, gb::view(sdx, S, seq));
      }));

  // ---- Word embeddings: gather [T x H] from [vocab x H], scatter-add the gradient back.
  std::vector<std::int32_t> ids(static_cast<std::size_t>(T));
  std::mt19937_64 rng(9);
  for (auto& id : ids)
    id = static_cast<std::int32_t>(gpta::detail::uniform_index(rng, 2000));  // Zipf-ish: few distinct
  auto table = random_values(vocab * H, -1, 1, 10);
  hmat htable = Eigen::Map<hmat>(table.data(), vocab, H), hgrad = hmat::Zero(vocab, H), hemb(T, H);
  dvec dtable(table.begin(), table.end()), dgrad(vocab * H, 0.0f), emb(T * H);
  be_t::vector<std::int32_t> dids(ids.begin(), ids.end());
  gb::embedding_grad_workspace<be_t> ws;
  row("embedding gather", dims(T, H),
      time_ms(reps,
              [&] {
                for (long t = 0; t < T; ++t) hemb.row(t) = htable.row(ids[static_cast<std::size_t>(t)]);
              }),
      time_ms(reps,
              [&] { gb::embedding_gather(be, gb::view(dtable, vocab, H), gb::view(dids), gb::view(emb, T, H)); }));
  row("embedding scatter-add", dims(T, H),
      time_ms(reps,
              [&] {
                for (long t = 0; t < T; ++t) hgrad.row(ids[static_cast<std::size_t>(t)]) += hdy.row(t);
              }),
      time_ms(reps, [&] {
        gb::embedding_scatter_add(be, gb::view(ddy, T, H), gb::view(dids), gb::view(dgrad, vocab, H), ws);
      }));

  // ---- Optimiser over every MiniLM parameter as one flat tensor.
  auto w = random_values(static_cast<std::size_t>(params), -1, 1, 11),
       g = random_values(static_cast<std::size_t>(params), -1e-3f, 1e-3f, 12);
  Eigen::Map<Eigen::VectorXf> hw(w.data(), params), hgw(g.data(), params);
  nn::adamw opt(nn::adamw_options{});
  const auto slot = opt.add_parameter(params, 1, true);
  dvec dw(w.begin(), w.end()), dgw(g.begin(), g.end()), m(static_cast<std::size_t>(params), 0.0f),
      v(static_cast<std::size_t>(params), 0.0f);
  std::int64_t step = 0;
  const int opt_reps = std::max(3, reps / 4);
  row("adamw update", std::to_string(params),
      time_ms(opt_reps,
              [&] {
                opt.begin_step();
                opt.update(slot, hw, hgw);
              }),
      time_ms(opt_reps, [&] {
        gb::adamw_update(be, gb::make_adamw_coefficients<float>(nn::adamw_options{}, ++step), gb::view(dw),
                         gb::view(dgw), gb::view(m), gb::view(v), true);
      }));
  Eigen::VectorXf hclip = hgw;
  row("clip_global_norm", std::to_string(params), time_ms(opt_reps, [&] { (void)nn::clip_global_norm(hclip, 1e9); }),
      time_ms(opt_reps, [&] { (void)gb::clip_global_norm(be, gb::view(dgw), 1e9); }));
  std::printf("checksums %g %g\n", static_cast<double>(hy(0, 0) + hfy(0, 0) + hp(0, 0) + hw(0)),
              static_cast<double>(gb::read_element(be, y, 0) + gb::read_element(be, fy, 0) +
                                  gb::read_element(be, p, 0) + gb::read_element(be, dw, 0)));
  return 0;
#endif
}
