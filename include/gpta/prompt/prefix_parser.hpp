// Extracts prefixes from a teaching-assistant answer: every <prefix>...</prefix> block, cleaned
// and checked, plus the problems found, which become the text of a corrective turn.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/data/utf8.hpp>
#include <gpta/prompt/sanitize.hpp>
#include <gpta/prompt/token_estimate.hpp>

namespace gpta {

struct prefix_parse_options {
  /// Longest accepted prefix, in words (see count_words) or in `count`'s unit; 0 = no limit.
  std::size_t budget = 32;
  /// Length measure, e.g. the student tokenizer's token count. Empty: words.
  token_counter count;
  /// Keep at most this many prefixes (0 = all); later blocks are ignored without complaint.
  std::size_t max_prefixes = 0;
  /// For small TAs that ignore the tag format: an answer with neither tags nor a `prefix:`
  /// line that is one single line is taken whole as one block (same checks). Off by default.
  bool accept_bare_line = false;
};

struct prefix_parse_result {
  std::vector<std::string> prefixes;  ///< sanitised, non-empty, within budget, distinct, in answer order
  std::vector<std::string> problems;  ///< one sentence each, written for the TA to read

  [[nodiscard]] bool ok() const noexcept { return !prefixes.empty(); }
  [[nodiscard]] std::string summary() const {
    std::string s;
    for (const auto& p : problems) s += (s.empty() ? "" : "; ") + p;
    return s;
  }
};

namespace detail {

[[nodiscard]] inline char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

/// First case-insensitive occurrence of the lower-case ASCII `needle` at or after `from`.
[[nodiscard]] inline std::size_t find_ascii_ci(std::string_view hay, std::string_view needle,
                                              std::size_t from) noexcept {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && ascii_lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

/// True when `s` holds a letter or digit (any non-ASCII byte counts: it is part of a word).
[[nodiscard]] inline bool has_word_character(std::string_view s) noexcept {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x80 || (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')) return true;
  }
  return false;
}

/// The text of the first line reading `prefix: "..."` or `prefix: ...` (label case-insensitive,
/// surrounding quotes removed), if any.
[[nodiscard]] inline std::optional<std::string> labelled_prefix(std::string_view answer) {
  std::size_t line_start = 0;
  while (line_start <= answer.size()) {
    std::size_t line_end = answer.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = answer.size();
    std::string_view line = answer.substr(line_start, line_end - line_start);
    while (!line.empty() && (line.front() == ' ' || line.front() == '*' || line.front() == '-')) line.remove_prefix(1);
    if (line.size() > 7 && find_ascii_ci(line, "prefix:", 0) == 0) {
      std::string_view text = line.substr(7);
      while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
      while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
      if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
      if (!text.empty()) return std::string(text);
    }
    if (line_end == answer.size()) break;
    line_start = line_end + 1;
  }
  return std::nullopt;
}

}  // namespace detail

/// Parses every `<prefix>...</prefix>` block (tags case-insensitive). Each block's text goes
/// through gpta::sanitize_prefix (control characters out, whitespace collapsed and trimmed).
/// A block is rejected, with a problem recorded, when it is not valid UTF-8 (checked before
/// sanitising, which would otherwise hide it), empty after cleaning, or over budget. An
/// unclosed or re-opened tag is a problem; an answer without any block is one too.
/// Duplicates are dropped silently: they would only cost probes.
[[nodiscard]] inline prefix_parse_result parse_prefixes(std::string_view answer,
                                                       const prefix_parse_options& options = {}) {
  constexpr std::string_view open_tag = "<prefix>", close_tag = "</prefix>";
  const char* unit = options.count ? "tokens" : "words";
  prefix_parse_result out;
  std::size_t pos = 0, block = 0;
  for (;;) {
    const std::size_t open = detail::find_ascii_ci(answer, open_tag, pos);
    if (open == std::string_view::npos) break;
    const std::size_t start = open + open_tag.size();
    const std::size_t close = detail::find_ascii_ci(answer, close_tag, start);
    const std::size_t reopen = detail::find_ascii_ci(answer, open_tag, start);
    ++block;
    const std::string which = "prefix " + std::to_string(block);
    if (close == std::string_view::npos) {
      out.problems.push_back(which + " has a <prefix> tag that is never closed with </prefix>");
      break;
    }
    if (reopen < close) {
      out.problems.push_back(which + " opens <prefix> again before closing it");
      pos = reopen;
      continue;
    }
    pos = close + close_tag.size();
    const std::string_view raw = answer.substr(start, close - start);
    if (const std::size_t bad = data::utf8_invalid_offset(raw); bad != std::string_view::npos) {
      out.problems.push_back(which + " is not valid UTF-8 (byte " + std::to_string(bad) + " of the block)");
      continue;
    }
    std::string clean = sanitize_prefix(raw);
    if (clean.empty()) {
      out.problems.push_back(which + " is empty");
      continue;
    }
    if (!detail::has_word_character(clean)) {
      out.problems.push_back(which + " has no words (\"" + clean + "\")");
      continue;
    }
    const std::size_t length = measure_prefix(clean, options.count);
    if (options.budget != 0 && length > options.budget) {
      out.problems.push_back(which + " has " + std::to_string(length) + " " + unit + ", more than the limit of " +
                             std::to_string(options.budget));
      continue;
    }
    bool duplicate = false;
    for (const auto& p : out.prefixes) duplicate = duplicate || p == clean;
    if (duplicate) continue;
    if (options.max_prefixes != 0 && out.prefixes.size() >= options.max_prefixes) continue;
    out.prefixes.push_back(std::move(clean));
  }
  if (block == 0) {
    // Small instruction-tuned TAs often write `Prefix: "..."` instead of tags; that labelled
    // form is parsed as one block (same checks), anything looser is still refused.
    if (auto labelled = detail::labelled_prefix(answer)) {
      std::string tagged = "<prefix>" + *labelled + "</prefix>";
      prefix_parse_result again = parse_prefixes(tagged, options);
      if (again.ok()) return again;
      out.problems = std::move(again.problems);
      return out;
    }
    const std::string bare = sanitize_prefix(answer);
    if (options.accept_bare_line && !bare.empty() && answer.find_first_of("\n<") == std::string_view::npos) {
      prefix_parse_options strict = options;
      strict.accept_bare_line = false;
      return parse_prefixes("<prefix>" + bare + "</prefix>", strict);
    }
    out.problems.push_back("the answer has no <prefix>...</prefix> block");
  }
  return out;
}

}  // namespace gpta
