// Fine-tuning and inference throughput of the reading students on MiniLM: the span student
// (gpta::bert_span_student, SQuAD) or the multiple-choice student (gpta::bert_choice_student,
// RACE), one sequence length per run, printed as one JSON line; scripts/bench_reading.sh runs it
// beside benchmarks/reading_step_torch.py (PyTorch + transformers, the same heads and recipe).
//
//   gpta_bench_reading_step --head span|choice [--model DIR] [--batch 16] [--seq 256] [--steps 5]
//                           [--warmup 1] [--infer-reps 5]
// --batch counts examples: span windows (one sequence each) or RACE questions (4 option
// sequences each). Inputs are random token ids of exactly --seq positions (no padding), the shapes
// the PyTorch script feeds its model. Threads: OMP_NUM_THREADS.
#include <gpta/student/bert_choice_student.hpp>
#include <gpta/student/bert_span_student.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"

namespace {

using gpta::bench::median;
using gpta::bench::now;
using gpta::bench::peak_rss_mb;

struct timings {
  std::vector<double> train, infer;
  double checksum = 0;
};

// Each step timed on its own: the median is the typical step, the minimum the one least disturbed
// by other load (the PyTorch script reports the same pair).
template <class Train, class Infer>
timings measure(int warmup, int steps, int infer_reps, Train&& train, Infer&& infer) {
  timings t;
  for (int i = 0; i < warmup; ++i) t.checksum += train();
  for (int i = 0; i < steps; ++i) {
    const double t0 = now();
    t.checksum += train();
    t.train.push_back(now() - t0);
  }
  t.checksum += infer();
  for (int i = 0; i < infer_reps; ++i) {
    const double t0 = now();
    t.checksum += infer();
    t.infer.push_back(now() - t0);
  }
  return t;
}

gpta::nn::token_sequence random_sequence(std::mt19937_64& rng, Eigen::Index seq) {
  gpta::nn::token_sequence s;
  s.input_ids.push_back(101);
  for (Eigen::Index l = 1; l + 1 < seq; ++l) s.input_ids.push_back(static_cast<std::int32_t>(1000 + rng() % 28000));
  s.input_ids.push_back(102);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::getenv("GPTA_MINILM_DIR") ? std::getenv("GPTA_MINILM_DIR") : "";
  std::string head;
  Eigen::Index batch = 16, seq = 256;
  int steps = 5, warmup = 1, infer_reps = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model = v;
    else if (k == "--head") head = v;
    else if (k == "--batch") batch = std::stol(v);
    else if (k == "--seq") seq = std::stol(v);
    else if (k == "--steps") steps = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--infer-reps") infer_reps = std::stoi(v);
    else {
      std::cerr << "gpta_bench_reading_step: unknown option " << k << "\n";
      return 2;
    }
  }
  if (model.empty() || (head != "span" && head != "choice")) {
    std::cerr << "usage: gpta_bench_reading_step --head span|choice --model DIR (or GPTA_MINILM_DIR) [--batch N]"
                 " [--seq N] [--steps N] [--warmup N] [--infer-reps N]\n";
    return 2;
  }

  std::mt19937_64 rng(42);
  const std::size_t options = head == "choice" ? 4 : 1;
  std::vector<gpta::nn::token_sequence> seqs(static_cast<std::size_t>(batch) * options);
  for (auto& s : seqs) s = random_sequence(rng, seq);
  const gpta::nn::bert_batch b = gpta::nn::make_bert_batch(seqs);

  timings t;
  if (head == "span") {
    gpta::bert_span_student_options o;
    o.max_length = static_cast<std::size_t>(seq);
    o.learning_rate = 3e-5;
    o.seed = 1;
    auto student = gpta::bert_span_student::from_pretrained(model, o);
    std::vector<int> starts, ends;
    for (Eigen::Index i = 0; i < batch; ++i) {
      const int s = static_cast<int>(1 + rng() % static_cast<std::uint64_t>(seq - 8));
      starts.push_back(s);
      ends.push_back(s + static_cast<int>(rng() % 5));
    }
    t = measure(warmup, steps, infer_reps, [&] { return student.train_step(b, starts, ends); },
                [&] { return static_cast<double>(student.start_end_logits(b).first(0, 0)); });
  } else {
    gpta::bert_choice_student_options o;
    o.max_length = static_cast<std::size_t>(seq);
    o.learning_rate = 3e-5;
    o.seed = 1;
    auto student = gpta::bert_choice_student::from_pretrained(model, o);
    std::vector<int> labels;
    for (Eigen::Index i = 0; i < batch; ++i) labels.push_back(static_cast<int>(rng() % 4));
    t = measure(warmup, steps, infer_reps, [&] { return student.train_step(b, labels); },
                [&] { return static_cast<double>(student.option_scores(b)(0, 0)); });
  }
  const double train_s = median(t.train), infer_s = median(t.infer);
  const double train_best = *std::min_element(t.train.begin(), t.train.end());
  const double infer_best = *std::min_element(t.infer.begin(), t.infer.end());
  std::fprintf(stderr, "checksum %g\n", t.checksum);
  std::printf(
      "{\"impl\":\"gpta\",\"head\":\"%s\",\"batch\":%ld,\"seq\":%ld,\"sequences_per_example\":%zu,\"threads\":%d,"
      "\"train_examples_per_s\":%.3f,\"train_examples_per_s_best\":%.3f,\"infer_examples_per_s\":%.3f,"
      "\"infer_examples_per_s_best\":%.3f,\"peak_rss_mb\":%.1f}\n",
      head.c_str(), static_cast<long>(batch), static_cast<long>(seq), options, Eigen::nbThreads(),
      static_cast<double>(batch) / train_s, static_cast<double>(batch) / train_best,
      static_cast<double>(batch) / infer_s, static_cast<double>(batch) / infer_best, peak_rss_mb());
  return 0;
}
