// Token <-> id table for students trained from scratch, with the four specials every student shares.
// Built deterministically from counts (count desc, then token asc); saved as one token per line.
#pragma once

#include <algorithm>
#include <climits>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <ranges>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <gpta/detail/atomic_file.hpp>

namespace gpta::text {

namespace detail {
/// Lets unordered_map<std::string, ...> be queried with a string_view without allocating.
struct transparent_string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class T>
concept string_like = std::convertible_to<const T&, std::string_view>;

/// A range whose elements are ranges of string-like tokens (e.g. vector<vector<string>>).
template <class R>
concept token_list_range = std::ranges::input_range<R> && std::ranges::input_range<std::ranges::range_reference_t<R>> &&
    string_like<std::ranges::range_value_t<std::ranges::range_value_t<R>>>;

template <class T>
concept text_tokenizer = requires(const T& t, std::string_view s) {
  { t.tokenize(s) } -> std::ranges::input_range;
};
}  // namespace detail

class vocabulary {
 public:
  static constexpr int pad_id = 0;
  static constexpr int unk_id = 1;
  static constexpr int sep_id = 2;
  static constexpr int cls_id = 3;
  static constexpr std::size_t num_specials = 4;
  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

  /// The special tokens in id order. Upper case on purpose: simple_tokenizer lowercases and splits
  /// '[' and ']', so no tokenized text can ever spell one of them.
  static const std::vector<std::string>& specials() {
    static const std::vector<std::string> s{"[PAD]", "[UNK]", "[SEP]", "[CLS]"};
    return s;
  }

  /// Specials only.
  vocabulary() : tokens_(specials()) { index_all(); }

  /// Keeps every token seen at least `min_count` times (0 counts as 1), most frequent first,
  /// ties broken by byte-wise token order, so the result never depends on input order or hashing.
  /// `max_size` bounds the total size, specials included. Tokens equal to a special are folded
  /// into it; empty tokens and tokens with '\n' or '\r' are rejected (the file format is one per line).
  template <detail::token_list_range R>
  [[nodiscard]] static vocabulary build(R&& token_lists, std::size_t min_count, std::size_t max_size = unlimited) {
    counter counts;
    for (auto&& list : token_lists)
      for (auto&& tok : list) counts.add(std::string_view(tok));
    return counts.finish(min_count, max_size);
  }

  /// Same, tokenizing each text with `tokenizer` first.
  template <std::ranges::input_range R, detail::text_tokenizer Tokenizer>
    requires detail::string_like<std::ranges::range_value_t<R>>
  [[nodiscard]] static vocabulary build(R&& texts, const Tokenizer& tokenizer, std::size_t min_count,
                                        std::size_t max_size = unlimited) {
    counter counts;
    for (auto&& text : texts)
      for (auto&& tok : tokenizer.tokenize(std::string_view(text))) counts.add(std::string_view(tok));
    return counts.finish(min_count, max_size);
  }

  /// Id of `token`, or unk_id when it is not in the table.
  [[nodiscard]] int id(std::string_view token) const {
    const auto it = index_.find(token);
    return it == index_.end() ? unk_id : it->second;
  }

  [[nodiscard]] bool contains(std::string_view token) const { return index_.find(token) != index_.end(); }

  [[nodiscard]] const std::string& token(int id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size())
      throw std::invalid_argument("gpta::text::vocabulary::token: id " + std::to_string(id) + " outside [0, " +
                                  std::to_string(tokens_.size()) + ")");
    return tokens_[static_cast<std::size_t>(id)];
  }

  [[nodiscard]] std::size_t size() const noexcept { return tokens_.size(); }
  [[nodiscard]] const std::vector<std::string>& tokens() const noexcept { return tokens_; }

  template <std::ranges::input_range R>
    requires detail::string_like<std::ranges::range_value_t<R>>
  [[nodiscard]] std::vector<int> encode(const R& tokens) const {
    std::vector<int> ids;
    if constexpr (std::ranges::sized_range<R>) ids.reserve(std::ranges::size(tokens));
    for (auto&& tok : tokens) ids.push_back(id(std::string_view(tok)));
    return ids;
  }

  template <detail::text_tokenizer Tokenizer>
  [[nodiscard]] std::vector<int> encode(std::string_view text, const Tokenizer& tokenizer) const {
    return encode(tokenizer.tokenize(text));
  }

