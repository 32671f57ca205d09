// LoRA fine-tuning step and scoring throughput of the Qwen2 decoder (gpta::nn::qwen2_decoder, float),
// one JSON line per configuration; scripts/bench_lora.sh runs it beside PyTorch + peft (lora_step_torch.py).
//
//   gpta_bench_lora_step --model FILE.gguf [--batch 4] [--configs 64:qv:last,128:qv:last]
//                        [--steps 5] [--warmup 3] [--score-reps 3] [--rank 8] [--alpha 16] [--gemm 2048]
//                        [--keep-activations 0|1]
// A configuration is SEQ:MODULES:LOSS with MODULES = qv (peft's default for Qwen2) | all (the 7
// projections) and LOSS = last (the last token, a label word) | half (the last SEQ/2 tokens, a
// summary). A training step = zero_grad, loss_and_grad, clip to 1.0, AdamW (lr 1e-4, decay 0.01)
// on the adapters; scoring = logits at the last position of every sequence. Token ids come from
// the 64-bit LCG lora_step_torch.py uses too, so both sides see the same ids (ids_checksum) and,
// with B = 0 at the start, the same first loss (first_loss). Threads: OMP_NUM_THREADS.
// Memory: load_peak_rss_mb is the peak up to the end of loading; phase_peak_rss_mb the peak of
// this configuration (VmHWM reset through /proc/self/clear_refs once loading is done); peak_rss_mb
// the process's peak so far, loading included (the reset also resets getrusage's ru_maxrss, so it
// is the larger of the load peak and ru_maxrss).
#include <gpta/nn/adamw.hpp>
#include <gpta/nn/grad_clip.hpp>
#include <gpta/nn/lora.hpp>
#include <gpta/nn/qwen2/load_gguf.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <malloc.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "bench_util.hpp"

namespace {

using gpta::bench::median;
using gpta::bench::now;
using gpta::bench::peak_rss_mb;

struct config {
  long seq = 64;
  std::string modules = "qv";
  std::string loss = "last";
};

std::vector<config> parse_configs(const std::string& list) {
  std::vector<config> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const auto a = item.find(':'), b = item.find(':', a == std::string::npos ? a : a + 1);
    if (a == std::string::npos || b == std::string::npos)
      throw std::invalid_argument("config '" + item + "' is not SEQ:MODULES:LOSS");
    config c{std::stol(item.substr(0, a)), item.substr(a + 1, b - a - 1), item.substr(b + 1)};
    if (c.modules != "qv" && c.modules != "all") throw std::invalid_argument("modules must be qv or all: " + item);
    if (c.loss != "last" && c.loss != "half") throw std::invalid_argument("loss must be last or half: " + item);
    if (c.seq < 4) throw std::invalid_argument("seq must be >= 4: " + item);
    out.push_back(c);
  }
  return out;
}

// The same generator as lora_step_torch.py: Knuth's MMIX LCG, ids in [1000, 151000) (no special tokens).
gpta::nn::qwen2_sequences make_ids(long batch, long seq, std::uint64_t& checksum) {
  std::uint64_t s = 42;
  gpta::nn::qwen2_sequences out(static_cast<std::size_t>(batch));
  checksum = 0;
  for (auto& q : out)
    for (long t = 0; t < seq; ++t) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      q.push_back(static_cast<std::int32_t>(1000 + (s >> 33) % 150000));
      checksum += static_cast<std::uint64_t>(q.back()) * static_cast<std::uint64_t>(t + 1);
    }
  return out;
}

// VmHWM / VmRSS from /proc/self/status, in MiB; resetting the peak needs Linux >= 4.0.
double status_mb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::string(key).size())) / 1024.0;
  return -1;
}
bool reset_peak() {
  malloc_trim(0);  // what the previous configuration freed should not count as this one's
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  return static_cast<bool>(f);
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}
std::string cpu_flags() {
  std::ifstream f("/proc/cpuinfo");
  std::string line, out;
  while (std::getline(f, line))
    if (line.rfind("flags", 0) == 0) {
      std::stringstream ss(line.substr(line.find(':') + 1));
      const std::vector<std::string> wanted{"avx2",        "fma",         "avx512f", "avx512bw",
                                            "avx512_vnni", "avx512_bf16", "amx_tile"};
      std::string w;
      while (ss >> w)
        if (std::find(wanted.begin(), wanted.end(), w) != wanted.end()) out += (out.empty() ? "" : " ") + w;
      break;
    }
  return out;
}

