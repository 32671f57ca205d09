// `gpta train|compare --task cnndm|xsum`: the causal-LM summariser under every strategy. Its own
// translation unit, so the trainer's instantiations for it compile in parallel with the others.
#include "run_experiment.hpp"

namespace gpta::cli {

experiment_result run_summarization(const experiment_config& c, experiment_cache& cache) {
  if (c.student != "qwen0.5b")
    throw usage_error("flag --student: task '" + c.task + "' needs a student that writes text: qwen0.5b");
  const auto d = load_seq2seq_data(c);
  lm_summarizer_options so = c.summ;
  so.prompt = c.lm.prompt;
  so.tuning = c.lm.tuning;
  so.tuning.seed = c.seed;
  rouge_metric metric;
  metric.lead_sentences = data::seq2seq_task_lead_sentences(c.task);  // what "copies the lead" means
  return run_strategy<rouge_metric>(lm_summarizer(lm_base(c, cache), std::move(so)), c, d, metric);
}

}  // namespace gpta::cli
