// The extractive lead baseline of summarisation papers: the document's first k sentences
// (lead-3 for CNN/DailyMail, lead-1 for XSum), one per line, as ROUGE-Lsum expects.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gpta {

/// Sentences of `text`: a newline ends one; so does '.', '!' or '?' (with any closing quotes or
/// brackets) followed by white space. Leading/trailing white space is trimmed; empty ones dropped.
[[nodiscard]] inline std::vector<std::string> split_sentences(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  const auto flush = [&] {
    std::size_t b = cur.find_first_not_of(" \t\r");
    std::size_t e = cur.find_last_not_of(" \t\r");
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      flush();
      continue;
    }
    cur += c;
    if (c == '.' || c == '!' || c == '?') {
      std::size_t j = i + 1;
      while (j < text.size() && (text[j] == '"' || text[j] == '\'' || text[j] == ')' || text[j] == ']')) cur += text[j++];
      if (j == text.size() || text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r') {
        flush();
        i = j - 1;
      } else {
        i = j - 1;
      }
    }
  }
  flush();
  return out;
}

/// The first `k` sentences joined with '\n'.
[[nodiscard]] inline std::string lead_summary(std::string_view text, std::size_t k) {
  const auto s = split_sentences(text);
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < k; ++i) {
    if (i) out += '\n';
    out += s[i];
  }
  return out;
}

}  // namespace gpta
