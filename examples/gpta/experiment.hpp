// One experiment of the gpta tool: load a task, carve low-resource splits, build the chosen
// student and strategy, run the trainer, and print tables. Shared by `train` and `compare`.
#pragma once

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <gpta/data/choice_example.hpp>
#include <gpta/data/registry.hpp>
#include <gpta/data/span_example.hpp>
#include <gpta/data/sampling.hpp>
#include <gpta/data/seq2seq_splits.hpp>
#include <gpta/eval/lead_baseline.hpp>
#include <gpta/eval/rouge_metric.hpp>
#include <gpta/gpta.hpp>
#include <gpta/student/bert_student.hpp>
#include <gpta/student/bow_classifier.hpp>
#include <gpta/student/lm_classifier.hpp>
#include <gpta/student/lm_summarizer.hpp>
#include <gpta/train/prefix_repository.hpp>
// The student on the Thrust backend, where this (host) compiler can build the configured system.
#if defined(GPTA_THRUST_DEVICE_OMP) || defined(GPTA_THRUST_DEVICE_CPP)
#define GPTA_CLI_THRUST_STUDENT 1
#include <gpta/backend/thrust_bert_student.hpp>
#endif

#include "cli.hpp"
#include "students.hpp"
#include "tasks.hpp"
#include "ta.hpp"

namespace gpta::cli {

struct experiment_config {
  std::string task = "sst2";
  std::string student = "bow";
  std::string backend = "host";  ///< minilm: host (Eigen) or thrust (GPTA_THRUST_DEVICE's system)
  std::string strategy = "none";
  std::string prefix;  ///< for --strategy fixed
  std::filesystem::path data_dir;
  std::size_t k_per_class = 16;
  std::size_t dev_per_class = 32;
  std::size_t test_size = 1000;
  std::uint64_t split_seed = 0;
  std::uint64_t seed = 1;
  std::filesystem::path out;
  trainer_options trainer;
  student::bow_options bow;
  bert_student_options bert;
  std::filesystem::path minilm_dir;  ///< pretrained checkpoint folder ($GPTA_MINILM_DIR)
  lm_classifier_options lm;          ///< qwen0.5b (labels come from the task unless --label-words)
  std::filesystem::path qwen_gguf;   ///< qwen0.5b: the GGUF file ($GPTA_QWEN05B_GGUF)
  lm_summarizer_options summ;        ///< summarisation tasks (prompt and tuning come from `lm`)
  std::size_t train_docs = 16, dev_docs = 16, test_docs = 100;  ///< summarisation splits
  std::size_t train_questions = 64, dev_questions = 256, test_questions = 1024;  ///< reading splits
  std::size_t min_count = 1;
  bool resume = false;                     ///< continue the run in `out` from its last complete round
  std::filesystem::path init_prefix_from;  ///< prefix repository to start from (same domain)
  std::filesystem::path save_prefix_to;    ///< prefix repository to add the best prefix to
  ta_config ta;

  [[nodiscard]] boost::json::object to_json() const {
    return {{"task", task},
            {"student", student},
            {"backend", backend},
            {"strategy", strategy},
            {"prefix", prefix},
            {"data_dir", data_dir.string()},
            {"k_per_class", k_per_class},
            {"dev_per_class", dev_per_class},
            {"test_size", test_size},
            {"split_seed", split_seed},
            {"seed", seed},
            {"rounds", trainer.rounds},
            {"epochs_per_round", trainer.epochs_per_round},
            {"batch_size", trainer.batch_size},
            {"learning_rate", learning_rate()},
            {"max_length", student == "qwen0.5b" ? lm.prompt.max_length : bert.max_length},
            {"dim", bow.dim},
            {"prefix_token_budget", trainer.prefix_token_budget},
            {"init_prefix_from", init_prefix_from.string()},
            {"candidates", trainer.candidates},
            {"overlap", trainer.overlap},
            {"probe_steps", trainer.probe_steps},
            {"probe_dev_size", trainer.probe_dev_size},
            {"ta_model", ta.model},
            {"ta_format", ta.structured ? "schema" : "tags"},
            {"ta_temperature", ta.temperature},
            {"qwen_gguf", qwen_gguf.string()},
            {"lm", gpta::to_json(lm)},
            {"train_questions", train_questions},
            {"dev_questions", dev_questions},
            {"test_questions", test_questions},
            {"train_docs", train_docs},
            {"dev_docs", dev_docs},
            {"test_docs", test_docs},
            {"summary_tokens", summ.summary_tokens},
            {"beams", summ.beams},
            {"no_repeat_ngram", summ.no_repeat_ngram}};
  }