double gemm_gflops(Eigen::Index n) {
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n), b = Eigen::MatrixXf::Random(n, n), c(n, n);
  c.noalias() = a * b;
  double best = 1e30;
  for (int r = 0; r < 3; ++r) {
    const double t0 = now();
    c.noalias() = a * b;
    best = std::min(best, now() - t0);
  }
  std::fprintf(stderr, "gemm checksum %g\n", static_cast<double>(c(0, 0)));
  return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best / 1e9;
}

// Multiply-adds x 2 of one forward pass over `batch` sequences of `seq` tokens: the projections,
// causal attention (QK^T and PV on the lower triangle), and the LM head at `head_rows` rows.
double forward_flops(const gpta::nn::qwen2_config& c, long batch, long seq, long head_rows) {
  const double H = static_cast<double>(c.hidden_size), I = static_cast<double>(c.intermediate_size);
  const double KV = static_cast<double>(c.kv_dim()), L = static_cast<double>(c.num_layers);
  const double tokens = static_cast<double>(batch * seq);
  const double proj = 2.0 * tokens * (2 * H * H + 2 * H * KV + 3 * H * I);
  const double pairs = 0.5 * static_cast<double>(batch) * static_cast<double>(seq) * static_cast<double>(seq + 1);
  const double attn = 2.0 * 2.0 * pairs * H;
  return L * (proj + attn) + 2.0 * static_cast<double>(head_rows) * H * static_cast<double>(c.vocab_size);
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, configs = "64:qv:last,128:qv:last";
  long batch = 4, gemm_n = 2048;
  int steps = 5, warmup = 3, score_reps = 3, rank = 8;
  double alpha = 16;
  bool keep = false;  // qwen2_decoder::keep_activations: no recomputation in the backward pass
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model = v;
    else if (k == "--batch") batch = std::stol(v);
    else if (k == "--configs") configs = v;
    else if (k == "--steps") steps = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--score-reps") score_reps = std::stoi(v);
    else if (k == "--rank") rank = std::stoi(v);
    else if (k == "--alpha") alpha = std::stod(v);
    else if (k == "--gemm") gemm_n = std::stol(v);
    else if (k == "--keep-activations") keep = v == "1";
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (model.empty()) {
    std::cerr << "set --model FILE.gguf (scripts/install_models.sh path qwen0.5b prints it)\n";
    return 2;
  }
  const auto cfgs = parse_configs(configs);
#if defined(_OPENMP)
  const int threads = omp_get_max_threads();
#else
  const int threads = 1;
#endif
  const std::string cpu = cpu_model(), flags = cpu_flags();
  // What this binary was compiled for (GPTA_NATIVE=ON gives -march=native).
#if defined(__AVX512F__)
  const char* isa = "avx512";
#elif defined(__AVX2__)
  const char* isa = "avx2";
#else
  const char* isa = "sse2";
#endif

  double t0 = now();
  auto dec = gpta::nn::load_qwen2<float>(model);
  dec.keep_activations(keep);
  const double load_s = now() - t0;
  const double load_peak = status_mb("VmHWM:");
  const double peak_gemm = gemm_n > 0 ? gemm_gflops(gemm_n) : 0.0;
  std::fprintf(stderr, "gpta: loaded in %.1f s, peak %.0f MB, Eigen GEMM %.0f GFLOP/s\n", load_s, load_peak, peak_gemm);

  for (const auto& cf : cfgs) {
    std::uint64_t checksum = 0;
    const auto ids = make_ids(batch, cf.seq, checksum);
    gpta::nn::qwen2_targets targets;
    const auto first = static_cast<std::size_t>(cf.loss == "last" ? cf.seq - 1 : cf.seq / 2);  // first target token
    for (const auto& s : ids) targets.push_back(gpta::nn::qwen2_next_token_targets(s, first));
    std::vector<gpta::nn::qwen2_query> queries;
    for (std::size_t s = 0; s < ids.size(); ++s) queries.push_back({s, static_cast<std::size_t>(cf.seq - 1)});

    const bool peak_reset = reset_peak();
    gpta::nn::lora_options lo;
    lo.rank = rank;
    lo.alpha = alpha;
    lo.dropout = 0.0;
    lo.modules = gpta::nn::parse_lora_modules(cf.modules == "qv" ? "q,v" : "all");
    auto lora = dec.make_lora(lo, 1);
    gpta::nn::adamw_options ao;
    ao.learning_rate = 1e-4;
    ao.weight_decay = 0.01;
    gpta::nn::adamw opt(ao);
    const std::size_t slot = opt.add_parameter(static_cast<Eigen::Index>(lora.size()), 1, true);

    auto step = [&] {
      lora.zero_grad();
      const double l = dec.loss_and_grad(ids, targets, lora);
      (void)gpta::nn::clip_global_norm(lora.grads(), 1.0);
      opt.begin_step();
      opt.update(slot, lora.values(), lora.grads());
      return l;
    };
    double first_loss = 0, loss_sum = 0;
    for (int i = 0; i < warmup; ++i) {
      const double l = step();
      if (i == 0) first_loss = l;
    }
    std::vector<double> train_times, score_times;
    for (int i = 0; i < steps; ++i) {
      t0 = now();
      const double l = step();
      train_times.push_back(now() - t0);
      if (warmup == 0 && i == 0) first_loss = l;
      loss_sum += l;
    }
    double sink = 0;
    (void)dec.logits(ids, queries, &lora);  // warm-up
    for (int i = 0; i < score_reps; ++i) {
      t0 = now();
      const auto z = dec.logits(ids, queries, &lora);
      score_times.push_back(now() - t0);
      sink += static_cast<double>(z(0, 0));
    }
    std::fprintf(stderr, "gpta %ld:%s:%s checksums %g %g\n", cf.seq, cf.modules.c_str(), cf.loss.c_str(), loss_sum,
                 sink);
    const double train_s = median(train_times), score_s = median(score_times);
    const double train_best = *std::min_element(train_times.begin(), train_times.end());
    const double score_best = *std::min_element(score_times.begin(), score_times.end());
    const long loss_rows = batch * static_cast<long>(targets[0].size());
    // Training = forward, then per layer a recomputed forward (unless activations are kept) and the
    // backward (about 1x forward: the frozen projections need only their input gradients).
    const double train_flops = (keep ? 2.0 : 3.0) * forward_flops(dec.config(), batch, cf.seq, loss_rows);
    const double score_flops = forward_flops(dec.config(), batch, cf.seq, batch);
    std::printf(
        "{\"impl\":\"gpta\",\"batch\":%ld,\"seq\":%ld,\"modules\":\"%s\",\"loss\":\"%s\",\"rank\":%d,\"alpha\":%g,"
        "\"threads\":%d,\"trainable\":%zu,\"ids_checksum\":%llu,\"first_loss\":%.6f,"
        "\"train_steps_per_s\":%.5f,\"train_steps_per_s_best\":%.5f,\"train_tokens_per_s\":%.2f,"
        "\"score_seqs_per_s\":%.4f,\"score_seqs_per_s_best\":%.4f,\"train_gflops\":%.2f,\"score_gflops\":%.2f,"
        "\"gemm_gflops\":%.2f,\"load_s\":%.2f,\"load_peak_rss_mb\":%.1f,\"phase_peak_rss_mb\":%.1f,"
        "\"peak_rss_mb\":%.1f,\"peak_reset\":%s,\"isa\":\"%s\",\"cpu\":\"%s\",\"cpu_flags\":\"%s\","
        "\"steps\":%d,\"warmup\":%d,\"keep_activations\":%s}\n",
        batch, cf.seq, cf.modules.c_str(), cf.loss.c_str(), rank, alpha, threads, lora.size(),
        static_cast<unsigned long long>(checksum), first_loss, 1.0 / train_s, 1.0 / train_best,
        static_cast<double>(batch * cf.seq) / train_s, static_cast<double>(batch) / score_s,
        static_cast<double>(batch) / score_best, train_flops / train_s / 1e9, score_flops / score_s / 1e9, peak_gemm,
        load_s, load_peak, peak_reset ? status_mb("VmHWM:") : -1.0, std::max(load_peak, peak_rss_mb()),
        peak_reset ? "true" : "false", isa, cpu.c_str(), flags.c_str(), steps, warmup, keep ? "true" : "false");
    std::fflush(stdout);
  }
  return 0;
}
