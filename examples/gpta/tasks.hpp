// The one list of task names the gpta tool knows (sentiment from data/registry.hpp, summarisation
// from data/seq2seq_tasks.hpp): --task, its --help text and every error message come from it.
#pragma once

#include <string>
#include <vector>

#include <gpta/data/registry.hpp>
#include <gpta/data/seq2seq_tasks.hpp>

namespace gpta::cli {

enum class task_kind { classification, summarization, reading };

struct task_entry {
  std::string name;
  task_kind kind;
};

inline std::vector<task_entry> all_tasks() {
  std::vector<task_entry> out;
  for (const auto t : data::known_tasks) out.push_back({std::string(t), task_kind::classification});
  for (const auto t : data::known_seq2seq_tasks) out.push_back({std::string(t), task_kind::summarization});
  out.push_back({"squad", task_kind::reading});
  out.push_back({"race", task_kind::reading});
  return out;
}

inline std::vector<std::string> task_names() {
  std::vector<std::string> out;
  for (const auto& t : all_tasks()) out.push_back(t.name);
  return out;
}

inline task_kind kind_of(const std::string& task) {
  for (const auto& t : all_tasks())
    if (t.name == task) return t.kind;
  return task_kind::classification;
}

/// What a task's training size counts: "training examples per class", "training questions", ...
inline std::string training_size_unit(const std::string& task) {
  switch (kind_of(task)) {
    case task_kind::summarization: return "training documents";
    case task_kind::reading: return "training questions";
    default: return "training examples per class";
  }
}

/// The training size field of a configuration (--k-per-class, --train-questions, --train-docs).
template <class Config>
auto& training_size_field(Config& c) {
  switch (kind_of(c.task)) {
    case task_kind::summarization: return c.train_docs;
    case task_kind::reading: return c.train_questions;
    default: return c.k_per_class;
  }
}

/// "16 training examples per class", "64 training questions", "16 training documents".
template <class Config>
std::string training_size(const Config& c) {
  return std::to_string(training_size_field(c)) + " " + training_size_unit(c.task);
}

/// --max-length when not given: 128 (sentiment), 640 (summarisation: documents), 384 (reading).
inline std::size_t default_max_length(const std::string& task) {
  switch (kind_of(task)) {
    case task_kind::summarization: return 640;
    case task_kind::reading: return 384;
    default: return 128;
  }
}

/// --summary-tokens when not given: 32 for squad (answers of a few words), else 96 (summaries).
inline std::size_t default_summary_tokens(const std::string& task) { return task == "squad" ? 32 : 96; }

/// The instruction `--strategy fixed` uses when --prefix is not given.
inline std::string default_fixed_prefix(const std::string& task) {
  if (task == "cnndm") return "Summarize this news article in three or four short highlight sentences.";
  if (task == "xsum") return "Summarize this news article in one sentence.";
  if (task == "squad") return "Answer the question with a short span copied from the paragraph.";
  if (task == "race") return "Choose the option that best answers the question about the passage.";
  return "Classify the sentiment of this movie review as positive or negative.";
}

/// The --task help text, grouped by kind.
inline std::string task_help() {
  std::string cls, sum, rc;
  for (const auto& t : all_tasks()) {
    auto& s = t.kind == task_kind::classification ? cls : t.kind == task_kind::summarization ? sum : rc;
    s += (s.empty() ? "" : " | ") + t.name;
  }
  return cls + " (sentiment) | " + sum + " (summarisation, --student qwen0.5b) | " + rc +
         " (reading comprehension, --student minilm or qwen0.5b)";
}

}  // namespace gpta::cli
