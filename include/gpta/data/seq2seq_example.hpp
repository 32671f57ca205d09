// Example type for text-to-text tasks (summarisation): a source document, its reference outputs
// and the id the source dataset gives it, so predictions can be matched back to rows.
#pragma once

#include <string>
#include <vector>

#include <gpta/data/example.hpp>

namespace gpta {

/// One document with one or more references. Several references are kept apart (not joined)
/// because ROUGE against several references takes the best one per measure, not their union.
/// A CNN/DailyMail reference is its highlights joined with '\n', one highlight per line, which is
/// what ROUGE-Lsum splits sentences on.
struct seq2seq_example {
  std::string id;
  std::string source;
  std::vector<std::string> references;

  friend bool operator==(const seq2seq_example&, const seq2seq_example&) = default;
};

using seq2seq_dataset = dataset<seq2seq_example>;

}  // namespace gpta