  [[nodiscard]] double learning_rate() const {
    if (student == "bow") return static_cast<double>(bow.learning_rate);
    if (student == "qwen0.5b") return lm.tuning.learning_rate;
    return bert.learning_rate;
  }
};

/// What several runs of one command share: a causal-LM base is loaded (and hashed) once.
struct experiment_cache {
  std::shared_ptr<student::lm_base_model<float>> lm_base;
};

/// Declares the flags shared by `train` and `compare`.
inline void declare_experiment_flags(arg_parser& p) {
  p.option("task", task_help(), "sst2")
      .option("student", student_help(), "bow")
      .option("prefix", "the prefix for --strategy fixed (default: \"" + default_fixed_prefix("sst2") +
                            "\"; for cnndm \"" + default_fixed_prefix("cnndm") + "\", for xsum \"" +
                            default_fixed_prefix("xsum") + "\")")
      .option("data-dir", "datasets folder (default: $GPTA_DATA_DIR or ../shared/datasets)")
      .option("k-per-class", "training examples per class (low-resource setting)", "16")
      .option("dev-per-class", "dev examples per class", "32")
      .option("test-size", "test examples, carved first and shared by every seed", "1000")
      .option("split-seed", "seed of the test carve", "0")
      .option("rounds", "rounds T", "3")
      .option("epochs", "epochs per round E (0: the student is never trained - zero-shot)", "5")
      .option("batch-size", "batch size", "16")
      .option("lr", "learning rate (default: 0.05 for bow, 5e-5 for minilm, 2e-4 for qwen0.5b's adapters)")
      .option("backend", "minilm: where the network runs: host (Eigen) | thrust (the Thrust system GPTA_THRUST_DEVICE selects)", "host")
      .option("max-length", "minilm, qwen0.5b: sequence length, template, prefix and specials included (default 128; "
              "640 for summarisation)")
      .option("train-questions", "squad, race: training questions (split by article / passage)", "64")
      .option("dev-questions", "squad, race: dev questions (carved first, shared by every seed)", "256")
      .option("test-questions", "squad, race: test questions (carved first, shared by every seed)", "1024")
      .option("train-docs", "summarisation: training documents", "16")
      .option("dev-docs", "summarisation: dev documents (carved first, shared by every seed)", "16")
      .option("test-docs", "summarisation: test documents (carved first, shared by every seed)", "100")
      .option("summary-tokens", "summarisation: most summary tokens trained on and written", "96")
      .option("beams", "summarisation: beam width (1 = greedy)", "1")
      .option("no-repeat-ngram", "summarisation: no n-gram of this size twice in a summary (0 = off)", "3")
      .option("qwen-gguf", "qwen0.5b: the GGUF file (default: $GPTA_QWEN05B_GGUF; scripts/install_models.sh path qwen0.5b)")
      .option("template", "qwen0.5b: prompt template: chatml (the model's own, with its default system turn) | plain", "chatml")
      .option("label-words", "qwen0.5b: comma-separated answer word per class (default: the task's label names)")
      .option("lora-rank", "qwen0.5b: LoRA rank", "8")
      .option("lora-alpha", "qwen0.5b: LoRA alpha (the update is scaled by alpha / rank)", "16")
      .option("lora-modules", "qwen0.5b: adapted projections, comma-separated from q,k,v,o,gate,up,down (or all)", "q,v")
      .flag("keep-activations", "qwen0.5b: keep every layer's activations for the backward pass (faster steps, "
                                "about 20x the activation memory) instead of recomputing them")
      .option("minilm-dir", "minilm: checkpoint folder (default: $GPTA_MINILM_DIR)")
      .option("dim", "bow embedding size", "64")
      .option("prefix-budget", "prefix budget in student tokens", "32")
      .option("out", "run folder (run.json per run)", "runs/latest")
      .option("init-prefix-from", "prefix repository (JSON): its best prefix of the task's domain competes in round 0")
      .option("save-prefix-to", "prefix repository (JSON) to add each run's best prefix to")
      .option("probe-steps", "training steps of a candidate's probe", "20")
      .option("probe-dev", "dev examples a probe is scored on", "256")
      .flag("overlap", "ask the TA while the next round trains (candidates probed one round later)")
      .flag("quiet", "no progress output");
  declare_ta_flags(p);
}

inline experiment_config read_experiment_flags(const arg_parser& p) {
  experiment_config c;
  c.task = p.choice("task", task_names());
  c.student = p.choice("student", student_names());
  c.prefix = p.has("prefix") ? p.str("prefix") : default_fixed_prefix(c.task);
  c.data_dir = p.has("data-dir") ? std::filesystem::path(p.str("data-dir")) : data::default_data_dir();
  c.k_per_class = p.integer<std::size_t>("k-per-class", 1, 100000);
  c.dev_per_class = p.integer<std::size_t>("dev-per-class", 1, 100000);
  c.test_size = p.integer<std::size_t>("test-size", 1, 10000000);
  c.split_seed = p.integer<std::uint64_t>("split-seed");
  c.trainer.rounds = p.integer<int>("rounds", 1, 1000);
  c.trainer.epochs_per_round = p.integer<int>("epochs", 0, 100000);
  c.trainer.batch_size = p.integer<std::size_t>("batch-size", 1, 1 << 20);
  if (p.has("lr")) {
    c.bow.learning_rate = static_cast<float>(p.real("lr", 1e-8, 10.0));
    c.bert.learning_rate = p.real("lr", 1e-8, 10.0);
    c.lm.tuning.learning_rate = p.real("lr", 1e-8, 10.0);
  }
  c.backend = p.choice("backend", {"host", "thrust"});
  if (c.backend == "thrust" && c.student != "minilm")
    throw usage_error("flag --backend: 'thrust' needs --student minilm (bow runs on the host)");
  c.bert.max_length = p.has("max-length") ? p.integer<std::size_t>("max-length", 8, 32768)
                                           : default_max_length(c.task);
  if (c.student == "minilm" && c.bert.max_length > 512)
    throw usage_error("flag --max-length: minilm reads at most 512 tokens");
  c.train_questions = p.integer<std::size_t>("train-questions", 1, 10000000);
  c.dev_questions = p.integer<std::size_t>("dev-questions", 1, 10000000);
  c.test_questions = p.integer<std::size_t>("test-questions", 1, 10000000);
  c.train_docs = p.integer<std::size_t>("train-docs", 1, 1000000);
  c.dev_docs = p.integer<std::size_t>("dev-docs", 1, 1000000);
  c.test_docs = p.integer<std::size_t>("test-docs", 1, 1000000);
  c.summ.summary_tokens = p.integer<std::size_t>("summary-tokens", 1, 4096);
  c.summ.beams = p.integer<std::size_t>("beams", 1, 64);
  c.summ.no_repeat_ngram = p.integer<std::size_t>("no-repeat-ngram", 0, 64);
  c.minilm_dir = p.get("minilm-dir").value_or(env_or("GPTA_MINILM_DIR", ""));
  if (c.student == "minilm" && c.minilm_dir.empty())
    throw usage_error("--student minilm needs --minilm-dir or GPTA_MINILM_DIR (scripts/install_models.sh prints it)");
  c.qwen_gguf = p.get("qwen-gguf").value_or(env_or("GPTA_QWEN05B_GGUF", ""));
  if (c.student == "qwen0.5b" && c.qwen_gguf.empty())
    throw usage_error("--student qwen0.5b needs --qwen-gguf or GPTA_QWEN05B_GGUF (scripts/install_models.sh path qwen0.5b "
                      "prints it)");
  try {
    c.lm.prompt.format = student::parse_lm_template(p.str("template"));
    c.lm.tuning.lora.modules = nn::parse_lora_modules(p.str("lora-modules"));
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("flag --template/--lora-modules: ") + e.what());
  }
  if (p.has("label-words")) c.lm.labels = p.list("label-words");
  c.lm.prompt.max_length = c.bert.max_length;
  c.lm.tuning.lora.rank = p.integer<Eigen::Index>("lora-rank", 1, 4096);
  c.lm.tuning.lora.alpha = p.real("lora-alpha", 1e-6, 1e6);
  c.lm.tuning.keep_activations = p.has("keep-activations");
  c.bow.dim = p.integer<std::size_t>("dim", 1, 4096);
  c.trainer.prefix_token_budget = p.integer<std::size_t>("prefix-budget", 0, 512);
  c.bow.prefix_token_budget = c.trainer.prefix_token_budget;
  c.bert.prefix_budget = c.trainer.prefix_token_budget;
  c.lm.prompt.prefix_budget = c.trainer.prefix_token_budget;
  c.trainer.progress = !p.has("quiet");
  c.trainer.overlap = p.has("overlap");
  c.trainer.probe_steps = p.integer<std::size_t>("probe-steps", 0, 1000000);
  c.trainer.probe_dev_size = p.integer<std::size_t>("probe-dev", 1, 10000000);
  c.out = p.str("out");
  if (p.has("init-prefix-from")) c.init_prefix_from = p.str("init-prefix-from");
  if (p.has("save-prefix-to")) c.save_prefix_to = p.str("save-prefix-to");
  c.trainer.candidates = p.integer<std::size_t>("candidates", 1, 64);
  c.ta = read_ta_flags(p);
  return c;
}

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
inline std::vector<std::string> exposure_texts(const dataset<choice_example>& d) {
  std::vector<std::string> out;
  for (const auto& e : d.examples) {
    out.insert(out.end(), {e.article, e.question});
    out.insert(out.end(), e.options.begin(), e.options.end());
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
};

template <class Metric, class Student, class Strategy, class Transport = null_transport>
run_result run_with(Student student, Strategy strategy, const experiment_config& c,
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
    if constexpr (checkpointable_student<Student>) {
      if (!t.resume(c.out, c.to_json()))
        std::cerr << "gpta: nothing to resume in " << c.out.string() << ", starting afresh\n";
    } else {
      throw usage_error("flag --resume: student '" + c.student + "' cannot be checkpointed yet (these can: " +
                        checkpointable_students() + ")");
    }
  } else if (!c.out.empty()) {
    t.record_to(c.out, c.to_json());
  }
  run_result r = t.fit(d.train, d.dev, d.test, d.task);
  if (!c.save_prefix_to.empty() && r.best_round >= 0) {
    auto repo = prefix_repository::load(c.save_prefix_to);
    repo.add({r.best_prefix, d.task.name, d.task.domain, r.best_dev.metric, r.best_dev.score, r.best_round,
              r.strategy, "", ""});
    repo.save(c.save_prefix_to);
  }
  return r;
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

template <class Metric = classification_metric, class Student>
experiment_result run_strategy(Student student, const experiment_config& c,
                               const basic_experiment_data<typename Student::example_type>& d, Metric metric = {}) {
  if (c.strategy == "none") return {run_with<Metric>(std::move(student), no_prefix{}, c, d, metric), std::nullopt};
  if (c.strategy == "fixed") return {run_with<Metric>(std::move(student), fixed_prefix{c.prefix}, c, d, metric), std::nullopt};
  if (c.strategy == "random") {
    random_prefix_options ro;
    ro.reference = c.prefix;  // same length as the fixed prefix: controls for "any prefix helps"
    ro.seed = c.seed;
    return {run_with<Metric>(std::move(student), random_prefix{ro}, c, d, metric), std::nullopt};
  }
  ta_stack ta(c.ta, exposure_texts(d.train), c.out);
  experiment_result out;
  const ta_settings settings = make_ta_settings(c.ta, c.seed);
  if (c.strategy == "description") {
    description_prefix_options so;
    so.ta = settings;
    out.run = run_with<Metric>(std::move(student), description_prefix{so}, c, d, metric, ta.transport());
  } else if (c.strategy == "dialogue") {
    dialogue_gradient_options so;
    so.ta = settings;
    so.conversation_token_budget = c.ta.context_tokens;
    out.run = run_with<Metric>(std::move(student), dialogue_gradient{so}, c, d, metric, ta.transport());
  } else if (c.strategy == "opro") {
    score_trajectory_options so;
    so.ta = settings;
    out.run = run_with<Metric>(std::move(student), score_trajectory{so}, c, d, metric, ta.transport());
  } else {
    throw usage_error("flag --strategy: '" + c.strategy + "' is not one of " + joined(all_strategies, "|"));
  }
  out.exposure = ta.summary();
  record_exposure(c, *out.exposure);
  return out;
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

/// Runs one sentiment experiment end to end (run_experiment.hpp dispatches on the task).
inline experiment_result run_sentiment(const experiment_config& c, experiment_cache& cache) {
  const experiment_data d = load_experiment_data(c);
  if (c.student == "bow") {
    student::bow_options bo = c.bow;
    bo.seed = c.seed;
    auto vocab = student::bow_classifier::fit_vocabulary(d.train.examples, c.min_count);
    return run_strategy(student::bow_classifier(std::move(vocab), d.train.num_classes(), bo), c, d);
  }
  if (c.student == "minilm") {
    bert_student_options bo = c.bert;
    bo.seed = c.seed;
    bo.num_labels = d.train.num_classes();
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
  if (c.student == "qwen0.5b") {
    lm_classifier_options lo = c.lm;
    lo.tuning.seed = c.seed;
    if (lo.labels.empty()) lo.labels = d.train.label_names;
    if (lo.labels.size() != d.train.num_classes())
      throw usage_error("flag --label-words: " + std::to_string(lo.labels.size()) + " words for " +
                        std::to_string(d.train.num_classes()) + " classes");
    return run_strategy(lm_classifier(lm_base(c, cache), std::move(lo)), c, d);
  }
  throw usage_error("flag --student: '" + c.student + "' is not one of " + joined(student_names(), "|"));
}


inline std::string fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

inline std::string shorten(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

/// Round-by-round table of one run, then its test score.
inline void print_run_table(std::ostream& os, const run_result& r) {
  os << "round  train_loss  dev_acc  dev_f1   prefix\n";
  for (const auto& rr : r.rounds) {
    char line[160];
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
  if (r.test)
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

}  // namespace gpta::cli
