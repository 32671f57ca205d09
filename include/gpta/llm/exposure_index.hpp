// Finds which training examples a piece of text reveals: the whole example, or any verbatim run
// of `span_words` consecutive words of it (case and punctuation ignored). Used to police the TA.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gpta {

class exposure_index {
 public:
  /// `span_words`: a run this long of a training text counts as exposing it (texts at most
  /// this long count only when they appear whole). `min_example_words`: texts shorter than
  /// this are ignored, since two or three common words cannot be attributed to one example.
  exposure_index(const std::vector<std::string>& texts, std::size_t span_words = 8, std::size_t min_example_words = 4)
      : span_(span_words), min_words_(min_example_words), example_words_(texts.size()) {
    if (span_words == 0) throw std::invalid_argument("gpta::exposure_index: span_words must be >= 1");
    if (min_example_words == 0) throw std::invalid_argument("gpta::exposure_index: min_example_words must be >= 1");
    for (std::size_t e = 0; e < texts.size(); ++e) {
      auto w = words(texts[e]);
      if (w.size() < min_words_) continue;
      if (w.size() >= span_) {
        for (std::size_t i = 0; i + span_ <= w.size(); ++i)
          windows_[window_hash(w, i, span_)].push_back({static_cast<std::uint32_t>(e), static_cast<std::uint32_t>(i)});
      } else {
        whole_[window_hash(w, 0, w.size())].push_back(static_cast<std::uint32_t>(e));
        if (std::find(short_lengths_.begin(), short_lengths_.end(), w.size()) == short_lengths_.end())
          short_lengths_.push_back(w.size());
      }
      example_words_[e] = std::move(w);
    }
  }

  /// Indices (ascending, distinct) of the training texts that `text` exposes.
  [[nodiscard]] std::vector<std::size_t> find(std::string_view text) const {
    std::vector<std::size_t> hits;
    const auto q = words(text);
    if (q.size() >= span_) {
      for (std::size_t i = 0; i + span_ <= q.size(); ++i) {
        auto it = windows_.find(window_hash(q, i, span_));
        if (it == windows_.end()) continue;
        for (const auto& [e, at] : it->second)
          if (std::equal(q.begin() + static_cast<std::ptrdiff_t>(i), q.begin() + static_cast<std::ptrdiff_t>(i + span_),
                         example_words_[e].begin() + at))
            hits.push_back(e);
      }
    }
    for (std::size_t len : short_lengths_) {
      for (std::size_t i = 0; i + len <= q.size(); ++i) {
        auto it = whole_.find(window_hash(q, i, len));
        if (it == whole_.end()) continue;
        for (std::uint32_t e : it->second)
          if (example_words_[e].size() == len &&
              std::equal(example_words_[e].begin(), example_words_[e].end(), q.begin() + static_cast<std::ptrdiff_t>(i)))
            hits.push_back(e);
      }
    }
    std::sort(hits.begin(), hits.end());
    hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
    return hits;
  }

  [[nodiscard]] std::size_t size() const noexcept { return example_words_.size(); }
  [[nodiscard]] std::size_t span_words() const noexcept { return span_; }

  /// Lower-cased word hashes: a word is a run of ASCII letters/digits or non-ASCII bytes, so
  /// UTF-8 words stay whole and punctuation or spacing changes cannot hide a copied span.
  [[nodiscard]] static std::vector<std::uint64_t> words(std::string_view text) {
    std::vector<std::uint64_t> out;
    std::uint64_t h = 0;
    bool in_word = false;
    for (char ch : text) {
      auto c = static_cast<unsigned char>(ch);
      const bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
      if (!word) {
        if (in_word) out.push_back(h);
        in_word = false;
        continue;
      }
      if (!in_word) h = 14695981039346656037ull;
      in_word = true;
      if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
      h = (h ^ c) * 1099511628211ull;
    }
    if (in_word) out.push_back(h);
    return out;
  }

 private:
  struct position {
    std::uint32_t example;
    std::uint32_t offset;
  };

  static std::uint64_t window_hash(const std::vector<std::uint64_t>& w, std::size_t from, std::size_t len) {
    std::uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
    for (std::size_t i = from; i < from + len; ++i) h = (h ^ w[i]) * 0x100000001b3ull + (h >> 29);
    return h;
  }

  std::size_t span_;
  std::size_t min_words_;
  std::vector<std::vector<std::uint64_t>> example_words_;
  std::unordered_map<std::uint64_t, std::vector<position>> windows_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> whole_;
  std::vector<std::size_t> short_lengths_;
};

}  // namespace gpta
