// Scoring a run on files it never saw (`gpta eval --run DIR --file PATH`, `--eval-file PATH` of
// train and compare): each task's file formats, and the record one such evaluation leaves in the
// run folder (eval/<file name>.json, written atomically).
#pragma once

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/json.hpp>

#include <gpta/data/choice_example.hpp>
#include <gpta/data/race.hpp>
#include <gpta/data/registry.hpp>
#include <gpta/data/seq2seq_tasks.hpp>
#include <gpta/data/span_example.hpp>
#include <gpta/data/squad.hpp>
#include <gpta/detail/atomic_file.hpp>
#include <gpta/train/run_record.hpp>

#include "cli.hpp"
#include "ta.hpp"

namespace gpta::cli {

/// One file a run was scored on, with the best (prefix, weights) of the run.
struct file_eval {
  std::filesystem::path file;
  std::string format;  ///< the loader that read it (a sentiment benchmark's name, squad, race, cnndm, xsum)
  std::string prefix;
  eval_result result;
};

/// The formats `--format` accepts for `task`: any sentiment benchmark's file layout for a
/// sentiment task, the task's own layout otherwise.
inline std::vector<std::string> eval_formats(const std::string& task) {
  if (data::is_seq2seq_task(task) || task == "squad" || task == "race") return {task};
  std::vector<std::string> out;
  for (const auto t : data::known_tasks) out.emplace_back(t);
  return out;
}

/// Reads `file` as examples of `Example` in `format` (empty: the task's own).
template <class Example>
dataset<Example> load_eval_file(const std::string& task, const std::filesystem::path& file, std::string format) {
  if (format.empty()) format = task;
  const auto formats = eval_formats(task);
  if (std::find(formats.begin(), formats.end(), format) == formats.end())
    throw usage_error("flag --format: '" + format + "' is not a format of task '" + task + "' (" + joined(formats, "|") +
                      ")");
  if constexpr (std::is_same_v<Example, text_example>) {
    return data::load_task_file(format, file);
  } else if constexpr (std::is_same_v<Example, span_example>) {
    return data::load_squad(file);
  } else if constexpr (std::is_same_v<Example, choice_example>) {
    return data::load_race(file);
  } else {
    static_assert(std::is_same_v<Example, seq2seq_example>, "gpta eval: no file format for this example type");
    return data::load_seq2seq_file(task, file);
  }
}

/// `run_dir`/eval/<file name>.json: the file, its format, the prefix and the metrics.
inline std::filesystem::path record_file_eval(const std::filesystem::path& run_dir, const file_eval& e) {
  const auto dir = run_dir / "eval";
  std::filesystem::create_directories(dir);
  const auto out = dir / (e.file.filename().string() + ".json");
  const boost::json::object doc{{"format", "gpta.eval/1"},
                                {"file", std::filesystem::absolute(e.file).string()},
                                {"file_format", e.format},
                                {"prefix", e.prefix},
                                {"result", boost::json::value_from(e.result)}};
  gpta::detail::write_file_atomic(out, to_json_text(doc));
  return out;
}

/// One line per figure of an evaluation: the task's score, then its breakdown rows.
inline void print_file_eval(std::ostream& os, const file_eval& e) {
  os << "on " << e.file.string() << " (" << e.format << ", " << e.result.count << " examples): " << e.result.metric
     << " " << e.result.score;
  if (e.result.metric == "accuracy") os << ", macro-F1 " << e.result.macro_f1;
  for (const auto& row : e.result.per_class) os << "; " << row.label << " F1 " << row.f1;
  os << "\n";
}

}  // namespace gpta::cli
