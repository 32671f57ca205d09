// Aggregate figures of a set of generated summaries (length, copying of the lead, repetition,
// abstractiveness), for the teaching assistant: numbers over the whole split, never any text.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <gpta/data/seq2seq_example.hpp>
#include <gpta/eval/classification_metrics.hpp>
#include <gpta/eval/lead_baseline.hpp>
#include <gpta/eval/rouge.hpp>

namespace gpta {

/// Corpus-level figures of predictions against their seq2seq examples. The ratios come with the
/// counts behind them, so callers can pool several splits (sum the counts, then divide).
struct summary_statistics {
  std::size_t count = 0;              ///< examples (= predictions)
  double mean_predicted_words = 0.0;  ///< white-space separated words per prediction
  double mean_reference_words = 0.0;  ///< same, of each example's first reference (0 if it has none)
  double lead_copy_share = 0.0;       ///< lead_copies / count
  double repetition_rate = 0.0;       ///< repeated_trigrams / trigrams
  double novel_bigram_share = 0.0;    ///< novel_bigrams / bigrams
  std::size_t lead_copies = 0;        ///< predictions containing a lead sentence of their source verbatim
  std::size_t trigrams = 0;           ///< word trigrams of all predictions
  std::size_t repeated_trigrams = 0;  ///< of which repeat an earlier trigram of the same prediction
  std::size_t bigrams = 0;            ///< word bigrams of all predictions
  std::size_t novel_bigrams = 0;      ///< of which do not occur in the prediction's source
};

namespace detail {

[[nodiscard]] constexpr bool summary_is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

[[nodiscard]] constexpr bool summary_is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

[[nodiscard]] inline std::size_t summary_word_count(std::string_view text) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool sp = summary_is_space(c);
    if (!sp && !in_word) ++n;
    in_word = !sp;
  }
  return n;
}

/// ASCII lower case (not the locale's, so results do not depend on it), white-space runs as one
/// space, trimmed. Other bytes, UTF-8 included, compare as they are.
[[nodiscard]] inline std::string summary_normalise(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (summary_is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

/// Whether `needle` occurs in `hay` not glued to a letter or digit on either side, so that the
/// sentence "the cat sat on the mat." is not found inside "bathe cat sat on the mat.".
[[nodiscard]] inline bool summary_contains_words(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return false;
  for (std::size_t pos = hay.find(needle); pos != std::string_view::npos; pos = hay.find(needle, pos + 1)) {
    const std::size_t end = pos + needle.size();
    const bool left_ok = pos == 0 || !summary_is_alnum(needle.front()) || !summary_is_alnum(hay[pos - 1]);
    const bool right_ok = end == hay.size() || !summary_is_alnum(needle.back()) || !summary_is_alnum(hay[end]);
    if (left_ok && right_ok) return true;
  }
  return false;
}

/// n-gram keys: rouge_tokenize's tokens hold only [a-z0-9], so a space separates them unambiguously.
[[nodiscard]] inline std::string summary_gram(const std::vector<std::string>& tokens, std::size_t at, std::size_t n) {
  std::string key = tokens[at];
  for (std::size_t k = 1; k < n; ++k) {
    key += ' ';
    key += tokens[at + k];
  }
  return key;
}

}  // namespace detail

/// Figures of `predictions[i]` against `examples[i]`. A lead copy is a prediction containing one
/// of the first `lead_sentences` sentences (split_sentences) of its source, at least 4 words long,
/// after lower-casing and collapsing white space. Trigrams and bigrams are of rouge_tokenize's
/// tokens without stemming; each ratio is taken over the corpus (sum over predictions of the
/// numerator / sum of the denominator), so long predictions weigh more than short ones, as
/// ROUGE-n's own n-gram counts do. Empty corpus: all zeros. std::invalid_argument when the
/// counts differ.
[[nodiscard]] inline summary_statistics summarise_outputs(std::span<const std::string> predictions,
                                                          std::span<const seq2seq_example> examples,
                                                          std::size_t lead_sentences = 3) {
  if (predictions.size() != examples.size())
    throw std::invalid_argument("gpta::summarise_outputs: " + std::to_string(predictions.size()) + " predictions for " +
                                std::to_string(examples.size()) + " examples");
  // A lead sentence shorter than this is no evidence of copying: a two- or three-word sentence
  // ("Police said.", "It was raining.") turns up in an abstractive summary by chance.
  constexpr std::size_t min_lead_words = 4;
  summary_statistics s;
  s.count = predictions.size();
  if (s.count == 0) return s;
  std::size_t predicted_words = 0, reference_words = 0;
  std::unordered_set<std::string> seen_trigrams, source_bigrams;  // per example; kept to reuse buckets
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    const std::string& pred = predictions[i];
    const seq2seq_example& ex = examples[i];
    predicted_words += detail::summary_word_count(pred);
    if (!ex.references.empty()) reference_words += detail::summary_word_count(ex.references.front());

    const std::string norm_pred = detail::summary_normalise(pred);
    const std::vector<std::string> lead = split_sentences(ex.source);
    for (std::size_t k = 0; k < lead.size() && k < lead_sentences; ++k) {
      if (detail::summary_word_count(lead[k]) < min_lead_words) continue;
      if (detail::summary_contains_words(norm_pred, detail::summary_normalise(lead[k]))) {
        ++s.lead_copies;
        break;
      }
    }

    const std::vector<std::string> tokens = rouge_tokenize(pred, false);
    seen_trigrams.clear();
    for (std::size_t k = 0; k + 3 <= tokens.size(); ++k) {
      ++s.trigrams;
      if (!seen_trigrams.insert(detail::summary_gram(tokens, k, 3)).second) ++s.repeated_trigrams;
    }
    if (tokens.size() >= 2) {  // no bigram to check: skip tokenising the (long) source
      const std::vector<std::string> src = rouge_tokenize(ex.source, false);
      source_bigrams.clear();
      for (std::size_t k = 0; k + 2 <= src.size(); ++k) source_bigrams.insert(detail::summary_gram(src, k, 2));
      for (std::size_t k = 0; k + 2 <= tokens.size(); ++k) {
        ++s.bigrams;
        if (!source_bigrams.contains(detail::summary_gram(tokens, k, 2))) ++s.novel_bigrams;
      }
    }
  }
  const auto ratio = [](std::size_t a, std::size_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  s.mean_predicted_words = ratio(predicted_words, s.count);
  s.mean_reference_words = ratio(reference_words, s.count);
  s.lead_copy_share = ratio(s.lead_copies, s.count);
  s.repetition_rate = ratio(s.repeated_trigrams, s.trigrams);
  s.novel_bigram_share = ratio(s.novel_bigrams, s.bigrams);
  return s;
}

/// The figures the TA is shown, in a fixed order, under fixed names.
[[nodiscard]] inline std::vector<eval_diagnostic> summary_diagnostics(const summary_statistics& s) {
  std::vector<eval_diagnostic> out;
  const auto add = [&out](const char* name, double value) {
    eval_diagnostic d;
    d.name = name;
    d.value = value;
    out.push_back(std::move(d));
  };
  add("mean predicted length (words)", s.mean_predicted_words);
  add("mean reference length (words)", s.mean_reference_words);
  add("share of predictions copying a lead sentence", s.lead_copy_share);
  add("repetition rate (repeated trigrams)", s.repetition_rate);
  add("share of novel bigrams", s.novel_bigram_share);
  return out;
}

}  // namespace gpta
