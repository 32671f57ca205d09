// `gpta train` (one strategy, one seed) and `gpta compare` (strategies x seeds on the same splits).
#include <algorithm>
#include <map>
#include <filesystem>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include <gpta/detail/atomic_file.hpp>

#include "cli.hpp"
#include "compare_analyses.hpp"
#include "run_experiment.hpp"
#include "saved_run.hpp"
#include "plot.hpp"

namespace gpta::cli {

int cmd_train(const std::vector<std::string>& args) {
  arg_parser p("train");
  declare_experiment_flags(p);
  p.option("strategy", strategy_help("the prefix strategy"), "none")
      .option("seed", "seed of sampling, init and batches", "1")
      .flag("resume", "continue the run recorded in --out from its last complete round");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage();
    return 0;
  }
  experiment_config c = read_experiment_flags(p);
  c.strategy = p.choice("strategy", all_strategies);
  c.seed = p.integer<std::uint64_t>("seed");
  c.resume = p.has("resume");
  const experiment_result er = run_experiment(c);
  const run_result& r = er.run;
  std::cout << "task " << c.task << ", student " << c.student << ", strategy " << c.strategy << ", seed " << c.seed
            << ", " << training_size(c) << "\n";
  print_run_table(std::cout, r);
  if (er.exposure)
    std::cout << "training examples that reached the TA: " << er.exposure->examples_exposed << " ("
              << er.exposure->requests << " requests audited, " << er.exposure->refused << " refused)\n";
  for (const auto& e : er.file_evals) print_file_eval(std::cout, e);
  std::cout << "record: " << (c.out / "run.json").string() << "\n";
  if (auto png = write_plot(c.out, {{c.strategy, {&r}}}, c.task + ": " + c.strategy + ", seed " + std::to_string(c.seed)))
    std::cout << "plot: " << png->string() << "\n";
  return 0;
}

