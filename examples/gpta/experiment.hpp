// One experiment of the gpta tool: load a task, carve low-resource splits, build the chosen
// student and strategy, run the trainer, and print tables. Shared by `train` and `compare`.
#pragma once

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/json.hpp>

#include <gpta/data/choice_example.hpp>
#include <gpta/data/registry.hpp>
#include <gpta/data/sampling.hpp>
#include <gpta/data/seq2seq_splits.hpp>
#include <gpta/data/span_example.hpp>
#include <gpta/eval/lead_baseline.hpp>
#include <gpta/eval/rouge_metric.hpp>
#include <gpta/gpta.hpp>
#include <gpta/student/bert_student.hpp>
#include <gpta/student/bow_classifier.hpp>
#include <gpta/student/lm_classifier.hpp>
#include <gpta/student/lm_summarizer.hpp>
#include <gpta/train/prefix_repository.hpp>

#if defined(GPTA_CLI_HAS_MPI)
#include <gpta/mpi/communicator.hpp>
#include <gpta/mpi/data_parallel.hpp>
#include <gpta/mpi/rank0_transport.hpp>
#endif

#include "cli.hpp"
#include "eval_files.hpp"
#include "experiment_config.hpp"
#include "students.hpp"
#include "tasks.hpp"
#include "ta.hpp"

