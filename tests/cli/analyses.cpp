// gpta-test-labels: integration cli
// gpta-test-seconds: 25
// The analysis commands end to end on the shared SST-2 / Yelp files with the bow student (fast)
// and, where a strategy consults the TA, a scripted TA on loopback:
//   - `train --eval-file` and `eval --run` score the same best (prefix, weights) identically, the
//     second from the weights the run left on disk; a compare folder is evaluated run by run;
//   - `curve` records every size x strategy x seed with its train - dev gap, paired against none;
//   - `transfer` fills its source x target matrix for both modes;
//   - `report` turns each folder into one well-formed HTML page with the plots embedded.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cctype>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include <unistd.h>

#include "support/llm_test_server.hpp"
#include "support/run_command.hpp"

namespace fs = std::filesystem;

namespace {

using gpta::test::run_command;
using gpta::test::slurp;

const std::string gpta_bin = GPTA_TEST_BINARY_DIR "/bin/gpta";
const std::string data_dir = GPTA_TEST_SHARED_DATA_DIR;
// The held-out file: Yelp reviews in Yelp's layout, scored with an SST-2 run (--format yelp). The
// shared SST-2 test.tsv is GLUE's unlabelled one and cannot be scored.
const std::string held_out = data_dir + "/yelp_polarity/yelp";
// Small, fast settings shared by every command here.
const std::string bow = " --student bow --data-dir " + data_dir +
                        " --k-per-class 8 --dev-per-class 16 --test-size 200 --rounds 2 --epochs 2 --batch-size 8 --quiet";

fs::path fresh(const std::string& name) { return gpta::test::fresh_path("cli_" + name); }

boost::json::value read_json(const fs::path& p) { return boost::json::parse(slurp(p)); }

/// The line of `output` that starts with `prefix`, or "".
std::string line_starting(const std::string& output, const std::string& prefix) {
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);)
    if (l.rfind(prefix, 0) == 0) return l;
  return "";
}

/// A scripted TA: the first request of a conversation gets one prefix, feedback turns two.
gpta::test::llm_test_server scripted_ta() {
  using gpta::test::server_action;
  return gpta::test::llm_test_server([](const gpta::test::recorded_request& req, std::size_t) {
    if (req.json().at("messages").as_array().size() <= 2)
      return server_action::ok("<prefix>great film or awful film</prefix>");
    return server_action::ok("<prefix>a review of a movie</prefix>\n<prefix>good bad boring moving</prefix>");
  });
}

