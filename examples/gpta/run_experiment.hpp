// One (task, student, strategy, seed) experiment of the gpta tool, whatever the task's kind.
// Each kind of task is instantiated in its own translation unit (experiment_sentiment.cpp,
// experiment_summarization.cpp, experiment_reading.cpp), so they compile in parallel.
#pragma once

#include "experiment.hpp"
#include "tasks.hpp"

namespace gpta::cli {

experiment_result run_sentiment(const experiment_config& c, experiment_cache& cache);
experiment_result run_summarization(const experiment_config& c, experiment_cache& cache);
experiment_result run_reading(const experiment_config& c, experiment_cache& cache);
std::vector<file_eval> eval_sentiment(const experiment_config& c, experiment_cache& cache,
                                      const std::filesystem::path& weights, const std::string& prefix);
std::vector<file_eval> eval_summarization(const experiment_config& c, experiment_cache& cache,
                                          const std::filesystem::path& weights, const std::string& prefix);
std::vector<file_eval> eval_reading(const experiment_config& c, experiment_cache& cache,
                                    const std::filesystem::path& weights, const std::string& prefix);

inline experiment_result run_experiment(const experiment_config& c, experiment_cache& cache) {
  switch (kind_of(c.task)) {
    case task_kind::summarization: return run_summarization(c, cache);
    case task_kind::reading: return run_reading(c, cache);
    default: return run_sentiment(c, cache);
  }
}

/// A recorded run's best weights (`weights`) with `prefix`, scored on each of c.eval_files.
inline std::vector<file_eval> eval_experiment(const experiment_config& c, experiment_cache& cache,
                                              const std::filesystem::path& weights, const std::string& prefix) {
  switch (kind_of(c.task)) {
    case task_kind::summarization: return eval_summarization(c, cache, weights, prefix);
    case task_kind::reading: return eval_reading(c, cache, weights, prefix);
    default: return eval_sentiment(c, cache, weights, prefix);
  }
}

inline experiment_result run_experiment(const experiment_config& c) {
  experiment_cache cache;
  return run_experiment(c, cache);
}

}  // namespace gpta::cli