int cmd_compare(const std::vector<std::string>& args) {
  arg_parser p("compare");
  declare_experiment_flags(p);
  p.option("strategies", strategy_help("comma-separated strategies"), "none,fixed")
      .option("seeds", "comma-separated seeds", "1,2,3")
      .flag("resume",
            "reuse every run in --out that finished with the same configuration and rerun the rest (a "
            "checkpointable student's crashed run continues from its last complete round); lets seeds run as "
            "separate processes into one --out, then one --resume call tabulates them all");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage();
    return 0;
  }
  experiment_config base = read_experiment_flags(p);
  base.resume = p.has("resume");
  const std::vector<std::string> strategies = read_strategies(p);
  const std::vector<std::uint64_t> seeds = read_integers(p, "seeds");

  boost::json::array rows;
  std::vector<std::string> lines, ta_lines;
  std::string ta_model;
  std::size_t empty_prefix_runs = 0;
  std::vector<std::unique_ptr<run_result>> results;
  plot_series series;
  experiment_cache cache;  // one base model for every run
  const bool summarization = kind_of(base.task) == task_kind::summarization;
  // --eval-file: per file, per strategy, each seed's score on it (and the metric's name).
  std::map<std::string, std::map<std::string, std::vector<double>>> file_scores;
  std::map<std::string, std::size_t> file_counts;
  std::string file_metric;
  // The two or three test figures of a run: accuracy and macro-F1, or ROUGE-1/2/L F1.
  const auto figures = [&](const eval_result& e) {
    if (!summarization) return std::vector<double>{e.accuracy, e.macro_f1};
    const auto f = rouge_f1s(e);
    return f ? std::vector<double>(f->begin(), f->end()) : std::vector<double>(3, 0.0);
  };
  const auto figure_text = [](const std::vector<mean_sd>& v) {
    std::string out;
    for (const auto& m : v) out += fixed(m.mean) + " ± " + fixed(m.sd) + "   ";
    return out;
  };
  for (const auto& strategy : strategies) {
    std::vector<double> ta_acc, tokens;
    std::vector<std::vector<double>> figs;
    std::size_t exposed = 0, fell_back = 0;
    ta_round_stats ta_sum;
    token_usage ta_tokens_sum;
    for (auto seed : seeds) {
      experiment_config c = base;
      c.strategy = strategy;
      c.seed = seed;
      c.out = base.out / strategy / ("seed-" + std::to_string(seed));
      std::cerr << "gpta compare: " << strategy << ", seed " << seed << "\n";
      experiment_result er = [&] {
        if (!base.resume) return run_experiment(c, cache);
        std::string why;
        if (auto done = finished_run(c, why)) {
          std::cerr << "gpta compare: reusing the finished run in " << c.out.string() << "\n";
          return std::move(*done);
        }
        if (!why.empty()) std::cerr << "gpta compare: running " << c.out.string() << " again: " << why << "\n";
        // Only a checkpointable student's unfinished run continues; any other starts afresh.
        c.resume = !why.empty();
        c.restart_unless_checkpointable = true;
        return run_experiment(c, cache);
      }();
      if (er.exposure) exposed += er.exposure->examples_exposed;
      boost::json::array evals;
      for (const auto& e : er.file_evals) {
        file_scores[e.file.string()][strategy].push_back(e.result.score);
        file_counts[e.file.string()] = e.result.count;
        file_metric = e.result.metric;
        evals.push_back({{"file", e.file.string()}, {"metric", e.result.metric}, {"score", e.result.score},
                         {"count", e.result.count}});
      }
      results.push_back(std::make_unique<run_result>(std::move(er.run)));
      const run_result& r = *results.back();
      if (r.ta_accuracy) ta_acc.push_back(*r.ta_accuracy);
      ta_sum += r.ta_stats;
      ta_tokens_sum += r.ta_tokens;
      if (!r.ta_model.empty()) ta_model = r.ta_model;
      if (!r.empty_prefix_reason.empty()) ++fell_back;
      tokens.push_back(static_cast<double>(r.ta_tokens.total_tokens));
      series[strategy].push_back(&r);
      const auto fig = figures(*r.test);
      figs.resize(fig.size());
      for (std::size_t i = 0; i < fig.size(); ++i) figs[i].push_back(fig[i]);
      rows.push_back({{"strategy", strategy}, {"seed", seed}, {"test_metric", r.test->metric},
                      {"test_score", r.test->score}, {"test_accuracy", r.test->accuracy},
                      {"test_macro_f1", r.test->macro_f1}, {"test_figures", boost::json::value_from(fig)},
                      {"best_round", r.best_round},
                      {"best_prefix", r.best_prefix}, {"ta_tokens", r.ta_tokens.total_tokens},
                      {"ta_accuracy", r.ta_accuracy ? boost::json::value(*r.ta_accuracy) : boost::json::value()},
                      {"examples_exposed", er.exposure ? er.exposure->examples_exposed : 0},
                      {"ta_stats", boost::json::value_from(r.ta_stats)}, {"ta_model", r.ta_model},
                      {"empty_prefix_reason", r.empty_prefix_reason}, {"eval_files", evals},
                      {"run", c.out.string()}});
    }
    std::vector<mean_sd> fig_summary;
    for (const auto& v : figs) fig_summary.push_back(summarize(v));
    const mean_sd t = summarize(ta_acc), k = summarize(tokens);
    // A '*' marks a strategy some of whose runs trained with the empty prefix because the TA gave
    // nothing usable in round 0 (never silent; run.json says why).
    const std::string name = strategy + (fell_back ? "*" : "");
    empty_prefix_runs += fell_back;
    char line[240];
    std::snprintf(line, sizeof line, "%-11s %5zu  %s%-13s %9.0f  %7zu", name.c_str(), seeds.size(),
                  figure_text(fig_summary).c_str(),
                  ta_acc.empty() ? "-" : (fixed(t.mean, 2) + " ± " + fixed(t.sd, 2)).c_str(), k.mean, exposed);
    lines.push_back(line);
    if (ta_sum.answers > 0) {
      std::snprintf(line, sizeof line, "%-11s %7zu %7zu %6zu/%-6zu %5zu %4zu %8zu %8zu %6.1f/%-6.1f %8lld/%-8lld",
                    strategy.c_str(), ta_sum.answers, ta_sum.answers_usable, ta_sum.schema_answers,
                    ta_sum.fallback_answers, ta_sum.new_candidates, ta_sum.duplicates, ta_sum.unusable + ta_sum.over_budget,
                    ta_sum.repaired, ta_sum.latency_mean(), ta_sum.latency_p95(),
                    static_cast<long long>(ta_tokens_sum.prompt_tokens),
                    static_cast<long long>(ta_tokens_sum.completion_tokens));
      ta_lines.push_back(line);
    }
  }
  const analysis_report paired = compare_against(series, "none", strategies);
  const analysis_report corr = ta_gain_correlation(series);
  boost::json::object doc{{"format", "gpta.compare/1"}, {"config", base.to_json()}, {"ta_model", ta_model}, {"runs", rows},
                          {"paired_vs_none", paired.record}, {"ta_gain_correlation", corr.record}};
  detail::write_file_atomic(base.out / "compare.json", to_json_text(doc));
  if (summarization) {
    std::cout << "task " << base.task << ", student " << base.student << ", " << base.train_docs
              << " training documents, test set of " << base.test_docs << " documents\n";
    std::cout << "strategy    seeds  ROUGE-1 F1        ROUGE-2 F1        ROUGE-L F1        TA accuracy   TA tokens  exposed\n";
  } else {
    if (kind_of(base.task) == task_kind::reading)
      std::cout << "task " << base.task << ", student " << base.student << ", " << base.train_questions
                << " training questions, test set of " << base.test_questions << " questions\n";
    else
      std::cout << "task " << base.task << ", student " << base.student << ", " << base.k_per_class
                << " training examples per class, test set of " << base.test_size << "\n";
    const std::string a = base.task == "squad" ? "test EM      " : "test accuracy",
                      b = base.task == "squad" ? "test F1      " : base.task == "race" ? "level mean   " : "test macro-F1";
    std::cout << "strategy    seeds  " << a << "     " << b << "     TA accuracy   TA tokens  exposed\n";
  }
  for (const auto& l : lines) std::cout << l << "\n";
  if (!paired.lines.empty()) {
    std::cout << "paired against none (same splits and seeds), test " << results.front()->test->metric
              << " difference; * p < 0.05, ** p < 0.01:\n"
              << "strategy    over seeds: mean [95% CI]      p      pooled examples: mean [95% CI]     p (bootstrap)\n";
    for (const auto& l : paired.lines) std::cout << l << "\n";
  }
  for (const auto& l : corr.lines) std::cout << l << "\n";
  for (const auto& [file, by_strategy] : file_scores) {
    std::cout << "on " << file << " (" << file_counts[file] << " examples, --eval-file), " << file_metric
              << " of each run's best prefix and weights:\n";
    print_seed_summary(std::cout, by_strategy, strategies);
  }
  if (summarization) {
    const auto [name, lead] = lead_baseline(base);
    std::vector<mean_sd> v;
    for (const double x : figures(lead)) v.push_back({x, 0.0});
    char line[240];
    std::snprintf(line, sizeof line, "%-11s %5s  %s", name.c_str(), "-", figure_text(v).c_str());
    std::cout << line << "(extractive baseline on the same test documents)\n";
    doc["lead_baseline"] = {{"name", name}, {"figures", boost::json::value_from(figures(lead))}};
    detail::write_file_atomic(base.out / "compare.json", to_json_text(doc));
  }
  if (empty_prefix_runs)
    std::cout << "* " << empty_prefix_runs << " run(s) trained with the empty prefix: the TA gave no usable prefix "
              << "in round 0 (see empty_prefix_reason in their run.json)\n";
  if (!ta_lines.empty()) {
    std::cout << "TA " << (ta_model.empty() ? std::string("(model id not reported)") : ta_model) << " at "
              << base.ta.base_url << ", sums over seeds:\n"
              << "strategy    answers  usable schema/tags    new  dup  refused repaired latency s     tokens\n"
              << "                                                                   mean/p95  prompt/completion\n";
    for (const auto& l : ta_lines) std::cout << l << "\n";
  }
  std::cout << "record: " << (base.out / "compare.json").string() << "\n";
  if (auto png = write_plot(base.out, series, base.task + ", " + std::to_string(base.k_per_class) + " per class"))
    std::cout << "plot: " << png->string() << "\n";
  return 0;
}

}  // namespace gpta::cli
