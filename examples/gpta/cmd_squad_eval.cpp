// `gpta squad-eval DATA.json PRED.json`: the official SQuAD v1.1 evaluation of {id: answer}
// predictions, printing {"exact_match": .., "f1": ..} on the 0-100 scale as evaluate-v1.1.py does.
#include <filesystem>
#include <iostream>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include <gpta/data/json_file.hpp>
#include <gpta/data/squad.hpp>
#include <gpta/detail/error.hpp>
#include <gpta/eval/squad_metric.hpp>

#include "cli.hpp"

namespace gpta::cli {

namespace {

/// `{id: answer text}`; anything else is a data_error naming the file and the offending id.
std::unordered_map<std::string, std::string> read_predictions(const std::filesystem::path& file) {
  const boost::json::value root = data::detail::parse_json_text(data::detail::read_file_bytes(file), file);
  const data::detail::json_fields f(file, errc::bad_header);
  const boost::json::object& o = f.object(root, "");
  std::unordered_map<std::string, std::string> out;
  out.reserve(o.size());
  for (const auto& kv : o) {
    const std::string id(kv.key());
    if (!kv.value().is_string()) {
      throw data_error(errc::bad_record, file, 0,
                       "prediction for id " + data::detail::json_excerpt(id) + ": expected a string answer, got " +
                           std::string(data::detail::json_kind(kv.value())));
    }
    out[id] = std::string(kv.value().get_string());  // a repeated key: the last one wins, as in Python's json
  }
  return out;
}

}  // namespace

int cmd_squad_eval(const std::vector<std::string>& args) {
  arg_parser p("squad-eval");
  p.positional("DATA.json PRED.json");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage()
              << "  DATA.json  SQuAD v1.1 data (official layout)\n"
                 "  PRED.json  predictions: a JSON object {question id: answer text}\n"
                 "prints {\"exact_match\": .., \"f1\": ..} (0-100); questions without a prediction score 0\n";
    return 0;
  }
  if (p.positional().size() != 2)
    throw usage_error("squad-eval needs DATA.json and PRED.json, got " + std::to_string(p.positional().size()) +
                      " argument(s)");
  const std::filesystem::path data_file = p.positional()[0], pred_file = p.positional()[1];
  data::squad_options options;
  options.check_offsets = false;  // the official metric reads answer texts only
  const span_dataset gold = data::load_squad(data_file, options);
  for (const auto& note : gold.notes) std::cerr << "warning: " << note << "\n";
  const auto predictions = read_predictions(pred_file);
  const squad_evaluation r = squad_evaluate(gold, predictions, &std::cerr);
  std::cout << squad_evaluation_json(r) << "\n";
  return 0;
}

}  // namespace gpta::cli
