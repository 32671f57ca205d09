// Strategy `random`: a prefix of random vocabulary words as long as a reference prefix - the
// control for "any prefix of this length helps". Offline and deterministic for a seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gpta/core/task_info.hpp>
#include <gpta/detail/random.hpp>
#include <gpta/prompt/common_words.hpp>
#include <gpta/prompt/offline_strategy.hpp>
#include <gpta/prompt/prefix_parser.hpp>
#include <gpta/prompt/sanitize.hpp>
#include <gpta/prompt/token_estimate.hpp>

namespace gpta {

struct random_prefix_options {
  /// The prefix whose length is matched (e.g. the description or GPTA prefix of the same task).
  std::string reference;
  /// Length when `reference` is empty; 0 = the task's prefix budget.
  std::size_t length = 0;
  /// Words to draw from, e.g. the student's vocabulary; empty: a built-in list of common words.
  /// Entries that are not plain words (see random_prefix::usable_word) are skipped.
  std::vector<std::string> vocabulary;
  std::uint64_t seed = 1;
  /// Measure lengths with this (e.g. student tokens) instead of words.
  token_counter count;
};

class random_prefix : public offline_strategy {
 public:
  explicit random_prefix(random_prefix_options options = {}) : options_(std::move(options)) {
    if (options_.vocabulary.empty()) {
      for (const auto w : detail::common_words()) words_.emplace_back(w);
    } else {
      for (const auto& w : options_.vocabulary)
        if (usable_word(w)) words_.push_back(w);
      if (words_.empty())
        throw std::invalid_argument("gpta::random_prefix: the vocabulary has no usable word (" +
                                    std::to_string(options_.vocabulary.size()) + " entries, all special or empty)");
    }
    options_.vocabulary.clear();  // words_ holds what is used; no second copy of a large vocabulary
  }

  prefix_proposal start(const task_info& task) {
    std::size_t target = options_.length ? options_.length : task.prefix_token_budget;
    if (!options_.reference.empty()) target = measure_prefix(sanitize_prefix(options_.reference), options_.count);
    prefix_ = generate(target);
    return prefix_proposal::ready({prefix_});
  }
  static constexpr std::string_view id = "random";
  static constexpr bool consults_ta = false;
  static constexpr std::string_view summary = "random common words as long as the fixed prefix (does any prefix help?)";
  [[nodiscard]] std::string_view name() const noexcept { return id; }

  /// Random words until the text measures `length` (words, or the counter's unit; with a counter
  /// the last word may overshoot by its own length). Same seed, same length: same text.
  [[nodiscard]] std::string generate(std::size_t length) const {
    std::mt19937_64 rng(detail::mix_seed(options_.seed, 303));
    std::string out;
    if (!options_.count) {
      for (std::size_t i = 0; i < length; ++i) append(out, rng);
      return out;
    }
    // Bounded in case the counter ignores some words (returns 0 for them).
    for (std::size_t guard = 0; options_.count(out) < length && guard < 8 * length + 64; ++guard) append(out, rng);
    return out;
  }

  /// A vocabulary entry usable as a word: valid UTF-8, no whitespace or control characters, not
  /// a WordPiece continuation ("##ing") or special token ("[CLS]", "<s>"), and at least one letter
  /// (any non-ASCII character counts as one) - so punctuation and numbers are skipped.
  [[nodiscard]] static bool usable_word(std::string_view w) {
    if (w.empty() || detail::first_invalid_utf8(w) != std::string_view::npos) return false;
    if (sanitize_prefix(w) != w || count_words(w) != 1) return false;
    if (w.substr(0, 2) == "##") return false;
    if ((w.front() == '[' && w.back() == ']') || (w.front() == '<' && w.back() == '>')) return false;
    for (const char c : w) {
      const auto b = static_cast<unsigned char>(c);
      if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b >= 0x80) return true;
    }
    return false;
  }

  [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }  ///< the last one generated
  [[nodiscard]] const std::vector<std::string>& words() const noexcept { return words_; }
  [[nodiscard]] const random_prefix_options& options() const noexcept { return options_; }

 private:
  void append(std::string& out, std::mt19937_64& rng) const {
    if (!out.empty()) out += ' ';
    out += words_[static_cast<std::size_t>(detail::uniform_index(rng, words_.size()))];
  }

  random_prefix_options options_;
  std::vector<std::string> words_;
  std::string prefix_;
};

}  // namespace gpta
