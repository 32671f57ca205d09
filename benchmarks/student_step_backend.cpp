// Training steps/s of the MiniLM student on the host backend (gpta::bert_student, Eigen) and on the
// Thrust backend (gpta::backend::bert_classifier, OMP and CPP systems), same weights, shapes and threads
// as benchmarks/student_step.cpp; one JSON line with the ratio omp/host.
//
//   gpta_bench_student_step_backend [--model DIR] [--batch 16] [--seq 64] [--steps 5] [--warmup 1] [--cpp 1]
// Threads: OMP_NUM_THREADS (the host's loops and Eigen, and Thrust's OMP system, read the same setting).
#include <gpta/backend/bert_model.hpp>
#include <gpta/student/bert_student.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

using gpta::bench::now;
using gpta::bench::median;

struct timing {
  std::vector<double> times;
  std::vector<double> losses;  ///< of every step, to show the backends trained alike
  [[nodiscard]] double median_s() const { return median(times); }
  [[nodiscard]] double best_s() const { return *std::min_element(times.begin(), times.end()); }
};

/// One training step of `model`, timed when `timed`.
template <class Model>
void step(Model& model, const gpta::nn::bert_batch& b, const std::vector<int>& labels, timing& t, bool timed) {
  const double t0 = now();
  t.losses.push_back(model.train_step(b, labels));
  if (timed) t.times.push_back(now() - t0);
}

double max_loss_gap(const timing& a, const timing& b) {
  double gap = 0;
  for (std::size_t i = 0; i < a.losses.size() && i < b.losses.size(); ++i)
    gap = std::max(gap, std::abs(a.losses[i] - b.losses[i]) / std::abs(b.losses[i]));
  return gap;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::getenv("GPTA_MINILM_DIR") ? std::getenv("GPTA_MINILM_DIR") : "";
  long batch = 16, seq = 64;
  int steps = 5, warmup = 1, with_cpp = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model = v;
    else if (k == "--batch") batch = std::stol(v);
    else if (k == "--seq") seq = std::stol(v);
    else if (k == "--steps") steps = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--cpp") with_cpp = std::stoi(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (!gpta::bench::have_model(model)) return 2;
  if (steps < 1 || warmup < 0 || batch < 1 || seq < 3) {
    std::cerr << "need --steps >= 1, --warmup >= 0, --batch >= 1, --seq >= 3\n";
    return 2;
  }

  gpta::bert_student_options o;
  o.max_length = static_cast<std::size_t>(seq);
  o.learning_rate = 2e-5;
  o.seed = 1;
  auto student = gpta::bert_student::from_pretrained(model, o);
  // Copies taken before the host trains: every backend starts from the same weights.
  auto omp = gpta::backend::make_bert_classifier<gpta::backend::thrust_backend<thrust::system::omp::tag>>(student);

  // The inputs of student_step.cpp: random ids, exactly --seq positions, no padding.
  std::mt19937_64 rng(42);
  std::vector<gpta::nn::token_sequence> seqs(static_cast<std::size_t>(batch));
  std::vector<int> labels;
  for (auto& s : seqs) {
    s.input_ids.push_back(101);
    for (long l = 1; l + 1 < seq; ++l) s.input_ids.push_back(static_cast<std::int32_t>(1000 + rng() % 28000));
    s.input_ids.push_back(102);
    labels.push_back(static_cast<int>(rng() % 2));
  }
  const auto b = gpta::nn::make_bert_batch(seqs);

  // Round robin, one step of each backend in turn: on a shared machine every backend sees the
  // same background load (sequential blocks would hand one of them a quiet minute).
  std::optional<gpta::backend::bert_classifier<gpta::backend::thrust_backend<thrust::system::cpp::tag>>> cpp;
  if (with_cpp) cpp.emplace(student.config(), student.parameters(), gpta::backend::classifier_options_from(o));
  timing host_t, omp_t, cpp_t;
  for (int i = 0; i < warmup + steps; ++i) {
    const bool timed = i >= warmup;
    step(omp, b, labels, omp_t, timed);
    if (cpp) step(*cpp, b, labels, cpp_t, timed);
    step(student, b, labels, host_t, timed);
  }

  int threads = 1;
#if defined(_OPENMP)
  threads = omp_get_max_threads();
#endif
  std::printf(
      "{\"impl\":\"gpta-backend\",\"batch\":%ld,\"seq\":%ld,\"threads\":%d,\"steps\":%d,"
      "\"host_steps_per_s\":%.4f,\"host_steps_per_s_best\":%.4f,"
      "\"omp_steps_per_s\":%.4f,\"omp_steps_per_s_best\":%.4f,",
      batch, seq, threads, steps, 1.0 / host_t.median_s(), 1.0 / host_t.best_s(), 1.0 / omp_t.median_s(),
      1.0 / omp_t.best_s());
  if (with_cpp)
    std::printf("\"cpp_steps_per_s\":%.4f,\"cpp_steps_per_s_best\":%.4f,\"ratio_cpp_host\":%.4f,"
                "\"loss_gap_cpp_host\":%.3g,",
                1.0 / cpp_t.median_s(), 1.0 / cpp_t.best_s(), host_t.median_s() / cpp_t.median_s(),
                max_loss_gap(cpp_t, host_t));
  std::printf("\"ratio_omp_host\":%.4f,\"ratio_omp_host_best\":%.4f,\"loss_gap_omp_host\":%.3g}\n",
              host_t.median_s() / omp_t.median_s(), host_t.best_s() / omp_t.best_s(), max_loss_gap(omp_t, host_t));
  return 0;
}
