// `gpta train|compare --task cnndm|xsum`: the causal-LM summariser under every strategy. Its own
// translation unit, so the trainer's instantiations for it compile in parallel with the others.
#include "run_experiment.hpp"

namespace gpta::cli {

namespace {
lm_summarizer make_summarizer(const experiment_config& c, experiment_cache& cache) {
  if (c.student != "qwen0.5b")
    throw usage_error("flag --student: task '" + c.task + "' needs a student that writes text: qwen0.5b");
  lm_summarizer_options so = c.summ;
  so.prompt = c.lm.prompt;
  so.tuning = c.lm.tuning;
  so.tuning.seed = c.seed;
  return lm_summarizer(lm_base(c, cache), std::move(so));
}

rouge_metric task_rouge(const experiment_config& c) {
  rouge_metric metric;
  metric.lead_sentences = data::seq2seq_task_lead_sentences(c.task);  // what "copies the lead" means
  return metric;
}
}  // namespace

experiment_result run_summarization(const experiment_config& c, experiment_cache& cache) {
  auto student = make_summarizer(c, cache);
  return run_strategy<rouge_metric>(std::move(student), c, load_seq2seq_data(c), task_rouge(c));
}

std::vector<file_eval> eval_summarization(const experiment_config& c, experiment_cache& cache,
                                          const std::filesystem::path& weights, const std::string& prefix) {
  auto s = make_summarizer(c, cache);
  s.load_weights(weights);
  return score_saved_student<rouge_metric>(std::move(s), c, prefix, 0, task_rouge(c));
}

}  // namespace gpta::cli
