// `gpta report DIR`: one self-contained HTML page (tables, and the plots embedded as data: URIs)
// from the records a `gpta compare`, `curve` or `transfer` run left in DIR. Readable offline, no
// script, no external resource.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/detail/error.hpp>
#include <gpta/train/trainer_state.hpp>

#include "cli.hpp"

namespace gpta::cli {

namespace {

std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += {table[(n >> 18) & 63], table[(n >> 12) & 63], table[(n >> 6) & 63], table[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    const auto n = static_cast<unsigned char>(bytes[i]) << 16;
    out += {table[(n >> 18) & 63], table[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {table[(n >> 18) & 63], table[(n >> 12) & 63], table[(n >> 6) & 63], '='};
  }
  return out;
}

/// A JSON value as table text: numbers with 4 decimals, null as "-", strings escaped.
std::string cell(const boost::json::value* v) {
  if (!v || v->is_null()) return "-";
  if (v->is_double()) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4f", v->as_double());
    return b;
  }
  if (v->is_string()) return escape(v->as_string());
  if (v->is_int64() || v->is_uint64() || v->is_bool()) return escape(boost::json::serialize(*v));
  return escape(boost::json::serialize(*v));
}

const boost::json::value* at(const boost::json::value& v, std::initializer_list<std::string_view> path) {
  const boost::json::value* cur = &v;
  for (const auto k : path) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(k);
    if (!cur) return nullptr;
  }
  return cur;
}

/// A table from an array of objects: one column per (header, key path).
void table(std::ostream& os, const boost::json::value* rows,
           const std::vector<std::pair<std::string, std::vector<std::string_view>>>& columns) {
  if (!rows || !rows->is_array() || rows->as_array().empty()) return;
  os << "<table>\n<tr>";
  for (const auto& [h, path] : columns) os << "<th>" << escape(h) << "</th>";
  os << "</tr>\n";
  for (const auto& r : rows->as_array()) {
    os << "<tr>";
    for (const auto& [h, path] : columns) {
      const boost::json::value* v = &r;
      for (const auto k : path) v = v && v->is_object() ? v->as_object().if_contains(k) : nullptr;
      os << "<td>" << cell(v) << "</td>";
    }
    os << "</tr>\n";
  }
  os << "</table>\n";
}

void image(std::ostream& os, const std::filesystem::path& png, const std::string& alt) {
  if (!std::filesystem::exists(png)) {
    os << "<p>(no plot: " << escape(png.filename().string()) << " was not rendered; gnuplot missing?)</p>\n";
    return;
  }
  std::ifstream in(png, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  os << "<p><img alt=\"" << escape(alt) << "\" src=\"data:image/png;base64," << base64(bytes.str()) << "\"></p>\n";
}

void config_section(std::ostream& os, const boost::json::value& doc) {
  const auto* config = at(doc, {"config"});
  if (!config || !config->is_object()) return;
  os << "<details><summary>configuration</summary>\n<table>\n";
  for (const auto& kv : config->as_object())
    os << "<tr><th>" << escape(kv.key()) << "</th><td>" << cell(&kv.value()) << "</td></tr>\n";
  os << "</table></details>\n";
}

void paired_table(std::ostream& os, const boost::json::value* paired) {
  table(os, paired,
        {{"strategy", {"strategy"}}, {"baseline", {"baseline"}}, {"seeds", {"seeds"}},
         {"mean difference", {"mean_difference"}}, {"95% CI (seeds)", {"ci95"}}, {"p (seeds)", {"p_seeds"}},
         {"pooled examples", {"bootstrap", "examples"}}, {"95% CI (bootstrap)", {"bootstrap", "ci95"}},
         {"p (bootstrap)", {"bootstrap", "p"}}});
}

void correlation_section(std::ostream& os, const boost::json::value* corr) {
  if (!corr || !corr->is_object()) return;
  os << "<h3>TA accuracy and the student's gain</h3>\n<p>" << cell(at(*corr, {"pairs"}))
     << " (round r, round r+1) pairs: Pearson " << cell(at(*corr, {"pearson", "r"})) << " "
     << cell(at(*corr, {"pearson", "ci95"})) << ", p " << cell(at(*corr, {"pearson", "p"})) << "; Spearman "
     << cell(at(*corr, {"spearman", "r"})) << " " << cell(at(*corr, {"spearman", "ci95"})) << ", p "
     << cell(at(*corr, {"spearman", "p"})) << ".</p>\n";
  table(os, at(*corr, {"ta_accuracy_by_round"}),
        {{"round", {"round"}}, {"runs", {"runs"}}, {"TA accuracy (mean)", {"mean"}}, {"sd", {"sd"}}});
}

void compare_section(std::ostream& os, const boost::json::value& doc, const std::filesystem::path& dir) {
  os << "<h2>Comparison</h2>\n";
  config_section(os, doc);
  table(os, at(doc, {"runs"}),
        {{"strategy", {"strategy"}}, {"seed", {"seed"}}, {"metric", {"test_metric"}}, {"test score", {"test_score"}},
         {"best round", {"best_round"}}, {"TA accuracy", {"ta_accuracy"}}, {"TA tokens", {"ta_tokens"}},
         {"exposed", {"examples_exposed"}}, {"best prefix", {"best_prefix"}}});
  if (const auto* lead = at(doc, {"lead_baseline"}))
    os << "<p>extractive baseline " << cell(at(*lead, {"name"})) << ": " << cell(at(*lead, {"figures"})) << "</p>\n";
  os << "<h3>Paired against none</h3>\n";
  paired_table(os, at(doc, {"paired_vs_none"}));
  correlation_section(os, at(doc, {"ta_gain_correlation"}));
  image(os, dir / "plot.png", "dev score by round");
}

void curve_section(std::ostream& os, const boost::json::value& doc, const std::filesystem::path& dir) {
  os << "<h2>Low-resource curve</h2>\n<p>test " << cell(at(doc, {"metric"})) << " by "
     << cell(at(doc, {"size_unit"})) << "; the gap is the best weights' train score minus their dev score.</p>\n";
  config_section(os, doc);
  if (const auto* sizes = at(doc, {"sizes"}); sizes && sizes->is_array())
    for (const auto& s : sizes->as_array()) {
      os << "<h3>size " << cell(at(s, {"size"})) << "</h3>\n";
      table(os, at(s, {"strategies"}),
            {{"strategy", {"strategy"}}, {"test mean", {"test_mean"}}, {"test sd", {"test_sd"}},
             {"train - dev gap", {"gap_mean"}}, {"gap sd", {"gap_sd"}}});
      paired_table(os, at(s, {"paired_vs_none"}));
    }
  correlation_section(os, at(doc, {"ta_gain_correlation"}));
  image(os, dir / "curve.png", "test score by training size");
}

void transfer_section(std::ostream& os, const boost::json::value& doc) {
  os << "<h2>Prefix transfer</h2>\n<p>" << cell(at(doc, {"strategy"}))
     << " prefixes learned on each source, used on each target; gain in test " << cell(at(doc, {"metric"}))
     << " over none on the target, paired by seed.</p>\n";
  config_section(os, doc);
  table(os, at(doc, {"sources"}), {{"source", {"task"}}, {"runs (seed, prefix, test score)", {"runs"}}});
  table(os, at(doc, {"cells"}),
        {{"mode", {"mode"}}, {"source", {"source"}}, {"target", {"target"}}, {"seeds", {"seeds"}},
         {"mean gain", {"mean_gain"}}, {"95% CI", {"ci95"}}, {"p", {"p"}}});
}

}  // namespace

int cmd_report(const std::vector<std::string>& args) {
  arg_parser p("report");
  p.positional("DIR: a folder of gpta compare, curve or transfer")
      .option("out", "the HTML file to write (default: DIR/report.html)");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage();
    return 0;
  }
  if (p.positional().size() != 1)
    throw usage_error("report needs one DIR, got " + std::to_string(p.positional().size()));
  const std::filesystem::path dir = p.positional().front();
  const auto read = [&](const char* name) -> std::optional<boost::json::value> {
    const auto f = dir / name;
    if (!std::filesystem::exists(f)) return std::nullopt;
    return boost::json::value(gpta::detail::parse_object_file(f));
  };
  const auto compare = read("compare.json"), curve = read("curve.json"), transfer = read("transfer.json");
  if (!compare && !curve && !transfer)
    throw data_error(errc::file_not_found, dir, 0, "holds no compare.json, curve.json or transfer.json");
  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>gpta report: "
     << escape(dir.filename().string()) << "</title>\n<style>\n"
     << "body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}"
     << "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;"
     << "font-size:90%}th{background:#eee}img{max-width:100%}\n</style>\n</head>\n<body>\n<h1>gpta report: "
     << escape(std::filesystem::absolute(dir).string()) << "</h1>\n";
  if (compare) compare_section(os, *compare, dir);
  if (curve) curve_section(os, *curve, dir);
  if (transfer) transfer_section(os, *transfer);
  os << "</body>\n</html>\n";
  const std::filesystem::path out = p.has("out") ? std::filesystem::path(p.str("out")) : dir / "report.html";
  gpta::detail::write_file_atomic(out, os.str());
  std::cout << "report: " << out.string() << "\n";
  return 0;
}

}  // namespace gpta::cli
