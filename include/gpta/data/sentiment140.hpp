// Loader for the Sentiment140 tweets CSV (polarity 0/2/4), as binary sentiment without neutral
// or 3-way. Reads the common 2-column cut (polarity,text) and the original 6-column layout.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/data/csv.hpp>
#include <gpta/data/example.hpp>
#include <gpta/data/fields.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

/// binary: drop neutral (2), 0 -> negative (0), 4 -> positive (1). three_way: 0/2/4 ->
/// negative/neutral/positive (0/1/2).
enum class sentiment140_mode { binary, three_way };

/// Load a header-less Sentiment140 CSV. Rows are `polarity,text` or the original
/// `polarity,id,date,query,user,text`; every row must have the first row's column count.
/// Tweets are kept as written apart from trimming ASCII whitespace at both ends: HTML entities
/// such as `&lt;` stay encoded, because that is how the corpus was distributed and scored.
///
/// Throws data_error: file_not_found; bad_record (column count other than 2 or 6, or not the
/// first row's; empty text); bad_label (polarity not 0/2/4); parse_error (CSV quoting; names
/// the line where the record started); empty_dataset; encoding_error; io_error.
[[nodiscard]] inline text_dataset load_sentiment140(const std::filesystem::path& file,
                                                    sentiment140_mode mode = sentiment140_mode::binary,
                                                    const line_reader_options& options = {}) {
  csv_reader in(file, csv_options{',', '"', options});
  const bool binary = mode == sentiment140_mode::binary;
  text_dataset d;
  d.name = binary ? "sentiment140" : "sentiment140_3way";
  d.source = file.string();
  d.label_names = binary ? std::vector<std::string>{"negative", "positive"}
                         : std::vector<std::string>{"negative", "neutral", "positive"};

  std::vector<std::string> fields;
  std::size_t columns = 0;
  std::size_t neutral = 0;
  while (in.next(fields)) {
    if (columns == 0) {
      if (fields.size() != 2 && fields.size() != 6) {
        in.fail(errc::bad_record, "expected 2 columns (polarity,text) or 6 (polarity,id,date,query,user,text), got " +
                                      std::to_string(fields.size()));
      }
      columns = fields.size();
    } else if (fields.size() != columns) {
      in.fail(errc::bad_record, "expected " + std::to_string(columns) + " columns like the first row, got " +
                                    std::to_string(fields.size()));
    }
    const std::string_view polarity = detail::trim_ascii(fields.front());
    const auto p = detail::parse_label_token(polarity);
    if (!p || (*p != 0 && *p != 2 && *p != 4)) {
      in.fail(errc::bad_label, "polarity must be 0, 2 or 4, got " + detail::quoted_excerpt(polarity));
    }
    const std::string_view text = detail::trim_ascii(fields.back());
    if (text.empty()) in.fail(errc::bad_record, "empty text");
    if (binary && *p == 2) {
      ++neutral;
      continue;
    }
    d.examples.push_back(text_example{std::string(text), binary ? *p / 4 : *p / 2});
  }
  if (binary) {
    d.skipped = neutral;
    d.notes.push_back("binary mode: dropped " + std::to_string(neutral) +
                      " neutral rows (polarity 2); mapped 0 -> negative (0), 4 -> positive (1)");
  }
  detail::note_replacements(d, in.replacements(), file);
  detail::require_examples(d, file);
  return d;
}

}  // namespace gpta::data