/// Well-formed HTML: every non-void element closed in order, no stray closing tag, one html and
/// body element, and every image an embedded PNG (at least one where the folder has a plot) (its base64 starts with the PNG signature).
void check_html(const std::string& html, bool has_plot) {
  static const std::set<std::string> void_elements{"meta", "img", "br", "hr", "link", "input"};
  std::vector<std::string> open;
  std::size_t images = 0;
  BOOST_TEST(html.rfind("<!DOCTYPE html>", 0) == 0u);
  // A plain scan (std::regex recurses per character and overflows on the embedded images).
  for (std::size_t at = html.find('<', 1); at != std::string::npos; at = html.find('<', at + 1)) {
    const std::size_t end = html.find('>', at);
    BOOST_TEST_REQUIRE(end != std::string::npos, "unclosed tag at " << at);
    const bool closing = html[at + 1] == '/';
    std::size_t n = at + (closing ? 2 : 1), e = n;
    while (e < end && std::isalnum(static_cast<unsigned char>(html[e]))) ++e;
    BOOST_TEST_REQUIRE(e > n, "a '<' that starts no tag at " << at << ": " << html.substr(at, 40));
    const std::string name = html.substr(n, e - n), attrs = html.substr(e, end - e);
    at = end;
    if (name == "img") {
      ++images;
      BOOST_TEST(attrs.find("src=\"data:image/png;base64,iVBORw0KGgo") != std::string::npos);
    }
    if (void_elements.count(name)) continue;
    if (closing) {
      BOOST_TEST_REQUIRE(!open.empty(), "stray </" << name << ">");
      BOOST_TEST_REQUIRE(open.back() == name, "</" << name << "> closes <" << open.back() << ">");
      open.pop_back();
    } else {
      open.push_back(name);
    }
  }
  BOOST_TEST(open.empty());
  BOOST_TEST(html.find("<script") == std::string::npos);
  BOOST_TEST(html.find("src=\"http") == std::string::npos);  // self-contained
  if (has_plot && std::system("command -v gnuplot >/dev/null 2>&1") == 0) BOOST_TEST(images >= 1u);
  if (!has_plot) BOOST_TEST(images == 0u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(eval_from_disk_matches_the_runs_own_eval_file_score) {
  const fs::path out = fresh("eval_run");
  const auto train = run_command(gpta_bin + " train --task sst2 --strategy fixed --prefix 'a movie review'" + bow +
                                 " --eval-file " + held_out + " --eval-format yelp --out " + out.string());
  BOOST_TEST_REQUIRE(train.status == 0, train.output);
  const std::string in_run = line_starting(train.output, "on " + held_out);
  BOOST_TEST_REQUIRE(!in_run.empty(), train.output);
  BOOST_TEST(in_run.find("(yelp, ") != std::string::npos, in_run);
  BOOST_TEST(in_run.find(" examples): accuracy ") != std::string::npos, in_run);
  BOOST_TEST_REQUIRE(fs::exists(out / "best" / "student.ckpt"));
  fs::remove(out / "eval" / "yelp.json");

  const auto eval = run_command(gpta_bin + " eval --run " + out.string() + " --format yelp --file " + held_out);
  BOOST_TEST_REQUIRE(eval.status == 0, eval.output);
  BOOST_TEST(line_starting(eval.output, "on " + held_out) == in_run, eval.output);
  BOOST_TEST(eval.output.find("prefix \"a movie review\"") != std::string::npos, eval.output);
  const auto rec = read_json(out / "eval" / "yelp.json");
  BOOST_TEST(in_run.find("(yelp, " + std::to_string(rec.at("result").at("count").to_number<int>()) + " examples)") !=
             std::string::npos);
  BOOST_TEST(rec.at("prefix").as_string() == "a movie review");

  // Wrong task, wrong format, no run: one error line each, naming what is wrong.
  const auto task = run_command(gpta_bin + " eval --run " + out.string() + " --task yelp --format yelp --file " + held_out);
  BOOST_TEST(task.status != 0);
  BOOST_TEST(task.output.find("is a run of 'sst2'") != std::string::npos, task.output);
  const auto format = run_command(gpta_bin + " eval --run " + out.string() + " --format sst2 --file " + held_out);
  BOOST_TEST(format.status != 0);
  BOOST_TEST(format.output.find("error: " + held_out + ":") != std::string::npos, format.output);
  const auto none = run_command(gpta_bin + " eval --run " + out.string() + "/missing --format yelp --file " + held_out);
  BOOST_TEST(none.status != 0);
  BOOST_TEST(none.output.find("missing/run.json") != std::string::npos, none.output);
  fs::remove_all(out);
}

BOOST_AUTO_TEST_CASE(compare_scores_every_run_on_the_eval_file_and_eval_reads_the_folder_back) {
  const fs::path out = fresh("compare_eval");
  const auto cmp = run_command(gpta_bin + " compare --task sst2 --strategies none,fixed --seeds 1,2" + bow +
                               " --eval-file " + held_out + " --eval-format yelp --out " + out.string());
  BOOST_TEST_REQUIRE(cmp.status == 0, cmp.output);
  BOOST_TEST(cmp.output.find(" examples, --eval-file), accuracy") != std::string::npos, cmp.output);
  const std::string none_row = line_starting(cmp.output.substr(cmp.output.find("--eval-file), accuracy")), "none ");
  BOOST_TEST_REQUIRE(!none_row.empty(), cmp.output);
  const auto doc = read_json(out / "compare.json");
  for (const auto& row : doc.at("runs").as_array())
    BOOST_TEST(row.at("eval_files").as_array().at(0).at("count").to_number<int>() > 0);

  const auto eval = run_command(gpta_bin + " eval --run " + out.string() + " --format yelp --file " + held_out);
  BOOST_TEST_REQUIRE(eval.status == 0, eval.output);
  // The folder's four runs, then the per-strategy summary with the same means as compare printed.
  BOOST_TEST(std::count(eval.output.begin(), eval.output.end(), '\n') >= 4 * 3);
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_search(none_row, m, std::regex("[0-9.]+ ± [0-9.]+")), none_row);
  BOOST_TEST(eval.output.find("  none            2  " + m.str()) != std::string::npos, eval.output << "\nwant " << m.str());
  fs::remove_all(out);
}

BOOST_AUTO_TEST_CASE(curve_records_sizes_strategies_seeds_and_the_over_fitting_gap_and_reports_them) {
  auto ta = scripted_ta();
  const fs::path out = fresh("curve");
  const auto r = run_command(gpta_bin + " curve --task sst2 --k 4,8 --strategies none,dialogue --seeds 1,2" + bow +
                             " --candidates 2 --probe-steps 2 --probe-dev 8 --ta-format tags --ta-base-url " +
                             ta.base_url() + " --out " + out.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  const auto doc = read_json(out / "curve.json");
  BOOST_TEST(doc.at("format").as_string() == "gpta.curve/1");
  const auto& sizes = doc.at("sizes").as_array();
  BOOST_TEST_REQUIRE(sizes.size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(sizes[i].at("size").to_number<int>() == (i == 0 ? 4 : 8));
    const auto& strategies = sizes[i].at("strategies").as_array();
    BOOST_TEST_REQUIRE(strategies.size() == 2u);
    for (const auto& s : strategies) {
      const auto& runs = s.at("runs").as_array();
      BOOST_TEST_REQUIRE(runs.size() == 2u);
      double gap = 0;
      for (const auto& run : runs) {
        gap += run.at("train_score").to_number<double>() - run.at("dev_score").to_number<double>();
        BOOST_TEST(fs::exists(fs::path(std::string(run.at("run").as_string())) / "run.json"));
      }
      BOOST_TEST(s.at("gap_mean").to_number<double>() == gap / 2, boost::test_tools::tolerance(1e-12));
    }
    BOOST_TEST(sizes[i].at("paired_vs_none").as_array().at(0).at("strategy").as_string() == "dialogue");
  }
  BOOST_TEST(doc.at("ta_gain_correlation").is_object());
  BOOST_TEST(r.output.find("vs none: dialogue") != std::string::npos, r.output);

  const auto rep = run_command(gpta_bin + " report " + out.string());
  BOOST_TEST_REQUIRE(rep.status == 0, rep.output);
  const std::string html = slurp(out / "report.html");
  check_html(html, true);
  BOOST_TEST(html.find("<h2>Low-resource curve</h2>") != std::string::npos);
  fs::remove_all(out);
}

BOOST_AUTO_TEST_CASE(transfer_fills_the_source_by_target_matrix_in_both_modes) {
  auto ta = scripted_ta();
  const fs::path out = fresh("transfer");
  const auto r = run_command(gpta_bin + " transfer --from sst2 --to sst2,yelp --seeds 1,2" + bow +
                             " --candidates 2 --probe-steps 2 --probe-dev 8 --ta-format tags --ta-base-url " +
                             ta.base_url() + " --out " + out.string());
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  const auto doc = read_json(out / "transfer.json");
  const auto& cells = doc.at("cells").as_array();
  BOOST_TEST_REQUIRE(cells.size() == 4u);  // 2 modes x 1 source x 2 targets
  std::set<std::string> seen;
  for (const auto& c : cells) {
    seen.insert(std::string(c.at("mode").as_string()) + "/" + std::string(c.at("target").as_string()));
    const auto& none = c.at("none").as_array();
    const auto& with = c.at("with_prefix").as_array();
    BOOST_TEST_REQUIRE(none.size() == 2u);
    BOOST_TEST_REQUIRE(with.size() == 2u);
    const double gain = (with[0].to_number<double>() - none[0].to_number<double>() + with[1].to_number<double>() -
                         none[1].to_number<double>()) / 2;
    BOOST_TEST(c.at("mean_gain").to_number<double>() == gain, boost::test_tools::tolerance(1e-12));
  }
  BOOST_TEST(seen == (std::set<std::string>{"fixed/sst2", "fixed/yelp", "start/sst2", "start/yelp"}));
  // The source's learned prefix is what the fixed runs on the target trained with.
  const std::string learned(doc.at("sources").at(0).at("runs").at(0).at("prefix").as_string());
  const auto fixed_run = read_json(out / "target" / "yelp" / "fixed-from-sst2" / "seed-1" / "run.json");
  BOOST_TEST(fixed_run.at("result").at("best_prefix").as_string() == learned);
  const auto rep = run_command(gpta_bin + " report " + out.string());
  BOOST_TEST_REQUIRE(rep.status == 0, rep.output);
  check_html(slurp(out / "report.html"), false);
  fs::remove_all(out);
}
