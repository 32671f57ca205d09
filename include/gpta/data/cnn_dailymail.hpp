// Loaders for CNN/DailyMail: the original `.story` files (article paragraphs, then `@highlight` blocks)
// and the Hugging Face 3.0.0 rows as JSON Lines (`id`, `article`, `highlights`).
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/data/fields.hpp>
#include <gpta/data/line_reader.hpp>
#include <gpta/data/seq2seq_example.hpp>
#include <gpta/data/seq2seq_jsonl.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

/// One `.story` file. Lines are trimmed of ASCII whitespace and blank lines dropped. Lines before
/// the first `@highlight` are the article, one paragraph per line of `source` ('\n' between
/// them); every non-blank line after it is a highlight, as See et al. (2017) read these files.
/// The single reference is the highlights joined with '\n' (one per line, as ROUGE-Lsum wants).
/// `id` is the file name without `.story` (the SHA-1 of the story's URL).
///
/// Throws data_error naming the file and line: bad_record for an `@highlight` with no highlight
/// after it (at that marker's line), no article text before the first marker (line 0), or no
/// `@highlight` at all (line 0); file_not_found; encoding_error; io_error.
[[nodiscard]] inline seq2seq_example load_cnn_story(const std::filesystem::path& file,
                                                    const line_reader_options& options = {}) {
  line_reader in(file, options);
  seq2seq_example e;
  e.id = file.stem().string();
  std::string reference;
  std::size_t markers = 0;
  std::size_t open_marker = 0;  // line of an @highlight still waiting for its text (0: none)
  std::string line;
  while (in.next(line)) {
    const std::string_view t = detail::trim_ascii(line);
    if (t.empty()) continue;
    if (t == "@highlight") {
      if (open_marker != 0) in.fail_at(errc::bad_record, open_marker, "@highlight with no highlight text before the next @highlight");
      open_marker = in.line_number();
      ++markers;
      continue;
    }
    if (markers == 0) {
      if (!e.source.empty()) e.source += '\n';
      e.source += t;
    } else {
      if (!reference.empty()) reference += '\n';
      reference += t;
      open_marker = 0;
    }
  }
  if (open_marker != 0) in.fail_at(errc::bad_record, open_marker, "@highlight with no highlight text after it");
  if (markers == 0) in.fail_at(errc::bad_record, 0, "no @highlight line: not a .story file");
  if (e.source.empty()) in.fail_at(errc::bad_record, 0, "no article text before the first @highlight");
  e.references.push_back(std::move(reference));
  return e;
}

/// Every `*.story` file in `dir`, in file-name order (stable across file systems).
/// Throws data_error: file_not_found (no such directory), empty_dataset (no .story files), and
/// whatever load_cnn_story throws for a file.
[[nodiscard]] inline seq2seq_dataset load_cnn_stories(const std::filesystem::path& dir,
                                                      const line_reader_options& options = {}) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw data_error(errc::file_not_found, dir, 0, "no such directory");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".story") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw data_error(errc::empty_dataset, dir, 0, "no .story files");
  seq2seq_dataset d;
  d.name = "cnn_dailymail";
  d.source = dir.string();
  for (const auto& f : files) d.examples.push_back(load_cnn_story(f, options));
  return d;
}

/// CNN/DailyMail JSON Lines (`id`, `article`, `highlights`; a `split` field is ignored). The
/// highlights are already one per line; they become the single reference unchanged.
/// Throws as load_seq2seq_jsonl.
[[nodiscard]] inline seq2seq_dataset load_cnn_dailymail_jsonl(const std::filesystem::path& file,
                                                              const line_reader_options& options = {}) {
  return load_seq2seq_jsonl(file, {.id = "id", .source = "article", .reference = "highlights"}, "cnn_dailymail", options);
}

}  // namespace gpta::data
