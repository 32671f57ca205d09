// `gpta eval --run DIR --file PATH`: a finished run's best (prefix, weights), or every run of a
// `gpta compare` folder, scored on any file in the task's format.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <gpta/detail/atomic_file.hpp>

#include "cli.hpp"
#include "run_experiment.hpp"
#include "saved_run.hpp"

namespace gpta::cli {

namespace {

/// The runs of `dir`: itself, those a compare.json there lists, or every run folder below it (a
/// curve or transfer folder), in path order.
std::vector<std::filesystem::path> run_dirs(const std::filesystem::path& dir) {
  const auto compare = dir / "compare.json";
  if (std::filesystem::exists(dir / "run.json") || !std::filesystem::is_directory(dir)) return {dir};
  if (!std::filesystem::exists(compare)) {
    std::vector<std::filesystem::path> below;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename() == "run.json") below.push_back(e.path().parent_path());
    std::sort(below.begin(), below.end());
    return below.empty() ? std::vector<std::filesystem::path>{dir} : below;
  }
  std::vector<std::filesystem::path> out;
  const boost::json::object doc = gpta::detail::parse_object_file(compare);
  const auto* runs = doc.if_contains("runs");
  if (!runs || !runs->is_array()) throw data_error(errc::bad_record, compare, 0, "no array 'runs'");
  for (const auto& row : runs->as_array()) {
    const auto* run = row.is_object() ? row.as_object().if_contains("run") : nullptr;
    if (!run || !run->is_string()) throw data_error(errc::bad_record, compare, 0, "a row of 'runs' has no string 'run'");
    out.emplace_back(std::string(run->as_string()));
  }
  return out;
}

}  // namespace

int cmd_eval(const std::vector<std::string>& args) {
  arg_parser p("eval");
  p.option("run", "a run folder of gpta train (or a compare, curve or transfer folder: every run in it)")
      .option("file", "comma-separated files to score, in the task's format")
      .option("format", "the files' format (default: the task's own; sentiment tasks read any of " +
                            joined(eval_formats("sst2"), "|") + ")")
      .option("task", "the run's task, checked against its record (" + joined(task_names(), "|") + ")")
      .option("minilm-dir", "minilm: checkpoint folder, when the one the run recorded has moved (default: $GPTA_MINILM_DIR)")
      .option("qwen-gguf", "qwen0.5b: the base GGUF, when the one the run recorded has moved");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage();
    return 0;
  }
  const std::filesystem::path root = p.str("run");
  const std::vector<std::string> files = p.list("file");
  experiment_cache cache;
  std::map<std::string, std::map<std::string, std::vector<double>>> scores;  // file -> strategy -> per seed
  std::string metric;
  for (const auto& dir : run_dirs(root)) {
    saved_run run = read_saved_run(dir);
    experiment_config& c = run.config;
    if (p.has("task") && p.str("task") != c.task)
      throw usage_error("flag --task: '" + p.str("task") + "', but " + (dir / "run.json").string() + " is a run of '" +
                        c.task + "'");
    if (p.has("minilm-dir")) c.minilm_dir = p.str("minilm-dir");
    if (c.minilm_dir.empty() || !std::filesystem::exists(c.minilm_dir)) c.minilm_dir = env_or("GPTA_MINILM_DIR", "");
    if (p.has("qwen-gguf")) c.qwen_gguf = p.str("qwen-gguf");
    if (run.result.best_weights.empty())
      throw data_error(errc::file_not_found, dir / "run.json", 0,
                       "the run kept no weights (student '" + c.student + "' on backend '" + c.backend +
                           "' cannot write them, or the run did not finish)");
    c.eval_files.assign(files.begin(), files.end());
    c.eval_format = p.has("format") ? p.choice("format", eval_formats(c.task)) : "";
    c.out = dir;
    std::cout << "run " << dir.string() << ": " << c.task << ", " << c.student << ", strategy " << c.strategy
              << ", seed " << c.seed << ", best round " << run.result.best_round << ", prefix \""
              << run.result.best_prefix << "\"\n";
    for (const auto& e : eval_experiment(c, cache, dir / run.result.best_weights, run.result.best_prefix)) {
      print_file_eval(std::cout, e);
      std::cout << "record: " << (dir / "eval" / (e.file.filename().string() + ".json")).string() << "\n";
      // Seeds are summarised per group: the folder above the strategy's (a curve's size-K).
      const auto group = dir.parent_path().parent_path();
      const std::string key = e.file.string() + (group.lexically_normal() == root.lexically_normal() || dir == root
                                                     ? std::string()
                                                     : ", runs under " + group.string());
      scores[key][c.strategy].push_back(e.result.score);
      metric = e.result.metric;
    }
  }
  // Several runs: per file (and group), mean and spread over the seeds of each strategy.
  std::size_t runs = 0;
  for (const auto& [f, by] : scores)
    for (const auto& [s, v] : by) runs += v.size();
  if (runs > files.size()) {
    for (const auto& [f, by] : scores) {
      std::cout << "on " << f << ": strategy    seeds  " << metric << " (mean ± sd)\n";
      std::vector<std::string> order;
      for (const auto& [s, v] : by) order.push_back(s);
      print_seed_summary(std::cout, by, order, "  ");
    }
  }
  return 0;
}

}  // namespace gpta::cli
