// `gpta curve`: the low-resource claim as a command - test score against training size per
// strategy (mean ± sd over seeds, every strategy paired with none at each size), and the
// train - dev gap of the same runs (over-fitting), as a table, curve.json and curve.png.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gpta/detail/atomic_file.hpp>

#include "cli.hpp"
#include "compare_analyses.hpp"
#include "plot.hpp"
#include "run_experiment.hpp"

namespace gpta::cli {

int cmd_curve(const std::vector<std::string>& args) {
  arg_parser p("curve");
  declare_experiment_flags(p);
  p.option("k", "comma-separated training sizes (per class for sentiment, questions for squad/race, documents for "
                "summarisation); each replaces --k-per-class, --train-questions or --train-docs", "4,8,16,32")
      .option("strategies", strategy_help("comma-separated strategies"), "none,dialogue")
      .option("seeds", "comma-separated seeds", "1,2,3");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage();
    return 0;
  }
  experiment_config base = read_experiment_flags(p);
  base.score_train = true;
  const std::vector<std::string> strategies = read_strategies(p);
  const std::vector<std::uint64_t> seeds = read_integers(p, "seeds");
  const std::vector<std::uint64_t> sizes = read_integers(p, "k", 1);

  std::vector<std::unique_ptr<run_result>> keep;  // every run, for the correlation over all of them
  plot_series all_runs;
  std::map<std::string, std::vector<curve_point>> lines;
  boost::json::array size_records;
  std::vector<std::string> table;
  std::string metric;
  experiment_cache cache;
  for (const auto k : sizes) {
    plot_series at_size;
    boost::json::array strategy_records;
    for (const auto& strategy : strategies) {
      std::vector<double> test, gap;
      boost::json::array runs;
      for (const auto seed : seeds) {
        experiment_config c = base;
        training_size_field(c) = static_cast<std::size_t>(k);
        c.strategy = strategy;
        c.seed = seed;
        c.out = base.out / ("size-" + std::to_string(k)) / strategy / ("seed-" + std::to_string(seed));
        std::cerr << "gpta curve: " << training_size(c) << ", " << strategy << ", seed " << seed << "\n";
        experiment_result er = run_experiment(c, cache);
        keep.push_back(std::make_unique<run_result>(std::move(er.run)));
        const run_result& r = *keep.back();
        metric = r.test->metric;
        const double train_score = er.train_eval ? er.train_eval->score : 0.0;
        test.push_back(r.test->score);
        gap.push_back(train_score - r.best_dev.score);
        at_size[strategy].push_back(&r);
        all_runs[strategy].push_back(&r);
        runs.push_back({{"seed", seed}, {"test_score", r.test->score}, {"dev_score", r.best_dev.score},
                        {"train_score", train_score}, {"best_round", r.best_round}, {"best_prefix", r.best_prefix},
                        {"ta_accuracy", r.ta_accuracy ? boost::json::value(*r.ta_accuracy) : boost::json::value()},
                        {"run", c.out.string()}});
      }
      const mean_sd t = summarize(test), g = summarize(gap);
      lines[strategy].push_back({static_cast<double>(k), t.mean, t.sd, g.mean, g.sd});
      strategy_records.push_back({{"strategy", strategy}, {"test_mean", t.mean}, {"test_sd", t.sd},
                                  {"gap_mean", g.mean}, {"gap_sd", g.sd}, {"runs", runs}});
      char line[200];
      std::snprintf(line, sizeof line, "%6llu  %-11s %5zu  %.4f ± %.4f   %+.4f ± %.4f",
                    static_cast<unsigned long long>(k), strategy.c_str(), seeds.size(), t.mean, t.sd, g.mean, g.sd);
      table.push_back(line);
    }
    const analysis_report paired = compare_against(at_size, "none", strategies);
    for (const auto& l : paired.lines) table.push_back("        vs none: " + l);
    size_records.push_back({{"size", k}, {"strategies", strategy_records}, {"paired_vs_none", paired.record}});
  }
  const analysis_report corr = ta_gain_correlation(all_runs);
  const boost::json::object doc{{"format", "gpta.curve/1"}, {"config", base.to_json()},
                                {"size_unit", training_size_unit(base.task)}, {"metric", metric},
                                {"sizes", size_records}, {"ta_gain_correlation", corr.record}};
  std::filesystem::create_directories(base.out);
  gpta::detail::write_file_atomic(base.out / "curve.json", to_json_text(doc));

  std::cout << "task " << base.task << ", student " << base.student << ", test " << metric << " by "
            << training_size_unit(base.task) << " (mean ± sd over " << seeds.size() << " seeds)\n"
            << "  size  strategy    seeds  test " << metric << "    train - dev gap\n";
  for (const auto& l : table) std::cout << l << "\n";
  for (const auto& l : corr.lines) std::cout << l << "\n";
  std::cout << "record: " << (base.out / "curve.json").string() << "\n";
  if (auto png = write_curve_plot(base.out, lines, base.task + ": test " + metric + " by training size",
                                  training_size_unit(base.task), metric))
    std::cout << "plot: " << png->string() << "\n";
  return 0;
}

}  // namespace gpta::cli