  /// The file format: one token per line in id order, specials first, '\n' after every line.
  [[nodiscard]] std::string to_text() const {
    std::string out;
    for (const auto& t : tokens_) {
      out += t;
      out += '\n';
    }
    return out;
  }

  /// Parses to_text()'s format. `source` names where the text came from in error messages
  /// ("<source>:<line>: ..."). A trailing '\r' per line is tolerated (files edited on Windows).
  [[nodiscard]] static vocabulary from_text(std::string_view text, std::string_view source) {
    vocabulary v;
    v.tokens_.clear();
    v.index_.clear();
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t nl = text.find('\n', pos);
      std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      auto fail = [&](const std::string& what) {
        throw std::runtime_error(std::string(source) + ":" + std::to_string(line_no) +
                                 ": gpta::text::vocabulary: " + what);
      };
      if (line_no <= num_specials) {
        if (line != specials()[line_no - 1])
          fail("expected special token " + specials()[line_no - 1] + ", found '" + std::string(line) + "'");
      } else if (line.empty()) {
        fail("empty token");
      } else if (line.find('\r') != std::string_view::npos) {
        fail("token contains a carriage return");
      }
      if (const auto it = v.index_.find(line); it != v.index_.end())
        fail("duplicate token '" + std::string(line) + "' (first on line " + std::to_string(it->second + 1) + ")");
      if (v.tokens_.size() >= static_cast<std::size_t>(INT_MAX)) fail("too many tokens for int ids");
      v.tokens_.emplace_back(line);
      v.index_.emplace(v.tokens_.back(), static_cast<int>(v.tokens_.size() - 1));
    }
    if (v.tokens_.size() < num_specials)
      throw std::runtime_error(std::string(source) + ":" + std::to_string(line_no + 1) +
                               ": gpta::text::vocabulary: file ends before the " + std::to_string(num_specials) +
                               " special tokens");
    return v;
  }

  /// Atomic: readers of `path` see the old file or the new one, never a torn one.
  void save(const std::filesystem::path& path) const { gpta::detail::write_file_atomic(path, to_text()); }

  [[nodiscard]] static vocabulary load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path.string() + ": gpta::text::vocabulary::load: cannot open file");
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) throw std::runtime_error(path.string() + ": gpta::text::vocabulary::load: read error");
    return from_text(buf.str(), path.string());
  }

  friend bool operator==(const vocabulary& a, const vocabulary& b) { return a.tokens_ == b.tokens_; }

 private:
  class counter {
   public:
    void add(std::string_view tok) {
      if (tok.empty()) throw std::invalid_argument("gpta::text::vocabulary::build: empty token");
      if (tok.find_first_of("\r\n") != std::string_view::npos)
        throw std::invalid_argument("gpta::text::vocabulary::build: token contains a line break: '" +
                                    std::string(tok) + "'");
      if (const auto it = counts_.find(tok); it != counts_.end()) {
        ++it->second;
      } else {
        counts_.emplace(std::string(tok), 1);
      }
    }

    vocabulary finish(std::size_t min_count, std::size_t max_size) {
      if (max_size < num_specials)
        throw std::invalid_argument("gpta::text::vocabulary::build: max_size " + std::to_string(max_size) +
                                    " cannot hold the " + std::to_string(num_specials) + " special tokens");
      const std::size_t threshold = std::max<std::size_t>(min_count, 1);
      std::vector<std::pair<std::string, std::size_t>> kept;
      for (auto& [tok, n] : counts_) {
        const bool special = std::find(specials().begin(), specials().end(), tok) != specials().end();
        if (!special && n >= threshold) kept.emplace_back(tok, n);
      }
      std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      const std::size_t room = std::min<std::size_t>(max_size - num_specials, static_cast<std::size_t>(INT_MAX) - num_specials);
      if (kept.size() > room) kept.resize(room);
      vocabulary v;
      v.tokens_.reserve(num_specials + kept.size());
      for (auto& [tok, n] : kept) v.tokens_.push_back(std::move(tok));
      v.index_all();
      return v;
    }

   private:
    std::unordered_map<std::string, std::size_t, detail::transparent_string_hash, std::equal_to<>> counts_;
  };

  void index_all() {
    index_.clear();
    index_.reserve(tokens_.size());
    for (std::size_t i = 0; i < tokens_.size(); ++i) index_.emplace(tokens_[i], static_cast<int>(i));
  }

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int, detail::transparent_string_hash, std::equal_to<>> index_;
};

}  // namespace gpta::text
