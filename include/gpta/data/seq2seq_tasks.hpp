// Summarisation task names to files and to task descriptions: the one place that knows where each
// summarisation dataset lives in the shared datasets folder and what a user would tell the TA.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <gpta/core/task_info.hpp>
#include <gpta/data/cnn_dailymail.hpp>
#include <gpta/data/xsum.hpp>

namespace gpta::data {

/// cnndm: CNN/DailyMail 3.0.0 validation rows (800); xsum: XSum test rows (800). Dev and test
/// splits are carved from these pools (seq2seq_low_resource_split).
inline constexpr std::array<std::string_view, 2> known_seq2seq_tasks{"cnndm", "xsum"};

[[nodiscard]] inline bool is_seq2seq_task(std::string_view task) {
  for (const auto t : known_seq2seq_tasks)
    if (t == task) return true;
  return false;
}

namespace detail {
[[noreturn]] inline void unknown_seq2seq_task(const char* component, std::string_view task) {
  throw std::invalid_argument(std::string(component) + ": unknown summarisation task \"" + std::string(task) +
                              "\"; valid names: cnndm, xsum");
}
}  // namespace detail

[[nodiscard]] inline std::filesystem::path seq2seq_task_path(std::string_view task, const std::filesystem::path& data_dir) {
  if (task == "cnndm") return data_dir / "cnn_dailymail" / "validation.shared.jsonl";
  if (task == "xsum") return data_dir / "xsum" / "test.shared.jsonl";
  detail::unknown_seq2seq_task("gpta::data::seq2seq_task_path", task);
}

/// The lead a task's extractive baseline takes and its summaries are checked against for copying:
/// lead-3 for CNN/DailyMail (three or four highlights), lead-1 for XSum (one sentence).
[[nodiscard]] inline std::size_t seq2seq_task_lead_sentences(std::string_view task) {
  if (task == "cnndm") return 3;
  if (task == "xsum") return 1;
  detail::unknown_seq2seq_task("gpta::data::seq2seq_task_lead_sentences", task);
}

[[nodiscard]] inline seq2seq_dataset load_seq2seq_task(std::string_view task, const std::filesystem::path& data_dir) {
  const auto path = seq2seq_task_path(task, data_dir);
  return task == "cnndm" ? load_cnn_dailymail_jsonl(path) : load_xsum_jsonl(path);
}

/// Any file of a summarisation task's format (an official test file, say): cnndm reads JSONL rows
/// (`article`, `highlights`) or a folder of `.story` files, xsum JSONL rows (`document`,
/// `summary`). Errors name the file and line.
[[nodiscard]] inline seq2seq_dataset load_seq2seq_file(std::string_view task, const std::filesystem::path& path) {
  if (task == "cnndm")
    return std::filesystem::is_directory(path) ? load_cnn_stories(path) : load_cnn_dailymail_jsonl(path);
  if (task == "xsum") return load_xsum_jsonl(path);
  detail::unknown_seq2seq_task("gpta::data::load_seq2seq_file", task);
}

/// Provenance and the look of the documents and summaries, never a document's text.
[[nodiscard]] inline task_info default_seq2seq_task_info(std::string_view task) {
  task_info info;
  info.name = std::string(task);
  info.domain = "news summarisation";
  if (task == "cnndm") {
    info.task_type = "abstractive news summarisation (highlights)";
    info.description =
        "English news articles from CNN and the Daily Mail (CNN/DailyMail 3.0.0), several hundred words each, "
        "often starting with a location and agency line. Each article comes with its bullet-point highlights "
        "written by the journalists: three or four short sentences, one per line, that repeat the article's key "
        "facts, names and numbers, often reusing its phrases.";
    info.output_format = "three or four short highlight sentences, one per line";
  } else if (task == "xsum") {
    info.task_type = "extreme abstractive news summarisation (one sentence)";
    info.description =
        "English news articles from the BBC (XSum), a few hundred words each, one sentence per line. Each article "
        "is paired with its introductory sentence, written by the journalist, which was removed from the article: "
        "a single sentence of about 20 words that says what the article is about and is usually not a copy of any "
        "sentence in it.";
    info.output_format = "one sentence of about 20 words";
  } else {
    detail::unknown_seq2seq_task("gpta::data::default_seq2seq_task_info", task);
  }
  return info;
}

}  // namespace gpta::data