namespace gpta::cli {

/// What several runs of one command share: a causal-LM base is loaded (and hashed) once.
struct experiment_cache {
  std::shared_ptr<student::lm_base_model<float>> lm_base;
};

/// A task's splits, for any example type (sentiment: text_example; summarisation: seq2seq_example).
template <class Example>
struct basic_experiment_data {
  dataset<Example> train, dev, test;
  task_info task;
};
using experiment_data = basic_experiment_data<text_example>;

/// The texts the exposure audit watches for in TA requests: every training input (and reference).
inline std::vector<std::string> exposure_texts(const dataset<text_example>& d) {
  std::vector<std::string> out;
  for (const auto& e : d.examples) out.push_back(e.text);
  return out;
}
/// Contexts and questions (and options): what the exposure audit refuses to see quoted.
inline std::vector<std::string> exposure_texts(const dataset<span_example>& d) {
  std::vector<std::string> out;
  for (const auto& e : d.examples) out.insert(out.end(), {e.context, e.question});
  return out;
}
/// Options count only when they are at least the audit's span long: a short option is matched
/// whole, and RACE's stock options ("All of the above.", "None of the above.") are everyday
/// phrases - the dialogue's own feedback turn says "different from all of the above", so with
/// them every feedback turn of a split holding that option was refused. A long option is still
/// caught by any verbatim run of the span.
inline std::vector<std::string> exposure_texts(const dataset<choice_example>& d) {
  std::vector<std::string> out;
  const std::size_t span = audit_options{}.span_words;
  for (const auto& e : d.examples) {
    out.insert(out.end(), {e.article, e.question});
    for (const auto& o : e.options)
      if (exposure_index::words(o).size() >= span) out.push_back(o);
  }
  return out;
}
inline std::vector<std::string> exposure_texts(const dataset<seq2seq_example>& d) {
  std::vector<std::string> out;
  for (const auto& e : d.examples) {
    out.push_back(e.source);
    out.insert(out.end(), e.references.begin(), e.references.end());
  }
  return out;
}

inline experiment_data load_experiment_data(const experiment_config& c) {
  text_dataset all = data::load_task(c.task, c.data_dir);
  if (all.skipped > 0)
    for (const auto& n : all.notes) std::cerr << "gpta: " << c.task << ": " << n << "\n";
  const auto split = data::low_resource_split(all, c.k_per_class, c.dev_per_class, c.test_size, c.split_seed, c.seed);
  experiment_data d{subset(all, split.train), subset(all, split.dev), subset(all, split.test),
                    data::default_task_info(c.task)};
  d.task.prefix_token_budget = c.trainer.prefix_token_budget;
  return d;
}

/// One run's result plus what reached the teaching assistant.
struct experiment_result {
  run_result run;
  std::optional<audit_summary> exposure;  ///< none for strategies that never consult the TA
  std::vector<file_eval> file_evals;      ///< the best (prefix, weights) on each --eval-file
  std::optional<eval_result> train_eval;  ///< the best (prefix, weights) on the training split (score_train)
};

/// Scores the trainer's current (best) weights with `prefix` on each --eval-file, recording each
/// in the run folder. Sentiment files must have the task's classes.
template <class Trainer>
std::vector<file_eval> score_eval_files(const Trainer& t, const experiment_config& c, const std::string& prefix,
                                        std::size_t num_classes) {
  std::vector<file_eval> out;
  for (const auto& f : c.eval_files) {
    using example = typename Trainer::example_type;
    const dataset<example> d = load_eval_file<example>(c.task, f, c.eval_format);
    if constexpr (std::is_same_v<example, text_example>) {
      if (d.num_classes() != num_classes)
        throw data_error(errc::bad_label, f, 0,
                         "has " + std::to_string(d.num_classes()) + " classes, the run's task " + c.task + " " +
                             std::to_string(num_classes));
    }
    file_eval e{f, c.eval_format.empty() ? c.task : c.eval_format, prefix, t.evaluate(d, prefix)};
    if (!c.out.empty()) record_file_eval(c.out, e);
    out.push_back(std::move(e));
  }
  return out;
}

template <class Metric, class Student, class Strategy, class Transport = null_transport>
experiment_result run_with(Student student, Strategy strategy, const experiment_config& c,
                    const basic_experiment_data<typename Student::example_type>& d, Metric metric,
                    Transport transport = {}) {
  trainer_options o = c.trainer;
  o.seed = c.seed;
  o.keep_incumbent_on_ta_error = true;  // a TA outage costs a round's candidates, not the run
  if (!c.init_prefix_from.empty()) {
    const auto repo = prefix_repository::load(c.init_prefix_from);
    if (auto e = repo.best(d.task.domain)) {
      std::cerr << "gpta: starting from \"" << e->prefix << "\" (" << e->dataset << ", " << e->metric << " "
                << e->score << ")\n";
      o.initial_prefixes.push_back(e->prefix);
    } else {
      std::cerr << "gpta: " << c.init_prefix_from.string() << " holds no prefix of domain '" << d.task.domain << "'\n";
    }
  }
  basic_trainer<Student, Strategy, Transport, Metric> t(std::move(student), std::move(strategy), std::move(transport), o,
                                                        std::move(metric));
  if (c.resume) {
    // Whether a run can continue is the student type's (checkpointable_student), not its name's:
    // qwen0.5b resumes as a classifier, not (yet) as a summariser or reader.
    if constexpr (checkpointable_student<Student>) {
      if (!t.resume(c.out, c.to_json()))
        std::cerr << "gpta: nothing to resume in " << c.out.string() << ", starting afresh\n";
    } else if (c.restart_unless_checkpointable) {
      std::cerr << "gpta: the " << c.student << " student of task '" << c.task
                << "' cannot continue a run, so " << c.out.string() << " starts afresh\n";
      if (!c.out.empty()) t.record_to(c.out, c.to_json());
    } else {
      throw usage_error("flag --resume: the " + c.student + " student of task '" + c.task +
                        "' cannot be checkpointed yet; run it again without --resume");
    }
  } else if (!c.out.empty()) {
    t.record_to(c.out, c.to_json());
  }
  run_result r = [&] {
#if defined(GPTA_CLI_HAS_MPI)
    // Data-parallel: after every round, all ranks must hold the same weights.
    if constexpr (requires(const Student& s) { s.check_in_sync(std::string()); })
      return t.fit(d.train, d.dev, d.test, d.task, mpi::in_sync_check<Student>{&t.student()});
#endif
    return t.fit(d.train, d.dev, d.test, d.task);
  }();
  if (!c.save_prefix_to.empty() && r.best_round >= 0) {
    auto repo = prefix_repository::load(c.save_prefix_to);
    repo.add({r.best_prefix, d.task.name, d.task.domain, r.best_dev.metric, r.best_dev.score, r.best_round,
              r.strategy, "", ""});
    repo.save(c.save_prefix_to);
  }
  experiment_result out;
  out.file_evals = score_eval_files(t, c, r.best_prefix, d.train.num_classes());
  if (c.score_train) out.train_eval = t.evaluate(d.train, r.best_prefix);
  out.run = std::move(r);
  return out;
}

/// Adds the exposure summary to the finished run's run.json (atomically).
inline void record_exposure(const experiment_config& c, const audit_summary& s) {
  if (c.out.empty()) return;
  const auto file = c.out / "run.json";
  boost::json::object doc = detail::parse_object_file(file);
  doc["exposure"] = {{"requests", s.requests},
                     {"refused", s.refused},
                     {"failed", s.failed},
                     {"examples_exposed", s.examples_exposed},
                     {"log", (c.out / "exposure.jsonl").string()}};
  gpta::detail::write_file_atomic(file, to_json_text(doc));
}

/// The strategy `S` as configured by `c`: how the tool builds each registered strategy.
template <class S>
S make_strategy(const experiment_config& c) {
  if constexpr (std::is_same_v<S, no_prefix>) {
    return no_prefix{};
  } else if constexpr (std::is_same_v<S, fixed_prefix>) {
    return fixed_prefix{c.prefix};
  } else if constexpr (std::is_same_v<S, random_prefix>) {
    random_prefix_options o;
    o.reference = c.prefix;  // same length as the fixed prefix: controls for "any prefix helps"
    o.seed = c.seed;
    return random_prefix{o};
  } else if constexpr (std::is_same_v<S, description_prefix>) {
    description_prefix_options o;
    o.ta = make_ta_settings(c.ta, c.seed);
    return description_prefix{o};
  } else if constexpr (std::is_same_v<S, dialogue_gradient>) {
    dialogue_gradient_options o;
    o.ta = make_ta_settings(c.ta, c.seed);
    o.conversation_token_budget = c.ta.context_tokens;
    return dialogue_gradient{o};
  } else if constexpr (std::is_same_v<S, score_trajectory>) {
    score_trajectory_options o;
    o.ta = make_ta_settings(c.ta, c.seed);
    return score_trajectory{o};
  } else {
    static_assert(sizeof(S) == 0, "gpta cli: a registered strategy has no make_strategy branch");
  }
}

#if defined(GPTA_CLI_HAS_MPI)
/// Under `mpirun -np N` (N > 1): the student trains data-parallel (each rank a shard of every
/// batch, gradients summed by MPI_Allreduce), rank 0 alone talks to the TA and broadcasts its
/// answers, and rank 0 alone writes records and prints.
template <class Metric, class Student>
experiment_result run_distributed(Student student, const experiment_config& c0,
                                  const basic_experiment_data<typename Student::example_type>& d, Metric metric) {
  if constexpr (!data_parallel_student<Student>) {
    throw usage_error("mpirun: student '" + c0.student + "' on task '" + c0.task +
                      "' cannot train data-parallel yet (on sentiment tasks bow, minilm and qwen0.5b can)");
  } else {
    if (c0.resume) throw usage_error("flag --resume: not under mpirun yet (a data-parallel run has no checkpoints)");
    const mpi::communicator world;
    experiment_config c = c0;
    if (world.rank() != 0) {
      c.out.clear();
      c.save_prefix_to.clear();
      c.trainer.progress = false;
    }
    if (world.rank() == 0)
      std::cerr << "gpta: data-parallel over " << world.size() << " processes, global batch " << c.trainer.batch_size
                << "\n";
    return builtin_strategies::visit(c.strategy, [&]<class S>(std::type_identity<S>) -> experiment_result {
      mpi::data_parallel<Student> dp(std::move(student));
      if constexpr (!S::consults_ta) {
        return run_with<Metric>(std::move(dp), make_strategy<S>(c), c, d, metric);
      } else {
        ta_stack ta(c.ta, exposure_texts(d.train), c.out);
        experiment_result out = run_with<Metric>(std::move(dp), make_strategy<S>(c), c, d, metric,
                                                 mpi::rank0_transport<any_transport>(ta.transport()));
        if (world.rank() == 0) {
          out.exposure = ta.summary();
          record_exposure(c, *out.exposure);
        }
        return out;
      }
    });
  }
}
#endif

/// Runs `c.strategy` (a name from the registry): offline strategies with no transport, the others
/// through the audited TA stack, whose exposure summary is added to the record.
template <class Metric = classification_metric, class Student>
experiment_result run_strategy(Student student, const experiment_config& c,
                               const basic_experiment_data<typename Student::example_type>& d, Metric metric = {}) {
#if defined(GPTA_CLI_HAS_MPI)
  if (mpi::world_size() > 1) return run_distributed<Metric>(std::move(student), c, d, metric);
#endif
  return builtin_strategies::visit(c.strategy, [&]<class S>(std::type_identity<S>) -> experiment_result {
    if constexpr (!S::consults_ta) {
      return run_with<Metric>(std::move(student), make_strategy<S>(c), c, d, metric);
    } else {
      ta_stack ta(c.ta, exposure_texts(d.train), c.out);
      experiment_result out = run_with<Metric>(std::move(student), make_strategy<S>(c), c, d, metric, ta.transport());
      out.exposure = ta.summary();
      record_exposure(c, *out.exposure);
      return out;
    }
  });
}

/// The causal-LM base of `c`, loaded once per cache.
inline std::shared_ptr<student::lm_base_model<float>> lm_base(const experiment_config& c, experiment_cache& cache) {
  if (!cache.lm_base || cache.lm_base->path != std::filesystem::absolute(c.qwen_gguf)) {
    std::cerr << "gpta: loading " << c.qwen_gguf.string() << "\n";
    cache.lm_base = student::load_lm_base<float>(c.qwen_gguf);
  }
  return cache.lm_base;
}

/// Summarisation splits: dev and test documents carved first (shared by every seed), then train.
inline basic_experiment_data<seq2seq_example> load_seq2seq_data(const experiment_config& c) {
  const seq2seq_dataset all = data::load_seq2seq_task(c.task, c.data_dir);
  const auto split = data::seq2seq_low_resource_split(all.size(), c.train_docs, c.dev_docs, c.test_docs, c.split_seed, c.seed);
  basic_experiment_data<seq2seq_example> d{subset(all, split.train), subset(all, split.dev), subset(all, split.test),
                                           data::default_seq2seq_task_info(c.task)};
  d.task.prefix_token_budget = c.trainer.prefix_token_budget;
  return d;
}

/// The extractive baseline every summarisation table prints: lead-3 (cnndm) or lead-1 (xsum) on
/// the test documents, scored like the students.
inline std::pair<std::string, eval_result> lead_baseline(const experiment_config& c) {
  const auto d = load_seq2seq_data(c);
  rouge_metric metric;
  metric.lead_sentences = data::seq2seq_task_lead_sentences(c.task);
  std::vector<std::string> pred;
  for (const auto& e : d.test.examples) pred.push_back(lead_summary(e.source, metric.lead_sentences));
  return {"lead-" + std::to_string(metric.lead_sentences),
          metric(std::span<const std::string>(pred), std::span<const seq2seq_example>(d.test.examples))};
}

/// `student`, holding a run's best weights, scored with `prefix` on each of c.eval_files.
template <class Metric = classification_metric, class Student>
std::vector<file_eval> score_saved_student(Student student, const experiment_config& c, const std::string& prefix,
                                           std::size_t num_classes, Metric metric = {}) {
  trainer_options o;
  o.progress = false;
  const basic_trainer<Student, no_prefix, null_transport, Metric> t(std::move(student), no_prefix{}, {}, o,
                                                                    std::move(metric));
  return score_eval_files(t, c, prefix, num_classes);
}

inline std::string fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

inline std::string shorten(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

/// ROUGE-1, ROUGE-2 and ROUGE-L F1 of a summarisation evaluation (`rouge_metric` reports them as
/// per-variant rows); nullopt for any other metric's evaluation.
inline std::optional<std::array<double, 3>> rouge_f1s(const eval_result& e) {
  if (e.metric.rfind("rouge", 0) != 0) return std::nullopt;
  std::array<double, 3> f{};
  std::size_t found = 0;
  for (std::size_t i = 0; const char* m : {"rouge1", "rouge2", "rougeL"}) {
    for (const auto& row : e.per_class)
      if (row.label == m) f[i] = row.f1, ++found;
    ++i;
  }
  if (found != 3) return std::nullopt;
  return f;
}

/// Round-by-round table of one run, then its test score (ROUGE-1/2/L F1 for summaries).
inline void print_run_table(std::ostream& os, const run_result& r) {
  const bool summaries = !r.rounds.empty() && rouge_f1s(r.rounds.front().dev).has_value();
  os << (summaries ? "round  train_loss  dev_R1   dev_R2   dev_RL   prefix\n" : "round  train_loss  dev_acc  dev_f1   prefix\n");
  for (const auto& rr : r.rounds) {
    char line[160];
    if (const auto f = summaries ? rouge_f1s(rr.dev) : std::nullopt)
      std::snprintf(line, sizeof line, "%5d  %10.4f  %7.4f  %7.4f  %7.4f  ", rr.round, rr.train_loss, (*f)[0], (*f)[1],
                    (*f)[2]);
    else
      std::snprintf(line, sizeof line, "%5d  %10.4f  %7.4f  %7.4f  ", rr.round, rr.train_loss, rr.dev.accuracy,
                    rr.dev.macro_f1);
    os << line << '"' << shorten(rr.prefix, 60) << "\"\n";
  }
  if (r.ta_accuracy)
    os << "TA accuracy " << fixed(*r.ta_accuracy) << " over the run, " << r.ta_requests << " TA requests, "
       << r.ta_tokens.total_tokens << " tokens\n";
  if (r.ta_stats.answers > 0)
    os << "TA " << (r.ta_model.empty() ? std::string("(model id not reported)") : r.ta_model) << ": "
       << r.ta_stats.answers_usable << " of " << r.ta_stats.answers << " answers usable (" << r.ta_stats.schema_answers
       << " by schema, " << r.ta_stats.fallback_answers << " by tags), " << r.ta_stats.new_candidates
       << " new prefixes, " << r.ta_stats.duplicates << " duplicates, " << r.ta_stats.unusable + r.ta_stats.over_budget
       << " refused, " << r.ta_stats.repaired << " repaired; latency mean " << fixed(r.ta_stats.latency_mean(), 1)
       << " s, p95 " << fixed(r.ta_stats.latency_p95(), 1) << " s\n";
  if (!r.empty_prefix_reason.empty()) os << "note: " << r.empty_prefix_reason << "\n";
  if (!r.test) return;
  if (const auto f = rouge_f1s(*r.test))
    os << "test (best round " << r.best_round << "): ROUGE-1 " << fixed((*f)[0]) << ", ROUGE-2 " << fixed((*f)[1])
       << ", ROUGE-L " << fixed((*f)[2]) << " F1 on " << r.test->count << " documents\n";
  else
    os << "test (best round " << r.best_round << "): accuracy " << fixed(r.test->accuracy) << ", macro-F1 "
       << fixed(r.test->macro_f1) << " on " << r.test->count << " examples\n";
}

struct mean_sd {
  double mean = 0.0, sd = 0.0;
};

/// Sample standard deviation (n - 1); zero for a single value.
inline mean_sd summarize(const std::vector<double>& v) {
  mean_sd m;
  if (v.empty()) return m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  if (v.size() > 1) {
    for (double x : v) m.sd += (x - m.mean) * (x - m.mean);
    m.sd = std::sqrt(m.sd / static_cast<double>(v.size() - 1));
  }
  return m;
}

/// Mean ± sd over seeds of each strategy's score on one file, one line per strategy in `order`
/// (strategies without scores are left out).
inline void print_seed_summary(std::ostream& os, const std::map<std::string, std::vector<double>>& by_strategy,
                               const std::vector<std::string>& order, const char* indent = "") {
  for (const auto& s : order) {
    const auto it = by_strategy.find(s);
    if (it == by_strategy.end()) continue;
    const mean_sd m = summarize(it->second);
    char line[160];
    std::snprintf(line, sizeof line, "%s%-11s %5zu  %.4f ± %.4f", indent, s.c_str(), it->second.size(), m.mean, m.sd);
    os << line << "\n";
  }
}

}  // namespace gpta::cli
