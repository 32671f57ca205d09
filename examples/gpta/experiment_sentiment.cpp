// `gpta train|compare --task sst2|tweeteval|yelp|sentiment140`: the sentiment students (bow, MiniLM
// on either backend, the causal LM) under every strategy, and `gpta eval` of their saved runs. Its
// own translation unit, so the trainer's instantiations for it compile in parallel with the others.
#include <filesystem>
#include <string>
#include <vector>

#include "run_experiment.hpp"
// The student on the Thrust backend, where this (host) compiler can build the configured system.
#if defined(GPTA_THRUST_DEVICE_OMP) || defined(GPTA_THRUST_DEVICE_CPP)
#define GPTA_CLI_THRUST_STUDENT 1
#include <gpta/backend/thrust_bert_student.hpp>
#endif

namespace gpta::cli {

namespace {
/// MiniLM classifier options of a run: the flags' with its seed and its number of classes.
bert_student_options minilm_options(const experiment_config& c, std::size_t num_labels) {
  bert_student_options bo = c.bert;
  bo.seed = c.seed;
  bo.num_labels = num_labels;
  return bo;
}

/// The causal-LM classifier of a run: the flags' options, its seed, the task's label words.
lm_classifier make_lm_classifier(const experiment_config& c, experiment_cache& cache,
                                 const std::vector<std::string>& label_names) {
  lm_classifier_options lo = c.lm;
  lo.tuning.seed = c.seed;
  if (lo.labels.empty()) lo.labels = label_names;
  if (lo.labels.size() != label_names.size())
    throw usage_error("flag --label-words: " + std::to_string(lo.labels.size()) + " words for " +
                      std::to_string(label_names.size()) + " classes");
  return lm_classifier(lm_base(c, cache), std::move(lo));
}

}  // namespace

/// Runs one sentiment experiment end to end (run_experiment.hpp dispatches on the task).
experiment_result run_sentiment(const experiment_config& c, experiment_cache& cache) {
  const experiment_data d = load_experiment_data(c);
  if (c.student == "bow") {
    student::bow_options bo = c.bow;
    bo.seed = c.seed;
    auto vocab = student::bow_classifier::fit_vocabulary(d.train.examples, c.min_count);
    return run_strategy(student::bow_classifier(std::move(vocab), d.train.num_classes(), bo), c, d);
  }
  if (c.student == "minilm") {
    const bert_student_options bo = minilm_options(c, d.train.num_classes());
    if (c.backend == "thrust") {
#if defined(GPTA_CLI_THRUST_STUDENT)
      return run_strategy(backend::thrust_bert_student<>::from_pretrained(c.minilm_dir, bo), c, d);
#else
      throw usage_error("flag --backend: this gpta was built without a host Thrust system (configure with "
                        "GPTA_ENABLE_THRUST=ON and GPTA_THRUST_DEVICE=OMP or CPP)");
#endif
    }
    return run_strategy(bert_student::from_pretrained(c.minilm_dir, bo), c, d);
  }
  if (c.student == "qwen0.5b") return run_strategy(make_lm_classifier(c, cache, d.train.label_names), c, d);
  throw usage_error("flag --student: '" + c.student + "' is not one of " + joined(student_names(), "|"));
}

/// A sentiment run's best weights (`weights`, from best/student.ckpt) on c.eval_files.
std::vector<file_eval> eval_sentiment(const experiment_config& c, experiment_cache& cache,
                                             const std::filesystem::path& weights, const std::string& prefix) {
  const task_info info = data::default_task_info(c.task);
  const std::size_t k = info.label_names.size();
  if (c.student == "bow") return score_saved_student(student::bow_classifier::load(weights), c, prefix, k);
  if (c.student == "minilm") {  // either backend's weights: the Thrust student writes bert_student's layout
    auto s = bert_student::from_pretrained(c.minilm_dir, minilm_options(c, k));
    s.load_weights(weights);
    return score_saved_student(std::move(s), c, prefix, k);
  }
  if (c.student == "qwen0.5b") {
    auto s = make_lm_classifier(c, cache, info.label_names);
    s.load_weights(weights);
    return score_saved_student(std::move(s), c, prefix, k);
  }
  throw usage_error("student '" + c.student + "' is not one of " + joined(student_names(), "|"));
}

}  // namespace gpta::cli
