// Runtime prompt templates with named `{{placeholder}}`s: the text the TA reads is data users
// replace (strings or files), checked against the strategy's known names when it is constructed.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gpta/detail/error.hpp>
#include <gpta/prompt/sanitize.hpp>

namespace gpta {

/// Values for prompt_template::render, by placeholder name.
using template_values = std::map<std::string, std::string, std::less<>>;

/// A template is literal text with `{{name}}` placeholders (name: letters, digits, `_`; spaces
/// inside the braces are allowed). Values are inserted verbatim and never re-expanded, so text
/// from the TA that contains braces cannot inject placeholders. A literal `{{` cannot be written.
class prompt_template {
 public:
  prompt_template() = default;
  /// Throws std::invalid_argument naming `name` and the line of a malformed placeholder.
  prompt_template(std::string text, std::string name = "inline template")
      : text_(std::move(text)), name_(std::move(name)) {
    std::string error;
    std::size_t line = 0;
    if (!parse(error, line))
      throw std::invalid_argument("gpta::prompt_template: " + error + " in template '" + name_ + "' (line " +
                                  std::to_string(line) + ")");
  }
  // Lets options be written as `o.feedback_template = "...";`.
  prompt_template(const char* text) : prompt_template(std::string(text)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  /// The file it was loaded from, or a description; used in every error message.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] bool empty() const noexcept { return text_.empty(); }

  /// Distinct placeholder names in order of first use.
  [[nodiscard]] std::vector<std::string> placeholders() const {
    std::vector<std::string> out;
    for (const auto& p : pieces_)
      if (!p.placeholder.empty() && !uses_in(out, p.placeholder)) out.push_back(p.placeholder);
    return out;
  }
  [[nodiscard]] bool uses(std::string_view placeholder) const noexcept {
    for (const auto& p : pieces_)
      if (p.placeholder == placeholder) return true;
    return false;
  }

  /// Throws std::invalid_argument for the first placeholder not in `known` (a typo in a user's
  /// template is found when the strategy is built, not rounds later).
  void check_placeholders(std::span<const std::string_view> known, std::string_view component) const {
    for (const auto& p : pieces_) {
      if (p.placeholder.empty()) continue;
      bool found = false;
      for (const auto k : known) found = found || k == p.placeholder;
      if (found) continue;
      std::string list;
      for (const auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw std::invalid_argument(std::string(component) + ": unknown placeholder {{" + p.placeholder +
                                  "}} in template '" + name_ + "' (line " + std::to_string(p.line) +
                                  "); known placeholders: " + list);
    }
  }

  /// Throws std::invalid_argument naming the placeholder and the template when a value is missing.
  [[nodiscard]] std::string render(const template_values& values) const {
    std::string out;
    out.reserve(text_.size() + 64);
    for (const auto& p : pieces_) {
      out += p.literal;
      if (p.placeholder.empty()) continue;
      const auto it = values.find(p.placeholder);
      if (it == values.end())
        throw std::invalid_argument("gpta::prompt_template: no value for placeholder {{" + p.placeholder +
                                    "}} of template '" + name_ + "' (line " + std::to_string(p.line) + ")");
      out += it->second;
    }
    return out;
  }

 private:
  friend prompt_template load_template(const std::filesystem::path& path);

  struct piece {
    std::string literal;      ///< text before the placeholder
    std::string placeholder;  ///< empty for the trailing literal
    std::size_t line = 1;
  };

  struct unchecked {};
  prompt_template(unchecked, std::string text, std::string name) : text_(std::move(text)), name_(std::move(name)) {}

  static bool uses_in(const std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v)
      if (x == s) return true;
    return false;
  }
  static bool name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  /// Splits text_ into pieces; on failure sets `error` and the 1-based `line` and returns false.
  bool parse(std::string& error, std::size_t& line) {
    pieces_.clear();
    std::size_t pos = 0, current_line = 1;
    const auto advance_lines = [&](std::size_t from, std::size_t to) {
      for (std::size_t i = from; i < to; ++i) current_line += text_[i] == '\n';
    };
    for (;;) {
      const std::size_t open = text_.find("{{", pos);
      if (open == std::string::npos) {
        pieces_.push_back({text_.substr(pos), {}, current_line});
        return true;
      }
      advance_lines(pos, open);
      const std::size_t close = text_.find("}}", open + 2);
      if (close == std::string::npos) {
        error = "'{{' without a closing '}}'";
        line = current_line;
        return false;
      }
      std::string_view inner(text_.data() + open + 2, close - open - 2);
      while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
      while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
      bool valid = !inner.empty() && !(inner.front() >= '0' && inner.front() <= '9');
      for (const char c : inner) valid = valid && name_char(c);
      if (!valid) {
        error = "invalid placeholder name '{{" + std::string(inner) + "}}' (letters, digits and '_' only)";
        line = current_line;
        return false;
      }
      pieces_.push_back({text_.substr(pos, open - pos), std::string(inner), current_line});
      advance_lines(open, close + 2);
      pos = close + 2;
    }
  }

  std::string text_;
  std::string name_ = "inline template";
  std::vector<piece> pieces_{piece{}};
};

/// Reads a template file. The name used in later errors is the path. One final newline is dropped
/// (editors add it). Missing/unreadable files, invalid UTF-8 and malformed placeholders throw
/// gpta::data_error naming the file (and line).
[[nodiscard]] inline prompt_template load_template(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw data_error(errc::file_not_found, path, 0, "cannot open prompt template");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw data_error(errc::io_error, path, 0, "cannot read prompt template");
  std::string text = std::move(ss).str();
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = detail::utf8_sequence_length(text, i);
    if (len == 0)
      throw data_error(errc::encoding_error, path, line,
                       "prompt template is not valid UTF-8 (byte offset " + std::to_string(i) + ")");
    line += text[i] == '\n';
    i += len;
  }
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  prompt_template t(prompt_template::unchecked{}, std::move(text), path.string());
  std::string error;
  if (!t.parse(error, line)) throw data_error(errc::parse_error, path, line, "prompt template: " + error);
  return t;
}

}  // namespace gpta
