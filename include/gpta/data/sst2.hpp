// Loader for SST-2 as GLUE packages it: a TSV with a header, one sentence or phrase and a 0/1
// label per row. Streaming; every malformed row is an error naming file:line.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <gpta/data/example.hpp>
#include <gpta/data/fields.hpp>
#include <gpta/data/line_reader.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

/// Load SST-2 `train.tsv` (or GLUE `dev.tsv`): header `sentence<TAB>label` (GLUE) or
/// `text<TAB>label` (a common renaming), then `text<TAB>label` rows without quoting, label
/// 0 = negative, 1 = positive. Text is trimmed of ASCII whitespace at both ends (GLUE rows carry
/// a trailing space); nothing else is changed, so the text stays lowercased PTB tokens.
///
/// Throws data_error: file_not_found; empty_dataset (no header or no rows); bad_header;
/// bad_record (not exactly 2 columns, empty text); bad_label (not 0/1: the unlabelled GLUE
/// `test.tsv`, whose columns are really index<TAB>sentence, fails here with a hint saying so);
/// encoding_error; io_error.
[[nodiscard]] inline text_dataset load_sst2(const std::filesystem::path& tsv, const line_reader_options& options = {}) {
  line_reader in(tsv, options);
  text_dataset d;
  d.name = "sst2";
  d.source = tsv.string();
  d.label_names = {"negative", "positive"};

  std::string line;
  if (!in.next(line)) in.fail_at(errc::empty_dataset, 0, "file is empty; expected the header 'sentence<TAB>label'");
  if (line != "sentence\tlabel" && line != "text\tlabel") {
    in.fail(errc::bad_header, "expected the header 'sentence<TAB>label' or 'text<TAB>label', got " +
                                  detail::quoted_excerpt(line));
  }

  while (in.next(line)) {
    const std::string_view row = line;
    const std::size_t tab = row.find('\t');
    if (tab == std::string_view::npos || row.find('\t', tab + 1) != std::string_view::npos) {
      std::size_t columns = 1;
      for (char c : row) columns += (c == '\t');
      in.fail(errc::bad_record,
              "expected 2 tab-separated columns (text, label), got " + std::to_string(columns));
    }
    const std::string_view first = row.substr(0, tab);
    const std::string_view label_text = detail::trim_ascii(row.substr(tab + 1));
    const auto label = detail::parse_label_token(label_text);
    if (!label || *label > 1) {
      std::string hint;
      if (detail::parse_label_token(detail::trim_ascii(first))) {
        hint = " (the first column looks like a row index: this looks like the unlabelled GLUE test.tsv, "
               "whose columns are index<TAB>sentence despite its header; it cannot be loaded as labelled data)";
      }
      in.fail(errc::bad_label, "label must be 0 or 1, got " + detail::quoted_excerpt(label_text) + hint);
    }
    const std::string_view text = detail::trim_ascii(first);
    if (text.empty()) in.fail(errc::bad_record, "empty text");
    d.examples.push_back(text_example{std::string(text), *label});
  }
  detail::note_replacements(d, in.replacements(), tsv);
  detail::require_examples(d, tsv);
  return d;
}

}  // namespace gpta::data
