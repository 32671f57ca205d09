// An epoch of real SST-2 fine-tuning and a dev evaluation with the MiniLM student
// (gpta::bert_student), printed as one JSON line; scripts/bench_student.sh runs it beside
// benchmarks/sst2_epoch_torch.py (PyTorch + HF dynamic padding) on the same rows.
//
//   gpta_bench_sst2_epoch [--model DIR] [--data FILE] [--train-per-class 64] [--dev-per-class 128]
//                         [--batch 16] [--eval-batch 64] [--max-length 64] [--epochs 3]
//                         [--layout packed|padded] [--order random|length] [--write-split FILE]
// Rows: gpta::data::low_resource_split of the shared SST-2 train.tsv (split seed 1, sample seed 1,
// no test rows), the demo's protocol with more rows per class so an epoch is more than two steps.
// Every input carries the `fixed` strategy's prefix, as the demo's inputs carry a prefix.
// --order random: batches in a seeded random order (what the GPTA loop feeds); length: length
// buckets (HF's group_by_length). --write-split FILE only writes the rows (JSONL: text, label,
// part), so the PyTorch script reads exactly these. Threads: OMP_NUM_THREADS.
#include <gpta/data/sampling.hpp>
#include <gpta/data/sst2.hpp>
#include <gpta/detail/random.hpp>
#include <gpta/student/bert_student.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"

namespace {

using gpta::bench::gemm_name;
using gpta::bench::median;
using gpta::bench::now;
using gpta::bench::peak_rss_mb;

constexpr const char* prefix = "Classify the sentiment of this movie review as positive or negative.";

// The epoch's batches: seeded random order, or length buckets (batch order seeded too).
std::vector<std::vector<std::size_t>> epoch_batches(const gpta::bert_student& s,
                                                    const std::vector<gpta::text_example>& train,
                                                    std::size_t batch, bool by_length, std::uint64_t seed) {
  if (by_length) return s.length_buckets(train, prefix, batch, seed);
  std::vector<std::size_t> order(train.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(seed);
  gpta::detail::shuffle(order, rng);
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < order.size(); i += batch)
    out.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                     order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + batch)));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::getenv("GPTA_MINILM_DIR") ? std::getenv("GPTA_MINILM_DIR") : "";
  std::string data = GPTA_DEFAULT_DATA_DIR "/sst2/train.tsv", layout = "packed", order = "random", split_file;
  std::size_t train_k = 64, dev_k = 128, batch = 16, eval_batch = 64, max_length = 64;
  int epochs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model = v;
    else if (k == "--data") data = v;
    else if (k == "--train-per-class") train_k = std::stoul(v);
    else if (k == "--dev-per-class") dev_k = std::stoul(v);
    else if (k == "--batch") batch = std::stoul(v);
    else if (k == "--eval-batch") eval_batch = std::stoul(v);
    else if (k == "--max-length") max_length = std::stoul(v);
    else if (k == "--epochs") epochs = std::stoi(v);
    else if (k == "--layout") layout = v;
    else if (k == "--order") order = v;
    else if (k == "--write-split") split_file = v;
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (!gpta::bench::have_model(model)) return 2;
  if ((layout != "packed" && layout != "padded") || (order != "random" && order != "length")) {
    std::cerr << "--layout is packed or padded, --order is random or length\n";
    return 2;
  }

  const auto ds = gpta::data::load_sst2(data);
  const auto split = gpta::data::low_resource_split(ds, train_k, dev_k, 0, 1, 1);
  std::vector<gpta::text_example> train, dev;
  for (auto i : split.train) train.push_back(ds.examples[i]);
  for (auto i : split.dev) dev.push_back(ds.examples[i]);
  if (!split_file.empty()) {
    std::ofstream out(split_file);
    for (const auto& [part, rows] : {std::pair{"train", &train}, std::pair{"dev", &dev}})
      for (const auto& e : *rows)
        out << boost::json::serialize(boost::json::object{{"text", e.text}, {"label", e.label}, {"part", part}})
            << "\n";
    if (!out) {
      std::cerr << "cannot write " << split_file << "\n";
      return 1;
    }
    return 0;  // the rows only: the PyTorch script trains on them
  }
  if (epochs < 1) {
    std::cerr << "--epochs must be >= 1\n";
    return 2;
  }

  gpta::bert_student_options o;
  o.max_length = max_length;
  o.learning_rate = 2e-5;
  o.seed = 1;
  o.eval_batch_size = eval_batch;
  o.layout = layout == "packed" ? gpta::nn::bert_layout::packed : gpta::nn::bert_layout::padded;
  auto student = gpta::bert_student::from_pretrained(model, o);

  // Real and computed token rows of one epoch (the padding a layout or an order costs).
  std::size_t real_rows = 0, padded_rows = 0;
  for (const auto& idx : epoch_batches(student, train, batch, order == "length", 0)) {
    std::vector<gpta::text_example> b;
    for (auto i : idx) b.push_back(train[i]);
    const auto enc = student.encode(b, prefix);
    for (auto n : enc.lengths) real_rows += static_cast<std::size_t>(n);
    padded_rows += static_cast<std::size_t>(enc.batch_size * enc.seq_len);
  }

  {  // warm-up: one step and one small evaluation (allocations, page faults)
    std::vector<gpta::text_example> b(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(std::min(batch, train.size())));
    student.train_step(b, prefix);
    (void)student.predict(std::span<const gpta::text_example>(dev).first(std::min(eval_batch, dev.size())), prefix);
  }
  std::vector<double> epoch_times, eval_times;
  double loss = 0;
  double correct = 0;
  for (int e = 0; e < epochs; ++e) {
    const double t0 = now();
    for (const auto& idx : epoch_batches(student, train, batch, order == "length", static_cast<std::uint64_t>(e + 1))) {
      std::vector<gpta::text_example> b;
      for (auto i : idx) b.push_back(train[i]);
      loss += student.train_step(b, prefix);
    }
    epoch_times.push_back(now() - t0);
    const double t1 = now();
    const auto pred = student.predict(dev, prefix);
    eval_times.push_back(now() - t1);
    correct = 0;
    for (std::size_t i = 0; i < dev.size(); ++i) correct += pred[i] == dev[i].label;
  }
  std::fprintf(stderr, "checksum %g\n", loss);
  std::printf(
      "{\"impl\":\"gpta\",\"gemm\":\"%s\",\"layout\":\"%s\",\"order\":\"%s\",\"batch\":%zu,\"max_length\":%zu,"
      "\"threads\":%d,\"train_rows\":%zu,\"dev_rows\":%zu,\"epoch_s\":%.4f,\"epoch_s_best\":%.4f,\"eval_s\":%.4f,"
      "\"eval_s_best\":%.4f,\"real_tokens_per_epoch\":%zu,\"computed_tokens_per_epoch\":%zu,\"dev_accuracy\":%.4f,"
      "\"peak_rss_mb\":%.1f}\n",
      gemm_name, layout.c_str(), order.c_str(), batch, max_length, Eigen::nbThreads(), train.size(), dev.size(),
      median(epoch_times), *std::min_element(epoch_times.begin(), epoch_times.end()), median(eval_times),
      *std::min_element(eval_times.begin(), eval_times.end()), real_rows,
      layout == "packed" ? real_rows : padded_rows, correct / static_cast<double>(dev.size()), peak_rss_mb());
  return 0;
}
