// How often does a candidate probe's decision flip when its dev sample is re-drawn? The MiniLM
// student on low-resource SST-2, a few TA-style candidate prefixes against an incumbent, decided
// by probe accuracy (the rule before paired probes) and by the paired dev-loss gain with its
// spread-derived margin (gpta's default), over many re-drawn dev subsets of the probe's size.
//
//   gpta_bench_probe_stability --minilm-dir DIR [--k 16] [--dev-pool 512] [--probe-dev 64]
//                              [--probe-steps 2] [--draws 500] [--z 1.645] [--seed 1]
//
// The probe's training does not depend on which dev examples score it, so each prefix is probed
// once and scored on the whole pool; subsets are then drawn from those per-example results.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gpta/data/registry.hpp>
#include <gpta/data/sampling.hpp>
#include <gpta/student/bert_student.hpp>
#include <gpta/train/paired_probe.hpp>

#include "bench_util.hpp"

namespace {

struct probed {
  std::vector<double> losses;
  std::vector<int> correct;
};

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = arg(argc, argv, "minilm-dir", std::getenv("GPTA_MINILM_DIR") ? std::getenv("GPTA_MINILM_DIR") : "");
  if (dir.empty()) {
    std::fprintf(stderr, "usage: gpta_bench_probe_stability --minilm-dir DIR (or GPTA_MINILM_DIR)\n");
    return 2;
  }
  const std::size_t k = std::stoul(arg(argc, argv, "k", "16"));
  const std::size_t pool = std::stoul(arg(argc, argv, "dev-pool", "512"));
  const std::size_t probe_dev = std::stoul(arg(argc, argv, "probe-dev", "64"));
  const std::size_t probe_steps = std::stoul(arg(argc, argv, "probe-steps", "2"));
  const std::size_t draws = std::stoul(arg(argc, argv, "draws", "500"));
  const double z = std::stod(arg(argc, argv, "z", "1.645"));
  const std::uint64_t seed = std::stoull(arg(argc, argv, "seed", "1"));

  const auto all = gpta::data::load_task("sst2", GPTA_DEFAULT_DATA_DIR);
  const auto split = gpta::data::low_resource_split(all, k, pool / 2, 500, 0, seed);
  const auto train = subset(all, split.train), dev = subset(all, split.dev);

  gpta::bert_student_options o;
  o.max_length = 64;
  o.seed = seed;
  o.num_labels = 2;
  auto student = gpta::bert_student::from_pretrained(dir, o);

  // The incumbent after a round of training, and candidates in the style the 1.5B TA wrote.
  const std::string incumbent = "Classify the sentiment of this movie review as positive or negative.";
  const std::vector<std::string> candidates{
      "This is a binary sentiment classification task. Decide whether the review is negative or positive.",
      "Read the movie review fragment and answer positive if the reviewer liked the film, negative otherwise.",
      "A negative review uses words like 'boring', 'bad' or 'worse'; a positive one praises the film.",
      "Focus on adjectives and the final verdict of the reviewer to choose negative or positive."};
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> order(train.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto batch_of = [&](std::size_t step) {
    std::vector<gpta::text_example> b;
    for (std::size_t j = 0; j < 16; ++j) b.push_back(train.examples[order[(step * 16 + j) % order.size()]]);
    return b;
  };
  const double t0 = gpta::bench::now();
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t s = 0; s < 2 * ((train.size() + 15) / 16); ++s) (void)student.train_step(batch_of(s), incumbent);

  // Probe each prefix once from the same snapshot with the same batches; score the whole pool.
  std::vector<std::string> prefixes{incumbent};
  prefixes.insert(prefixes.end(), candidates.begin(), candidates.end());
  std::vector<probed> results;
  const auto state = student.snapshot();
  std::shuffle(order.begin(), order.end(), rng);
  for (const auto& p : prefixes) {
    for (std::size_t s = 0; s < probe_steps; ++s) (void)student.train_step(batch_of(s), p);
    probed r;
    r.losses = student.example_losses(dev.examples, p);
    const auto pred = student.predict(dev.examples, p);
    for (std::size_t i = 0; i < pred.size(); ++i) r.correct.push_back(pred[i] == dev.examples[i].label ? 1 : 0);
    results.push_back(std::move(r));
    student.restore(state);
  }
  const double probe_seconds = gpta::bench::now() - t0;

