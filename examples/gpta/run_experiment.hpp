// One (task, student, strategy, seed) experiment of the gpta tool, whatever the task's kind.
// Sentiment runs are instantiated here; summarisation and reading comprehension each in their own
// translation unit (experiment_summarization.cpp, experiment_reading.cpp).
#pragma once

#include "experiment.hpp"
#include "tasks.hpp"

namespace gpta::cli {

experiment_result run_summarization(const experiment_config& c, experiment_cache& cache);
experiment_result run_reading(const experiment_config& c);

inline experiment_result run_experiment(const experiment_config& c, experiment_cache& cache) {
  switch (kind_of(c.task)) {
    case task_kind::summarization: return run_summarization(c, cache);
    case task_kind::reading: return run_reading(c);
    default: return run_sentiment(c, cache);
  }
}

inline experiment_result run_experiment(const experiment_config& c) {
  experiment_cache cache;
  return run_experiment(c, cache);
}

}  // namespace gpta::cli
