// Loader for XSum (Narayan et al., 2018) as JSON Lines: `id` (BBC id), `document` (sentences
// separated by '\n'), `summary` (the one-sentence reference).
#pragma once

#include <filesystem>

#include <gpta/data/line_reader.hpp>
#include <gpta/data/seq2seq_example.hpp>
#include <gpta/data/seq2seq_jsonl.hpp>

namespace gpta::data {

/// Load XSum rows. Ids may be strings or JSON integers (both end up as decimal strings); the
/// document is kept with its newlines so lead-1 and sentence-level use stay possible.
/// Throws as load_seq2seq_jsonl (errors name the file and line).
[[nodiscard]] inline seq2seq_dataset load_xsum_jsonl(const std::filesystem::path& file,
                                                     const line_reader_options& options = {}) {
  return load_seq2seq_jsonl(file, {.id = "id", .source = "document", .reference = "summary"}, "xsum", options);
}

}  // namespace gpta::data
