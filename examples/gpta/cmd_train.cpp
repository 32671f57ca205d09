// `gpta train` (one strategy, one seed) and `gpta compare` (strategies x seeds on the same splits).
#include <algorithm>
#include <filesystem>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include <gpta/detail/atomic_file.hpp>

#include "cli.hpp"
#include "experiment.hpp"
#include "plot.hpp"

namespace gpta::cli {

int cmd_train(const std::vector<std::string>& args) {
  arg_parser p("train");
  declare_experiment_flags(p);
  p.option("strategy", joined(all_strategies), "none")
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
            << ", " << c.k_per_class << " training examples per class\n";
  print_run_table(std::cout, r);
  if (er.exposure)
    std::cout << "training examples that reached the TA: " << er.exposure->examples_exposed << " ("
              << er.exposure->requests << " requests audited, " << er.exposure->refused << " refused)\n";
  std::cout << "record: " << (c.out / "run.json").string() << "\n";
  if (auto png = write_plot(c.out, {{c.strategy, {&r}}}, c.task + ": " + c.strategy + ", seed " + std::to_string(c.seed)))
    std::cout << "plot: " << png->string() << "\n";
  return 0;
}

int cmd_compare(const std::vector<std::string>& args) {
  arg_parser p("compare");
  declare_experiment_flags(p);
  p.option("strategies", "comma-separated strategies", "none,fixed").option("seeds", "comma-separated seeds", "1,2,3");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage();
    return 0;
  }
  const experiment_config base = read_experiment_flags(p);
  const std::vector<std::string> strategies = p.list("strategies");
  std::vector<std::uint64_t> seeds;
  for (const auto& s : p.list("seeds")) {
    arg_parser one("compare");
    one.option("seeds", "");
    one.parse({"--seeds", s});
    seeds.push_back(one.integer<std::uint64_t>("seeds"));
  }
  for (const auto& s : strategies)
    if (std::find(all_strategies.begin(), all_strategies.end(), s) == all_strategies.end())
      throw usage_error("flag --strategies: '" + s + "' is not one of " + joined(all_strategies, "|"));

  boost::json::array rows;
  std::vector<std::string> lines, ta_lines;
  std::string ta_model;
  std::size_t empty_prefix_runs = 0;
  std::vector<std::unique_ptr<run_result>> results;
  plot_series series;
  experiment_cache cache;  // one base model for every run
  for (const auto& strategy : strategies) {
    std::vector<double> acc, f1, ta_acc, tokens;
    std::size_t exposed = 0, fell_back = 0;
    ta_round_stats ta_sum;
    token_usage ta_tokens_sum;
    for (auto seed : seeds) {
      experiment_config c = base;
      c.strategy = strategy;
      c.seed = seed;
      c.out = base.out / strategy / ("seed-" + std::to_string(seed));
      std::cerr << "gpta compare: " << strategy << ", seed " << seed << "\n";
      experiment_result er = run_experiment(c, cache);
      if (er.exposure) exposed += er.exposure->examples_exposed;
      results.push_back(std::make_unique<run_result>(std::move(er.run)));
      const run_result& r = *results.back();
      if (r.ta_accuracy) ta_acc.push_back(*r.ta_accuracy);
      ta_sum += r.ta_stats;
      ta_tokens_sum += r.ta_tokens;
      if (!r.ta_model.empty()) ta_model = r.ta_model;
      if (!r.empty_prefix_reason.empty()) ++fell_back;
      tokens.push_back(static_cast<double>(r.ta_tokens.total_tokens));
      series[strategy].push_back(&r);
      acc.push_back(r.test->accuracy);
      f1.push_back(r.test->macro_f1);
      rows.push_back({{"strategy", strategy}, {"seed", seed}, {"test_accuracy", r.test->accuracy},
                      {"test_macro_f1", r.test->macro_f1}, {"best_round", r.best_round},
                      {"best_prefix", r.best_prefix}, {"ta_tokens", r.ta_tokens.total_tokens},
                      {"ta_accuracy", r.ta_accuracy ? boost::json::value(*r.ta_accuracy) : boost::json::value()},
                      {"examples_exposed", er.exposure ? er.exposure->examples_exposed : 0},
                      {"ta_stats", boost::json::value_from(r.ta_stats)}, {"ta_model", r.ta_model},
                      {"empty_prefix_reason", r.empty_prefix_reason}, {"run", c.out.string()}});
    }
    const mean_sd a = summarize(acc), f = summarize(f1), t = summarize(ta_acc), k = summarize(tokens);
    // A '*' marks a strategy some of whose runs trained with the empty prefix because the TA gave
    // nothing usable in round 0 (never silent; run.json says why).
    const std::string name = strategy + (fell_back ? "*" : "");
    empty_prefix_runs += fell_back;
    char line[240];
    std::snprintf(line, sizeof line, "%-11s %5zu  %.4f ± %.4f   %.4f ± %.4f   %-13s %9.0f  %7zu", name.c_str(),
                  seeds.size(), a.mean, a.sd, f.mean, f.sd,
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
  boost::json::object doc{{"format", "gpta.compare/1"}, {"config", base.to_json()}, {"ta_model", ta_model}, {"runs", rows}};
  detail::write_file_atomic(base.out / "compare.json", to_json_text(doc));
  std::cout << "task " << base.task << ", student " << base.student << ", " << base.k_per_class
            << " training examples per class, test set of " << base.test_size << "\n";
  std::cout << "strategy    seeds  test accuracy     test macro-F1     TA accuracy   TA tokens  exposed\n";
  for (const auto& l : lines) std::cout << l << "\n";
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
