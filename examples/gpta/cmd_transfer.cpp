// `gpta transfer`: do prefixes transfer between datasets of one domain? A GPTA strategy learns a
// prefix on each source; on each target the student then trains with none, with the source's
// prefix fixed, and with a GPTA run that starts from it. The gains over none on the target, per
// seed (same splits, same seeds), make a source x target matrix: table, transfer.json.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/eval/paired_statistics.hpp>

#include "cli.hpp"
#include "compare_analyses.hpp"
#include "run_experiment.hpp"

namespace gpta::cli {

namespace {

/// The ways a source's prefix is used on a target.
const std::vector<std::string> transfer_modes{"fixed", "start"};

/// A target's test scores per seed, for one way of training on it.
using seed_scores = std::vector<double>;

}  // namespace

int cmd_transfer(const std::vector<std::string>& args) {
  arg_parser p("transfer");
  declare_experiment_flags(p);
  p.option("from", "comma-separated source tasks, whose prefixes are learned by --strategy")
      .option("to", "comma-separated target tasks (a source may be a target too: the in-domain cell)")
      .option("strategy", "the prefix search run on each source and, in mode start, on each target (" + joined(ta_strategies) + ")", "dialogue")
      .option("modes", "comma-separated uses of a source's prefix on a target: fixed (the prefix as is) | start "
                       "(the strategy's run on the target starts from it)", "fixed,start")
      .option("seeds", "comma-separated seeds", "1,2,3");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage();
    return 0;
  }
  const experiment_config base = read_experiment_flags(p);
  const std::vector<std::string> sources = p.list("from"), targets = p.list("to"), modes = p.list("modes");
  const std::string strategy = p.choice("strategy", ta_strategies);
  const std::vector<std::uint64_t> seeds = read_integers(p, "seeds");
  const auto tasks = task_names();
  for (const auto* list : {&sources, &targets})
    for (const auto& t : *list)
      if (std::find(tasks.begin(), tasks.end(), t) == tasks.end())
        throw usage_error("flag --from/--to: '" + t + "' is not one of " + joined(tasks, "|"));
  for (const auto& m : modes)
    if (std::find(transfer_modes.begin(), transfer_modes.end(), m) == transfer_modes.end())
      throw usage_error("flag --modes: '" + m + "' is not one of " + joined(transfer_modes, "|"));
  for (const auto& t : targets)
    if (kind_of(t) != kind_of(sources.front()))
      throw usage_error("flag --to: '" + t + "' is not the same kind of task as '" + sources.front() + "'");

  experiment_cache cache;
  const auto run = [&](experiment_config c, const std::filesystem::path& out) {
    c.out = out;
    std::cerr << "gpta transfer: " << c.task << ", " << c.strategy << ", seed " << c.seed << " -> " << out.string()
              << "\n";
    return run_experiment(c, cache).run;
  };
  // 1. Each source's prefix, per seed.
  std::map<std::string, std::vector<std::string>> learned;
  boost::json::array source_records;
  for (const auto& s : sources) {
    boost::json::array per_seed;
    for (const auto seed : seeds) {
      experiment_config c = base;
      c.task = s;
      c.strategy = strategy;
      c.seed = seed;
      const run_result r = run(c, base.out / "source" / s / ("seed-" + std::to_string(seed)));
      learned[s].push_back(r.best_prefix);
      per_seed.push_back({{"seed", seed}, {"prefix", r.best_prefix}, {"test_score", r.test->score}});
    }
    source_records.push_back({{"task", s}, {"runs", per_seed}});
  }
  // 2. On each target: none, then each source's prefix in each mode, same seeds.
  std::map<std::string, seed_scores> none;
  std::map<std::string, std::map<std::string, std::map<std::string, seed_scores>>> used;  // mode -> source -> target
  std::string metric;
  for (const auto& t : targets) {
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      experiment_config c = base;
      c.task = t;
      c.seed = seeds[i];
      c.strategy = "none";
      const std::string seed_dir = "seed-" + std::to_string(seeds[i]);
      const run_result r = run(c, base.out / "target" / t / "none" / seed_dir);
      none[t].push_back(r.test->score);
      metric = r.test->metric;
      for (const auto& s : sources)
        for (const auto& m : modes) {
          experiment_config u = c;
          if (m == "fixed") {
            u.strategy = "fixed";
            u.prefix = learned[s][i];
          } else {
            u.strategy = strategy;
            u.trainer.initial_prefixes = {learned[s][i]};
          }
          used[m][s][t].push_back(run(u, base.out / "target" / t / (m + "-from-" + s) / seed_dir).test->score);
        }
    }
  }
  // 3. The matrices: mean paired gain over seeds with its 95% interval.
  boost::json::array cells;
  std::cout << "prefix transfer: " << strategy << " prefixes learned on the source, test " << metric
            << " gain over none on the target (mean over " << seeds.size() << " seeds [95% CI]; * p < 0.05)\n";
  for (const auto& m : modes) {
    std::cout << (m == "fixed" ? "mode fixed (the source's prefix, as is):\n"
                               : "mode start (a " + strategy + " run on the target starting from it):\n");
    std::string header = "  source \\ target";
    for (const auto& t : targets) {
      char h[48];
      std::snprintf(h, sizeof h, " %28s", t.c_str());
      header += h;
    }
    std::cout << header << "\n";
    for (const auto& s : sources) {
      char row[40];
      std::snprintf(row, sizeof row, "  %-16s", s.c_str());
      std::string line = row;
      for (const auto& t : targets) {
        const paired_difference d = paired_mean_difference(used[m][s][t], none[t]);
        char cell[64];
        std::snprintf(cell, sizeof cell, " %+7.4f [%+.3f, %+.3f]%-2s", d.mean, d.ci_low, d.ci_high,
                      significance_mark(d.p_two_sided).c_str());
        line += cell;
        cells.push_back({{"mode", m}, {"source", s}, {"target", t}, {"seeds", d.n},
                         {"none", boost::json::value_from(none[t])}, {"with_prefix", boost::json::value_from(used[m][s][t])},
                         {"mean_gain", json_number(d.mean)},
                         {"ci95", boost::json::array{json_number(d.ci_low), json_number(d.ci_high)}},
                         {"p", json_number(d.p_two_sided)}});
      }
      std::cout << line << "\n";
    }
  }
  std::cout << "none on each target:";
  for (const auto& t : targets) {
    const mean_sd m = summarize(none[t]);
    std::cout << "  " << t << " " << fixed(m.mean) << " ± " << fixed(m.sd);
  }
  std::cout << "\n";
  const boost::json::object doc{{"format", "gpta.transfer/1"}, {"config", base.to_json()}, {"strategy", strategy},
                                {"metric", metric}, {"sources", source_records}, {"cells", cells}};
  std::filesystem::create_directories(base.out);
  gpta::detail::write_file_atomic(base.out / "transfer.json", to_json_text(doc));
  std::cout << "record: " << (base.out / "transfer.json").string() << "\n";
  return 0;
}

}  // namespace gpta::cli
