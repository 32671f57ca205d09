// `gpta rouge --pred FILE --ref FILE`: ROUGE-1/2/L/Lsum of line-aligned predictions and references with
// rouge-score's semantics (gpta/eval/rouge.hpp), printed and optionally written as JSON.
#include <charconv>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <gpta/data/line_reader.hpp>
#include <gpta/data/seq2seq_jsonl.hpp>
#include <gpta/detail/error.hpp>
#include <gpta/eval/rouge.hpp>

#include "cli.hpp"

namespace gpta::cli {

namespace {

/// One entry per line: the line itself, or with a field name the line's JSON object's field.
/// A reference field may also hold an array of strings (several references for one prediction).
std::vector<std::vector<std::string>> read_texts(const std::filesystem::path& file, const std::optional<std::string>& field,
                                                 bool allow_many) {
  data::line_reader in(file);
  std::vector<std::vector<std::string>> out;
  std::string line;
  while (in.next(line)) {
    if (!field) {
      out.push_back({line});
      continue;
    }
    const boost::json::object row = data::detail::parse_jsonl_object(in, line);
    const boost::json::value* v = row.if_contains(*field);
    if (allow_many && v != nullptr && v->is_array()) {
      std::vector<std::string> refs;
      for (const boost::json::value& r : v->as_array()) {
        if (!r.is_string()) in.fail(errc::bad_record, "field \"" + *field + "\" must hold strings only");
        refs.emplace_back(r.as_string());
      }
      if (refs.empty()) in.fail(errc::bad_record, "field \"" + *field + "\" is an empty list");
      out.push_back(std::move(refs));
      continue;
    }
    out.push_back({data::detail::jsonl_string_field(in, row, *field)});
  }
  if (out.empty()) throw data_error(errc::empty_dataset, file, 0, "empty file: no texts to score");
  return out;
}

/// rouge-score's split_summaries analogue for texts written without newlines: a break after '.',
/// '!' or '?' followed by white space. A plain rule, not NLTK's Punkt ("U.S. officials" splits).
std::string split_sentences(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool end = (c == '.' || c == '!' || c == '?') && i + 1 < text.size() &&
                     (text[i + 1] == ' ' || text[i + 1] == '\t');
    out += c;
    if (end) {
      out += '\n';
      while (i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t')) ++i;
    }
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back the same double
  return std::string(buf, r.ptr);
}

std::string scores_json(const rouge_scores& s, std::size_t count, bool stem, bool lsum_split) {
  std::string j = "{\"count\": " + std::to_string(count) + ", \"use_stemmer\": " + (stem ? "true" : "false") +
                  ", \"split_sentences\": " + (lsum_split ? "true" : "false");
  for (rouge_measure m : rouge_all_measures) {
    const rouge_prf& v = rouge_get(s, m);
    j += ", \"" + std::string(rouge_measure_name(m)) + "\": {\"precision\": " + number(v.precision) +
         ", \"recall\": " + number(v.recall) + ", \"f1\": " + number(v.f1) + "}";
  }
  return j + "}";
}

}  // namespace

int cmd_rouge(const std::vector<std::string>& args) {
  arg_parser p("rouge");
  p.option("pred", "predictions: one text per line, or JSON Lines with --field")
      .option("ref", "references, line-aligned with --pred (with --field, the field may be a list of references)")
      .flag("stem", "Porter-stem tokens longer than 3 characters (rouge-score's use_stemmer)")
      .flag("lsum", "split texts into sentences after . ! ? for ROUGE-Lsum (texts' own newlines always split)")
      .option("field", "read JSON Lines and take this field of each object from both files")
      .option("out", "also write the JSON to this file");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage()
              << "prints {\"count\", \"use_stemmer\", \"split_sentences\", \"rouge1\"|\"rouge2\"|\"rougeL\"|\"rougeLsum\": "
                 "{\"precision\", \"recall\", \"f1\"}}: means over pairs, 0-1 scale; several references: best F per measure\n";
    return 0;
  }
  const std::filesystem::path pred_file = p.str("pred"), ref_file = p.str("ref");
  const std::optional<std::string> field = p.get("field");
  if (field && field->empty()) throw usage_error("flag --field needs a non-empty field name");
  const bool stem = p.has("stem"), lsum = p.has("lsum");
  const std::optional<std::string> out_file = p.get("out");

  const auto preds = read_texts(pred_file, field, /*allow_many=*/false);
  const auto refs = read_texts(ref_file, field, /*allow_many=*/true);
  if (preds.size() != refs.size()) {
    throw data_error(errc::length_mismatch, pred_file, 0,
                     "has " + std::to_string(preds.size()) + " texts but " + ref_file.string() + " has " +
                         std::to_string(refs.size()) + "; predictions and references must be line-aligned");
  }
  const rouge_options options{.use_stemmer = stem};
  std::vector<rouge_scores> per;
  per.reserve(preds.size());
  for (std::size_t i = 0; i < preds.size(); ++i) {
    std::string pred = preds[i][0];
    std::vector<std::string> rs = refs[i];
    if (lsum) {
      pred = split_sentences(pred);
      for (auto& r : rs) r = split_sentences(r);
    }
    per.push_back(rouge_multi(pred, rs, options));
  }
  const std::string json = scores_json(rouge_mean(per), per.size(), stem, lsum);
  std::cout << json << "\n";
  if (out_file) {
    std::ofstream out(*out_file, std::ios::binary | std::ios::trunc);
    out << json << "\n";
    out.close();
    if (!out) throw data_error(errc::io_error, *out_file, 0, "cannot write the scores");
  }
  return 0;
}

}  // namespace gpta::cli
