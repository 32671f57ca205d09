// Fine-tuning and inference throughput of the MiniLM student (gpta::bert_student), one sequence
// length per run, printed as one JSON line; scripts/bench_student.sh runs it beside PyTorch.
//
//   gpta_bench_student_step [--model DIR] [--batch 16] [--seq 64] [--steps 10] [--warmup 2]
//                           [--infer-reps 10] [--gemm 2048]
// Threads: OMP_NUM_THREADS. Inputs are random token ids of exactly --seq positions (no padding),
// the same shapes benchmarks/student_step_torch.py feeds PyTorch.
#include <gpta/student/bert_student.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <sys/resource.h>
#include "bench_util.hpp"

namespace {

using gpta::bench::gemm_name;
using gpta::bench::median;
using gpta::bench::now;
using gpta::bench::peak_rss_mb;

// One plain n x n GEMM through the build's GEMM policy (Eigen, or the CBLAS library of
// GPTA_GEMM), same compiler flags and threads: the ceiling the student's GEMMs aim at.
double gemm_gflops(Eigen::Index n) {
  using rows = gpta::nn::row_matrix<float>;
  rows a = rows::Random(n, n), b = rows::Random(n, n), c(n, n);
  const auto product = [&] {
#if defined(GPTA_GEMM_CBLAS)
    if (gpta::nn::cblas_gemm<float>(c, a, b, false)) return;
#endif
    c.noalias() = a * b;
  };
  product();  // warm-up
  double best = 1e30;
  for (int r = 0; r < 3; ++r) {
    const double t0 = now();
    product();
    best = std::min(best, now() - t0);
  }
  std::fprintf(stderr, "gemm checksum %g\n", static_cast<double>(c(0, 0)));
  return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::getenv("GPTA_MINILM_DIR") ? std::getenv("GPTA_MINILM_DIR") : "";
  Eigen::Index batch = 16, seq = 64, gemm_n = 2048;
  int steps = 10, warmup = 2, infer_reps = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model = v;
    else if (k == "--batch") batch = std::stol(v);
    else if (k == "--seq") seq = std::stol(v);
    else if (k == "--steps") steps = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--infer-reps") infer_reps = std::stoi(v);
    else if (k == "--gemm") gemm_n = std::stol(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (!gpta::bench::have_model(model)) return 2;

  gpta::bert_student_options o;
  o.max_length = static_cast<std::size_t>(seq);
  o.learning_rate = 2e-5;
  o.seed = 1;
  auto student = gpta::bert_student::from_pretrained(model, o);

  std::mt19937_64 rng(42);
  std::vector<gpta::nn::token_sequence> seqs(static_cast<std::size_t>(batch));
  std::vector<int> labels;
  for (auto& s : seqs) {
    s.input_ids.push_back(101);
    for (Eigen::Index l = 1; l + 1 < seq; ++l) s.input_ids.push_back(static_cast<std::int32_t>(1000 + rng() % 28000));
    s.input_ids.push_back(102);
    labels.push_back(static_cast<int>(rng() % 2));
  }
  const auto b = gpta::nn::make_bert_batch(seqs);

  // Each step is timed on its own: the median is the typical step, the minimum the step least
  // disturbed by other load on a shared machine (the PyTorch script reports the same pair).
  for (int i = 0; i < warmup; ++i) student.train_step(b, labels);
  std::vector<double> train_times, infer_times;
  double loss = 0;
  for (int i = 0; i < steps; ++i) {
    const double t0 = now();
    loss += student.train_step(b, labels);
    train_times.push_back(now() - t0);
  }
  for (int i = 0; i < 2; ++i) (void)student.logits(b);
  double sink = 0;
  for (int i = 0; i < infer_reps; ++i) {
    const double t0 = now();
    sink += static_cast<double>(student.logits(b)(0, 0));
    infer_times.push_back(now() - t0);
  }
  const double rss = peak_rss_mb();
  const double train_s = median(train_times), infer_s = median(infer_times);
  const double train_best = *std::min_element(train_times.begin(), train_times.end());
  const double infer_best = *std::min_element(infer_times.begin(), infer_times.end());

  const double fwd = student.encoder().forward_flops(b);
  const double peak = gemm_gflops(gemm_n);
  std::fprintf(stderr, "checksums %g %g\n", loss, sink);
  std::printf(
      "{\"impl\":\"gpta\",\"gemm\":\"%s\",\"batch\":%ld,\"seq\":%ld,\"threads\":%d,\"train_steps_per_s\":%.4f,"
      "\"train_steps_per_s_best\":%.4f,\"train_examples_per_s\":%.3f,\"infer_examples_per_s\":%.3f,"
      "\"infer_examples_per_s_best\":%.3f,\"train_gflops\":%.2f,\"train_gflops_best\":%.2f,\"infer_gflops\":%.2f,"
      "\"gemm_gflops\":%.2f,\"gemm_n\":%ld,\"peak_rss_mb\":%.1f}\n",
      gemm_name, static_cast<long>(batch), static_cast<long>(seq), Eigen::nbThreads(), 1.0 / train_s, 1.0 / train_best,
      static_cast<double>(batch) / train_s, static_cast<double>(batch) / infer_s,
      static_cast<double>(batch) / infer_best, 3.0 * fwd / train_s / 1e9, 3.0 * fwd / train_best / 1e9,
      fwd / infer_s / 1e9, peak, static_cast<long>(gemm_n), rss);
  return 0;
}
