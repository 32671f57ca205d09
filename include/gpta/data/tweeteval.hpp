// Loader for TweetEval sentiment (SemEval-2017 4A): line-aligned <split>_text.txt and
// <split>_labels.txt plus mapping.txt, as 3-way data or as binary sentiment without neutral.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/data/example.hpp>
#include <gpta/data/fields.hpp>
#include <gpta/data/line_reader.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

/// binary: drop neutral (label 1), 0 -> negative (0), 2 -> positive (1), the way the GPTA paper
/// uses Twitter data. three_way: keep every row with mapping.txt's ids and names.
enum class tweeteval_mode { binary, three_way };

namespace detail {

/// mapping.txt: one `id<TAB>name` per line, ids 0..n-1 in order (so label i is names[i]).
[[nodiscard]] inline std::vector<std::string> read_tweeteval_mapping(const std::filesystem::path& file,
                                                                     const line_reader_options& options) {
  line_reader in(file, options);
  std::vector<std::string> names;
  std::string line;
  while (in.next(line)) {
    const std::string_view row = line;
    const std::size_t tab = row.find('\t');
    if (tab == std::string_view::npos) in.fail(errc::bad_record, "expected 'id<TAB>name', got " + quoted_excerpt(row));
    const auto id = parse_label_token(trim_ascii(row.substr(0, tab)));
    if (!id || static_cast<std::size_t>(*id) != names.size()) {
      in.fail(errc::bad_record, "expected id " + std::to_string(names.size()) + " (ids must count up from 0), got " +
                                    quoted_excerpt(row.substr(0, tab)));
    }
    const std::string_view name = trim_ascii(row.substr(tab + 1));
    if (name.empty()) in.fail(errc::bad_record, "empty label name");
    names.emplace_back(name);
  }
  if (names.empty()) in.fail_at(errc::empty_dataset, 0, "no labels in the mapping");
  return names;
}

// Reports both files and both lengths: which of the two is wrong is the user's call.
[[noreturn]] inline void tweeteval_length_mismatch(line_reader& longer, line_reader& shorter, std::string& scratch) {
  while (longer.next(scratch)) {
  }
  throw data_error(errc::length_mismatch, longer.path(), 0,
                   "has " + std::to_string(longer.line_number()) + " lines but " + shorter.path().string() + " has " +
                       std::to_string(shorter.line_number()) + "; text and label files must be line-aligned");
}

}  // namespace detail

/// Load `<dir>/<split>_text.txt` with `<dir>/<split>_labels.txt` (one integer per line) and
/// `<dir>/mapping.txt`. Tweets are raw (mentions as @user); they are only trimmed of ASCII
/// whitespace at both ends. In binary mode the mapping must read negative/neutral/positive.
///
/// Throws data_error: file_not_found; length_mismatch (naming both files); bad_label (not an
/// id of the mapping, at the labels file's line); bad_record (empty tweet, bad mapping line);
/// bad_header (binary mode with a mapping that is not negative/neutral/positive);
/// empty_dataset; encoding_error; io_error. std::invalid_argument for an empty split name.
[[nodiscard]] inline text_dataset load_tweeteval(const std::filesystem::path& dir,
                                                 tweeteval_mode mode = tweeteval_mode::binary,
                                                 std::string_view split = "val",
                                                 const line_reader_options& options = {}) {
  if (split.empty() || split.find('/') != std::string_view::npos) {
    throw std::invalid_argument("gpta::data::load_tweeteval: split must be a plain name such as \"val\", got \"" +
                                std::string(split) + "\"");
  }
  if (!std::filesystem::is_directory(dir)) throw data_error(errc::file_not_found, dir, 0, "no such directory");
  const std::filesystem::path mapping_file = dir / "mapping.txt";
  const std::filesystem::path text_file = dir / (std::string(split) + "_text.txt");
  const std::filesystem::path labels_file = dir / (std::string(split) + "_labels.txt");

  const std::vector<std::string> mapping = detail::read_tweeteval_mapping(mapping_file, options);
  const bool binary = mode == tweeteval_mode::binary;
  if (binary && mapping != std::vector<std::string>{"negative", "neutral", "positive"}) {
    std::string got;
    for (const auto& n : mapping) got += (got.empty() ? "" : ", ") + n;
    throw data_error(errc::bad_header, mapping_file, 0,
                     "binary mode needs the mapping 0 negative, 1 neutral, 2 positive; got " + got);
  }

  text_dataset d;
  d.name = binary ? "tweeteval" : "tweeteval_3way";
  d.source = dir.string();
  d.label_names = binary ? std::vector<std::string>{"negative", "positive"} : mapping;

  line_reader texts(text_file, options);
  line_reader labels(labels_file, options);
  std::string text_line, label_line;
  std::size_t neutral = 0;
  for (;;) {
    const bool has_text = texts.next(text_line);
    const bool has_label = labels.next(label_line);
    if (!has_text && !has_label) break;
    if (!has_label) detail::tweeteval_length_mismatch(texts, labels, text_line);
    if (!has_text) detail::tweeteval_length_mismatch(labels, texts, label_line);

    const std::string_view label_text = detail::trim_ascii(label_line);
    const auto label = detail::parse_label_token(label_text);
    if (!label || static_cast<std::size_t>(*label) >= mapping.size()) {
      labels.fail(errc::bad_label, "label must be an id of " + mapping_file.string() + " (0.." +
                                       std::to_string(mapping.size() - 1) + "), got " + detail::quoted_excerpt(label_text));
    }
    const std::string_view text = detail::trim_ascii(text_line);
    if (text.empty()) texts.fail(errc::bad_record, "empty tweet");
    if (binary && *label == 1) {
      ++neutral;
      continue;
    }
    d.examples.push_back(text_example{std::string(text), binary ? *label / 2 : *label});
  }
  if (binary) {
    d.skipped = neutral;
    d.notes.push_back("binary mode: dropped " + std::to_string(neutral) +
                      " neutral rows (label 1); mapped 0 -> negative (0), 2 -> positive (1)");
  }
  detail::note_replacements(d, texts.replacements(), text_file);
  detail::require_examples(d, text_file);
  return d;
}

}  // namespace gpta::data
