// Decoding throughput of the causal-LM summariser's decoder (gpta::nn::qwen2_decoder, float) on
// real documents: without a KV cache (the anchor: every new token re-runs the whole sequence),
// with the cache one document at a time (nn::generate), and with the cache over a batch of
// documents (nn::generate_batch, one pass per step for the batch). One JSON line per mode.
//
//   gpta_bench_decode --model FILE.gguf [--task xsum|cnndm] [--docs 8] [--max-length 512]
//                     [--new-tokens 32] [--no-cache-tokens 4] [--prefill-batch 4]
// Prompts are the summariser's (ChatML, no prefix, document cut to fit max-length with room for
// the summary), from the first `docs` documents of the task's shared file. Every mode writes
// exactly its number of new tokens (stop tokens off), greedy, so tokens/s compare like for like;
// the cached modes' outputs must be identical (same_outputs). Threads: OMP_NUM_THREADS.
#include <gpta/data/seq2seq_tasks.hpp>
#include <gpta/nn/qwen2/generate.hpp>
#include <gpta/student/lm_prompt.hpp>
#include <gpta/student/lm_tuner.hpp>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "bench_util.hpp"

namespace {

using gpta::bench::now;
using gpta::bench::peak_rss_mb;
using ids_t = std::vector<std::int32_t>;

struct args {
  std::string model, task = "xsum";
  std::size_t docs = 8, max_length = 512, new_tokens = 32, no_cache_tokens = 4, prefill_batch = 4;
};

args parse(int argc, char** argv) {
  args a;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("flag " + f + " needs a value");
    const std::string v = argv[++i];
    if (f == "--model") a.model = v;
    else if (f == "--task") a.task = v;
    else if (f == "--docs") a.docs = std::stoul(v);
    else if (f == "--max-length") a.max_length = std::stoul(v);
    else if (f == "--new-tokens") a.new_tokens = std::stoul(v);
    else if (f == "--no-cache-tokens") a.no_cache_tokens = std::stoul(v);
    else if (f == "--prefill-batch") a.prefill_batch = std::stoul(v);
    else throw std::invalid_argument("unknown flag " + f);
  }
  if (a.model.empty()) throw std::invalid_argument("--model FILE.gguf is required");
  if (a.docs == 0 || a.new_tokens == 0) throw std::invalid_argument("--docs and --new-tokens must be > 0");
  return a;
}

int threads() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void line(const char* mode, const args& a, std::size_t docs, std::size_t prompt_tokens, std::size_t new_tokens,
          double seconds, const std::string& extra = "") {
  std::printf("{\"bench\":\"decode\",\"mode\":\"%s\",\"task\":\"%s\",\"threads\":%d,\"docs\":%zu,"
              "\"prompt_tokens\":%zu,\"new_tokens\":%zu,\"seconds\":%.3f,\"new_tokens_per_s\":%.3f,"
              "\"seconds_per_doc\":%.3f,\"projected_100_docs_s\":%.1f,\"peak_rss_mb\":%.0f%s}\n",
              mode, a.task.c_str(), threads(), docs, prompt_tokens, new_tokens, seconds,
              static_cast<double>(new_tokens) / seconds, seconds / static_cast<double>(docs),
              100.0 * seconds / static_cast<double>(docs), peak_rss_mb(), extra.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) try {
  const args a = parse(argc, argv);
  auto base = gpta::student::load_lm_base<float>(a.model);
  auto& model = base->decoder;
  gpta::student::lm_prompt_options po;
  po.max_length = a.max_length;
  const gpta::student::lm_prompt prompt(base->tokenizer, po);
  const auto data = gpta::data::load_seq2seq_task(a.task, GPTA_DEFAULT_DATA_DIR);
  if (data.size() < a.docs) throw std::invalid_argument("the task has fewer documents than --docs");
  std::vector<ids_t> prompts;
  std::size_t prompt_tokens = 0;
  for (std::size_t i = 0; i < a.docs; ++i) {
    prompts.push_back(prompt.encode("", data.examples[i].source, a.new_tokens));
    prompt_tokens += prompts.back().size();
  }
  gpta::nn::generation_options o;
  o.max_new_tokens = a.new_tokens;
  o.min_new_tokens = a.new_tokens;  // no stop tokens: every mode writes the same number of tokens

  // Anchor: no cache. Each new token runs the whole prompt + continuation again; one document,
  // a few tokens (the cost per token grows with the sequence, so this flatters the anchor slightly).
  {
    ids_t seq = prompts[0];
    const double t0 = now();
    for (std::size_t k = 0; k < a.no_cache_tokens; ++k) {
      const std::vector<gpta::nn::qwen2_query> last{{0, seq.size() - 1}};
      Eigen::Index arg = 0;
      model.logits({seq}, last).row(0).maxCoeff(&arg);
      seq.push_back(static_cast<std::int32_t>(arg));
    }
    line("no_cache", a, 1, prompts[0].size(), a.no_cache_tokens, now() - t0);
  }

  // Prefill alone (the prompt through the cache, one document at a time).
  {
    const double t0 = now();
    for (const auto& p : prompts) {
      gpta::nn::qwen2_kv_cache<float> cache;
      (void)model.extend(cache, p);
    }
    const double s = now() - t0;
    line("prefill_only", a, a.docs, prompt_tokens, 0, s,
         ",\"prompt_tokens_per_s\":" + std::to_string(static_cast<double>(prompt_tokens) / s));
  }

  std::vector<ids_t> one;
  {
    const double t0 = now();
    for (const auto& p : prompts) one.push_back(gpta::nn::generate(model, p, o));
    line("cache_one_by_one", a, a.docs, prompt_tokens, a.docs * a.new_tokens, now() - t0);
  }
  std::vector<ids_t> batched;
  {
    const double t0 = now();
    batched = gpta::nn::generate_batch(model, prompts, o, nullptr, a.prefill_batch);
    line("cache_batched", a, a.docs, prompt_tokens, a.docs * a.new_tokens, now() - t0,
         ",\"prefill_batch\":" + std::to_string(a.prefill_batch) +
             ",\"same_outputs\":" + (batched == one ? "true" : "false"));
  }
  return batched == one ? 0 : 2;
} catch (const std::exception& e) {
  std::cerr << "gpta_bench_decode: " << e.what() << "\n";
  return 1;
}
