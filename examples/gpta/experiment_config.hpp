// The configuration of one experiment of the gpta tool: its fields, the flags that set them (shared
// by `train` and `compare`), and its JSON form in run.json (written, and read back by `gpta eval`).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <gpta/data/registry.hpp>
#include <gpta/student/bert_student.hpp>
#include <gpta/student/bow_classifier.hpp>
#include <gpta/student/lm_classifier.hpp>
#include <gpta/student/lm_summarizer.hpp>
#include <gpta/train/trainer_options.hpp>

#include "cli.hpp"
#include "students.hpp"
#include "tasks.hpp"
#include "ta.hpp"
#include "eval_files.hpp"

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
  /// With resume: a student type that cannot be checkpointed starts the run afresh instead of
  /// failing (compare --resume). Not recorded: it changes what happens, not what is computed.
  bool restart_unless_checkpointable = false;
  std::filesystem::path init_prefix_from;  ///< prefix repository to start from (same domain)
  std::filesystem::path save_prefix_to;    ///< prefix repository to add the best prefix to
  ta_config ta;
  /// Files the run's best (prefix, weights) is also scored on (--eval-file), in --eval-format.
  std::vector<std::filesystem::path> eval_files;
  std::string eval_format;
  bool score_train = false;  ///< also score the best (prefix, weights) on the training split (over-fitting)

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
            {"minilm_dir", minilm_dir.string()},
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
              "640 for summarisation, 384 for reading comprehension)")
      .option("train-questions", "squad, race: training questions (split by article / passage)", "64")
      .option("dev-questions", "squad, race: dev questions (carved first, shared by every seed)", "256")
      .option("test-questions", "squad, race: test questions (carved first, shared by every seed)", "1024")
      .option("train-docs", "summarisation: training documents", "16")
      .option("dev-docs", "summarisation: dev documents (carved first, shared by every seed)", "16")
      .option("test-docs", "summarisation: test documents (carved first, shared by every seed)", "100")
      .option("summary-tokens", "summarisation, and squad with qwen0.5b: most summary (answer) tokens trained on and "
              "written (default 96; 32 for squad)")
      .option("beams", "summarisation, and squad with qwen0.5b: beam width (1 = greedy)", "1")
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
      .option("eval-file", "comma-separated files to score each run's best (prefix, weights) on as well, in the "
                           "task's format (e.g. an official test file; see gpta eval)")
      .option("eval-format", "format of --eval-file (default: the task's own; sentiment tasks read any of " +
                                 joined(eval_formats("sst2"), "|") + ")")
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
  c.summ.summary_tokens = p.has("summary-tokens") ? p.integer<std::size_t>("summary-tokens", 1, 4096)
                                                  : default_summary_tokens(c.task);
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
  if (p.has("eval-file"))
    for (const auto& f : p.list("eval-file")) c.eval_files.emplace_back(f);
  if (p.has("eval-format")) c.eval_format = p.choice("eval-format", eval_formats(c.task));
  return c;
}

/// --strategies: comma-separated names from the one strategy list.
inline std::vector<std::string> read_strategies(const arg_parser& p) {
  const std::vector<std::string> out = p.list("strategies");
  for (const auto& s : out)
    if (std::find(all_strategies.begin(), all_strategies.end(), s) == all_strategies.end())
      throw usage_error("flag --strategies: '" + s + "' is not one of " + joined(all_strategies, "|"));
  return out;
}

/// A comma-separated flag of non-negative integers (--seeds, --k).
inline std::vector<std::uint64_t> read_integers(const arg_parser& p, const std::string& flag, std::uint64_t min = 0) {
  std::vector<std::uint64_t> out;
  for (const auto& s : p.list(flag)) {
    arg_parser one(flag);
    one.option(flag, "");
    one.parse({"--" + flag, s});
    out.push_back(one.integer<std::uint64_t>(flag, min));
  }
  return out;
}

/// The configuration a run.json records (to_json), read back: what `gpta eval` needs to rebuild
/// the run's student and metric. Fields a record lacks keep their defaults; a field of the wrong
/// type is an error naming `file` and the field.
inline experiment_config experiment_config_from_json(const boost::json::object& j, const std::filesystem::path& file) {
  experiment_config c;
  const auto field = [&](const char* key) -> const boost::json::value* { return j.if_contains(key); };
  const auto fail = [&](const char* key, const char* what) {
    throw data_error(errc::bad_record, file, 0, std::string("config field '") + key + "': " + what);
  };
  const auto str = [&](const char* key, auto& dst) {
    if (const auto* v = field(key)) {
      if (!v->is_string()) fail(key, "not a string");
      dst = std::string(v->as_string());
    }
  };
  const auto num = [&](const char* key, auto& dst) {
    if (const auto* v = field(key)) {
      try {
        dst = v->template to_number<std::remove_reference_t<decltype(dst)>>();
      } catch (const std::exception&) {
        fail(key, "not a number of the right kind");
      }
    }
  };
  std::string data_dir, qwen_gguf, minilm_dir;
  str("task", c.task);
  str("student", c.student);
  str("backend", c.backend);
  str("strategy", c.strategy);
  str("prefix", c.prefix);
  str("data_dir", data_dir);
  str("qwen_gguf", qwen_gguf);
  str("minilm_dir", minilm_dir);
  c.data_dir = data_dir;
  c.qwen_gguf = qwen_gguf;
  c.minilm_dir = minilm_dir;
  num("k_per_class", c.k_per_class);
  num("dev_per_class", c.dev_per_class);
  num("test_size", c.test_size);
  num("split_seed", c.split_seed);
  num("seed", c.seed);
  num("rounds", c.trainer.rounds);
  num("epochs_per_round", c.trainer.epochs_per_round);
  num("batch_size", c.trainer.batch_size);
  num("prefix_token_budget", c.trainer.prefix_token_budget);
  num("dim", c.bow.dim);
  num("train_questions", c.train_questions);
  num("dev_questions", c.dev_questions);
  num("test_questions", c.test_questions);
  num("train_docs", c.train_docs);
  num("dev_docs", c.dev_docs);
  num("test_docs", c.test_docs);
  num("summary_tokens", c.summ.summary_tokens);
  num("beams", c.summ.beams);
  num("no_repeat_ngram", c.summ.no_repeat_ngram);
  double lr = c.learning_rate();
  num("learning_rate", lr);
  c.bow.learning_rate = static_cast<float>(lr);
  c.bert.learning_rate = lr;
  c.bert.max_length = default_max_length(c.task);
  num("max_length", c.bert.max_length);
  if (const auto* lm = field("lm")) {
    if (!lm->is_object()) fail("lm", "not an object");
    try {
      c.lm = lm_classifier_options_from_json(lm->as_object());
    } catch (const std::exception& e) {
      throw data_error(errc::bad_record, file, 0, std::string("config field 'lm': ") + e.what());
    }
  }
  c.lm.tuning.learning_rate = lr;
  c.bow.prefix_token_budget = c.bert.prefix_budget = c.lm.prompt.prefix_budget = c.trainer.prefix_token_budget;
  return c;
}


}  // namespace gpta::cli