  // Decisions on re-drawn subsets: the accepted candidate (or none) under each rule.
  std::map<int, std::size_t> by_accuracy, by_paired;
  std::vector<std::size_t> beat_acc(candidates.size()), beat_paired(candidates.size());
  std::mt19937_64 draw_rng(seed + 1000);
  std::vector<std::size_t> idx(dev.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  for (std::size_t d = 0; d < draws; ++d) {
    std::shuffle(idx.begin(), idx.end(), draw_rng);
    const std::size_t n = std::min(probe_dev, idx.size());
    const auto acc = [&](const probed& r) {
      double c = 0;
      for (std::size_t i = 0; i < n; ++i) c += r.correct[idx[i]];
      return c / static_cast<double>(n);
    };
    std::vector<double> inc_l(n);
    for (std::size_t i = 0; i < n; ++i) inc_l[i] = results[0].losses[idx[i]];
    const double inc_acc = acc(results[0]);
    int best_a = -1, best_p = -1;
    double lead_a = 0, lead_p = 0;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      const double la = acc(results[c + 1]) - inc_acc;
      if (la > 0) ++beat_acc[c];
      if (la > 0 && (best_a < 0 || la > lead_a)) best_a = static_cast<int>(c), lead_a = la;
      std::vector<double> l(n);
      for (std::size_t i = 0; i < n; ++i) l[i] = results[c + 1].losses[idx[i]];
      const auto g = gpta::paired_gain(inc_l, l);
      const double margin = gpta::acceptance_margin(g, z, 0.0);
      if (g.mean > margin) ++beat_paired[c];
      if (g.mean > margin && (best_p < 0 || g.mean - margin > lead_p)) best_p = static_cast<int>(c), lead_p = g.mean - margin;
    }
    ++by_accuracy[best_a];
    ++by_paired[best_p];
  }
  const auto flip_rate = [&](const std::map<int, std::size_t>& m) {
    std::size_t mode = 0;
    for (const auto& [k2, v] : m) mode = std::max(mode, v);
    return 1.0 - static_cast<double>(mode) / static_cast<double>(draws);
  };
  const auto describe = [&](const std::map<int, std::size_t>& m) {
    std::string s;
    for (const auto& [c, v] : m)
      s += (s.empty() ? "" : ", ") + std::string(c < 0 ? "keep incumbent" : "candidate " + std::to_string(c + 1)) +
           ": " + std::to_string(v);
    return s;
  };
  std::printf("probe stability: MiniLM, SST-2 k=%zu per class, %zu probe steps, %zu of %zu dev examples per draw, %zu draws"
              " (probes took %.0f s)\n",
              k, probe_steps, probe_dev, dev.size(), draws, probe_seconds);
  const auto full = [&](std::size_t c) {
    const auto g = gpta::paired_gain(results[0].losses, results[c + 1].losses);
    double a0 = 0, a1 = 0;
    for (std::size_t i = 0; i < dev.size(); ++i) a0 += results[0].correct[i], a1 += results[c + 1].correct[i];
    std::printf("  candidate %zu on the whole pool: accuracy %+.4f, paired loss gain %+.5f (se %.5f)\n", c + 1,
                (a1 - a0) / static_cast<double>(dev.size()), g.mean, g.standard_error);
  };
  for (std::size_t c = 0; c < candidates.size(); ++c) full(c);
  std::printf("accuracy rule:    decisions {%s}; flip rate %.3f\n", describe(by_accuracy).c_str(), flip_rate(by_accuracy));
  std::printf("paired-loss rule: decisions {%s}; flip rate %.3f\n", describe(by_paired).c_str(), flip_rate(by_paired));
  std::printf("{\"bench\":\"probe_stability\",\"draws\":%zu,\"probe_dev\":%zu,\"flip_rate_accuracy\":%.4f,"
              "\"flip_rate_paired_loss\":%.4f}\n",
              draws, probe_dev, flip_rate(by_accuracy), flip_rate(by_paired));
  return 0;
}
