// Plots for the gpta tool: dev score (and TA accuracy) per round, one line per strategy, rendered
// by gnuplot (Debian's gnuplot-nox) next to the records. Without gnuplot, data and script remain.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gpta/core/records.hpp>
#include <gpta/detail/atomic_file.hpp>

namespace gpta::cli {

/// Per strategy: the runs (one per seed) whose rounds are averaged into one line.
using plot_series = std::map<std::string, std::vector<const run_result*>>;

namespace detail_plot {
inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}
/// Runs gnuplot on `<dir>/<stem>.gp`; the PNG it wrote, or nothing when gnuplot is missing or failed.
inline std::optional<std::filesystem::path> render(const std::filesystem::path& dir, const std::string& stem) {
  const std::string cmd = "gnuplot " + quote((dir / (stem + ".gp")).string()) + " 2>/dev/null";
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0 || std::system(cmd.c_str()) != 0) return std::nullopt;
  return dir / (stem + ".png");
}
}  // namespace detail_plot

/// Writes `<dir>/plot.tsv` and `<dir>/plot.gp` and renders `<dir>/plot.png`. Strategies whose
/// runs have a single round are drawn as horizontal lines (baselines). Returns the PNG's path,
/// or nothing when gnuplot is unavailable or failed.
inline std::optional<std::filesystem::path> write_plot(const std::filesystem::path& dir, const plot_series& series,
                                                       const std::string& title) {
  std::ostringstream tsv;
  std::ostringstream gp;
  std::size_t max_rounds = 1;
  for (const auto& [name, runs] : series)
    for (const auto* r : runs) max_rounds = std::max(max_rounds, r->rounds.size());
  tsv << "# round";
  for (const auto& [name, runs] : series) tsv << "\t" << name << "_dev\t" << name << "_ta_accuracy";
  tsv << "\n";
  for (std::size_t round = 0; round < max_rounds; ++round) {
    tsv << round;
    for (const auto& [name, runs] : series) {
      double dev = 0.0, ta = 0.0;
      std::size_t n_dev = 0, n_ta = 0;
      for (const auto* r : runs) {
        // A run that stopped early (patience) holds its last score flat.
        if (r->rounds.empty()) continue;
        const auto& rr = r->rounds[std::min(round, r->rounds.size() - 1)];
        dev += rr.dev.score, ++n_dev;
        if (round < r->rounds.size() && rr.ta_accuracy) ta += *rr.ta_accuracy, ++n_ta;
      }
      tsv << "\t" << (n_dev ? std::to_string(dev / static_cast<double>(n_dev)) : "NaN") << "\t"
          << (n_ta ? std::to_string(ta / static_cast<double>(n_ta)) : "NaN");
    }
    tsv << "\n";
  }
  gpta::detail::write_file_atomic(dir / "plot.tsv", tsv.str());

  gp << "set terminal pngcairo size 900,540 noenhanced\n"
     << "set output " << detail_plot::quote((dir / "plot.png").string()) << "\n"
     << "set title " << detail_plot::quote(title) << "\n"
     << "set xlabel 'round'\nset ylabel 'dev score (mean over seeds)'\n"
     << "set y2label 'TA accuracy (share of candidates beating the incumbent)'\n"
     << "set y2range [0:1]\nset ytics nomirror\nset y2tics\nset key outside bottom center horizontal\n"
     << "set xtics 1\nset grid\nset datafile missing 'NaN'\n"
     << "plot ";
  int column = 2;
  bool first = true;
  const std::string data = detail_plot::quote((dir / "plot.tsv").string());
  for (const auto& [name, runs] : series) {
    const bool baseline = max_rounds > 1 && !runs.empty() && runs.front()->rounds.size() <= 1;
    gp << (first ? "" : ", \\\n     ") << data << " using 1:" << column << " with "
       << (baseline ? "lines dashtype 2" : "linespoints") << " linewidth 2 title " << detail_plot::quote(name + " dev");
    bool has_ta = false;
    for (const auto* r : runs)
      for (const auto& rr : r->rounds) has_ta = has_ta || rr.ta_accuracy.has_value();
    if (has_ta)
      gp << ", \\\n     " << data << " using 1:" << column + 1 << " axes x1y2 with linespoints dashtype 3 title "
         << detail_plot::quote(name + " TA accuracy");
    column += 2;
    first = false;
  }
  gp << "\n";
  gpta::detail::write_file_atomic(dir / "plot.gp", gp.str());

  return detail_plot::render(dir, "plot");
}

/// One point of a curve: a strategy's mean and sd over seeds at one training size.
struct curve_point {
  double size = 0, test_mean = 0, test_sd = 0, gap_mean = 0, gap_sd = 0;
};

/// Writes `<dir>/curve.{tsv,gp}` and renders `<dir>/curve.png`: test score against training
/// size (log scale) with error bars (sd over seeds), one line per strategy, and below it the
/// train - dev gap of the same runs. Returns the PNG's path, or nothing without gnuplot.
inline std::optional<std::filesystem::path> write_curve_plot(const std::filesystem::path& dir,
                                                             const std::map<std::string, std::vector<curve_point>>& lines,
                                                             const std::string& title, const std::string& size_label,
                                                             const std::string& metric) {
  std::ostringstream tsv, gp;
  tsv << "# strategy blocks (two blank lines apart): size test_mean test_sd gap_mean gap_sd\n";
  for (const auto& [name, points] : lines) {
    tsv << "# " << name << "\n";
    for (const auto& p : points)
      tsv << p.size << "\t" << p.test_mean << "\t" << p.test_sd << "\t" << p.gap_mean << "\t" << p.gap_sd << "\n";
    tsv << "\n\n";
  }
  gpta::detail::write_file_atomic(dir / "curve.tsv", tsv.str());
  const std::string data = detail_plot::quote((dir / "curve.tsv").string());
  const auto panel = [&](int mean_col, const std::string& ylabel) {
    gp << "set ylabel " << detail_plot::quote(ylabel) << "\nplot ";
    int block = 0;
    for (const auto& [name, points] : lines) {
      gp << (block ? ", \\\n     " : "") << data << " index " << block << " using 1:" << mean_col << ":" << mean_col + 1
         << " with yerrorlines linewidth 2 title " << detail_plot::quote(name);
      ++block;
    }
    gp << "\n";
  };
  gp << "set terminal pngcairo size 900,800 noenhanced\n"
     << "set output " << detail_plot::quote((dir / "curve.png").string()) << "\n"
     << "set multiplot layout 2,1 title " << detail_plot::quote(title) << "\n"
     << "set logscale x 2\nset offsets graph 0.05, graph 0.05, 0, 0\nset grid\nset key outside right top\nset xlabel " << detail_plot::quote(size_label) << "\n";
  panel(2, "test " + metric + " (mean ± sd over seeds)");
  panel(4, "train - dev " + metric + " (over-fitting)");
  gp << "unset multiplot\n";
  gpta::detail::write_file_atomic(dir / "curve.gp", gp.str());
  return detail_plot::render(dir, "curve");
}

}  // namespace gpta::cli
