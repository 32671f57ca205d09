// `gpta train|compare --task squad|race`: SQuAD v1.1 (span extraction, EM/F1) and RACE (multiple
// choice, accuracy by level) with the MiniLM students or the causal LM (answer written, option
// letter scored), through the same trainer and strategies.
// Its own translation unit, so the trainer's instantiations for it compile in parallel.

#include <filesystem>
#include <string>
#include <vector>

#include <gpta/data/race.hpp>
#include <gpta/data/reading_splits.hpp>
#include <gpta/data/squad.hpp>
#include <gpta/eval/choice_metric.hpp>
#include <gpta/eval/squad_metric.hpp>
#include <gpta/student/bert_choice_student.hpp>
#include <gpta/student/bert_span_student.hpp>
#include <gpta/student/lm_choice_reader.hpp>
#include <gpta/student/lm_span_reader.hpp>

#include "run_experiment.hpp"

namespace gpta::cli {

task_info reading_task_info(const experiment_config& c, std::vector<std::string> labels = {}) {
  task_info t;
  t.name = c.task;
  t.domain = "reading comprehension";
  t.label_names = std::move(labels);
  t.prefix_token_budget = c.trainer.prefix_token_budget;
  if (c.task == "squad") {
    t.task_type = "extractive question answering";
    t.description =
        "Questions written by crowd workers about paragraphs of English Wikipedia articles (SQuAD v1.1). Each "
        "paragraph is a few sentences long; each question is answered by a short span copied from its paragraph, "
        "usually a name, date, number or noun phrase of a few words.";
    t.output_format = "a span copied word for word from the paragraph";
  } else {
    t.task_type = "multiple-choice reading comprehension";
    t.description =
        "English reading exams for Chinese middle and high school students (RACE). Each passage (a story, a "
        "letter, a news or science text of a few hundred words) comes with several questions; some are "
        "fill-in-the-blank sentences marked with _, others ordinary questions. Each has four options, exactly "
        "one of them correct.";
    t.output_format = "the letter A, B, C or D of the correct option";
  }
  return t;
}

template <class Options>
Options reading_fine_tuning(const experiment_config& c, Options o) {
  o.learning_rate = c.bert.learning_rate;
  o.seed = c.seed;
  o.max_length = c.bert.max_length;
  o.prefix_budget = c.trainer.prefix_token_budget;
  return o;
}

lm_span_reader make_span_reader(const experiment_config& c, experiment_cache& cache) {
  lm_span_reader_options o;
  o.prompt = c.lm.prompt;
  o.tuning = c.lm.tuning;
  o.tuning.seed = c.seed;
  o.answer_tokens = c.summ.summary_tokens;
  o.beams = c.summ.beams;
  o.prefill_batch = c.summ.prefill_batch;
  return lm_span_reader(lm_base(c, cache), std::move(o));
}

lm_choice_reader make_choice_reader(const experiment_config& c, experiment_cache& cache) {
  lm_choice_reader_options o;
  o.prompt = c.lm.prompt;
  o.tuning = c.lm.tuning;
  o.tuning.seed = c.seed;
  o.eval_batch_size = c.lm.eval_batch_size;
  return lm_choice_reader(lm_base(c, cache), std::move(o));
}

void check_reading_student(const experiment_config& c) {
  if (c.student != "minilm" && c.student != "qwen0.5b")
    throw usage_error("flag --student: task '" + c.task + "' has two students: minilm, qwen0.5b");
  if (c.backend != "host") throw usage_error("flag --backend: task '" + c.task + "' runs on the host backend only");
}

experiment_result run_reading(const experiment_config& c, experiment_cache& cache) {
  check_reading_student(c);
  const data::reading_split_sizes sizes{c.train_questions, c.dev_questions, c.test_questions};
  if (c.task == "squad") {
    const span_dataset all = data::load_squad(c.data_dir / "squad_v1.1" / "dev-v1.1.shared.json");
    const auto s = data::squad_split(all, sizes, c.split_seed, c.seed);
    const basic_experiment_data<span_example> d{subset(all, s.train), subset(all, s.dev), subset(all, s.test),
                                                reading_task_info(c)};
    if (c.student == "qwen0.5b") return run_strategy<squad_metric>(make_span_reader(c, cache), c, d);
    auto o = reading_fine_tuning(c, bert_span_student_options{});
    return run_strategy<squad_metric>(bert_span_student::from_pretrained(c.minilm_dir, o), c, d);
  }
  const choice_dataset all = data::load_race(c.data_dir / "race" / "RACE" / "train");
  const auto s = data::race_split(all, sizes, c.split_seed, c.seed);
  const basic_experiment_data<choice_example> d{subset(all, s.train), subset(all, s.dev), subset(all, s.test),
                                                reading_task_info(c, all.label_names)};
  if (c.student == "qwen0.5b") return run_strategy<choice_metric>(make_choice_reader(c, cache), c, d);
  auto o = reading_fine_tuning(c, bert_choice_student_options{});
  return run_strategy<choice_metric>(bert_choice_student::from_pretrained(c.minilm_dir, o), c, d);
}

std::vector<file_eval> eval_reading(const experiment_config& c, experiment_cache& cache,
                                    const std::filesystem::path& weights, const std::string& prefix) {
  check_reading_student(c);
  if (c.task == "squad") {
    if (c.student == "qwen0.5b") {
      auto s = make_span_reader(c, cache);
      s.load_weights(weights);
      return score_saved_student<squad_metric>(std::move(s), c, prefix, 0);
    }
    auto s = bert_span_student::from_pretrained(c.minilm_dir, reading_fine_tuning(c, bert_span_student_options{}));
    s.load_weights(weights);
    return score_saved_student<squad_metric>(std::move(s), c, prefix, 0);
  }
  if (c.student == "qwen0.5b") {
    auto s = make_choice_reader(c, cache);
    s.load_weights(weights);
    return score_saved_student<choice_metric>(std::move(s), c, prefix, 0);
  }
  auto s = bert_choice_student::from_pretrained(c.minilm_dir, reading_fine_tuning(c, bert_choice_student_options{}));
  s.load_weights(weights);
  return score_saved_student<choice_metric>(std::move(s), c, prefix, 0);
}

}  // namespace gpta::cli
