// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum with the semantics of Google's rouge-score (0.1.2), matched
// to it to 1e-6 by tests/eval/rouge_parity.cpp, plus the trainer's Metric policy for summarisation.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <gpta/data/seq2seq_example.hpp>
#include <gpta/data/utf8.hpp>
#include <gpta/eval/classification_metrics.hpp>
#include <gpta/text/porter_stemmer.hpp>

namespace gpta {

struct rouge_options {
  /// Porter-stem tokens longer than 3 characters (rouge-score's use_stemmer=True).
  bool use_stemmer = false;
};

/// Precision, recall and F1 of one measure. P and R count against max(count, 1), so an empty side
/// scores 0, never NaN; F1 is 0 when P + R is 0.
struct rouge_prf {
  double precision = 0.0, recall = 0.0, f1 = 0.0;
};

struct rouge_scores {
  rouge_prf rouge1, rouge2, rouge_l, rouge_lsum;
};

/// The measures by name, in the order rouge-score's types are usually listed.
enum class rouge_measure { rouge1, rouge2, rouge_l, rouge_lsum };

[[nodiscard]] constexpr std::string_view rouge_measure_name(rouge_measure m) noexcept {
  switch (m) {
    case rouge_measure::rouge1: return "rouge1";
    case rouge_measure::rouge2: return "rouge2";
    case rouge_measure::rouge_l: return "rougeL";
    case rouge_measure::rouge_lsum: return "rougeLsum";
  }
  return "rouge?";
}

[[nodiscard]] constexpr rouge_prf& rouge_get(rouge_scores& s, rouge_measure m) noexcept {
  switch (m) {
    case rouge_measure::rouge1: return s.rouge1;
    case rouge_measure::rouge2: return s.rouge2;
    case rouge_measure::rouge_l: return s.rouge_l;
    case rouge_measure::rouge_lsum: break;
  }
  return s.rouge_lsum;
}

[[nodiscard]] constexpr const rouge_prf& rouge_get(const rouge_scores& s, rouge_measure m) noexcept {
  return rouge_get(const_cast<rouge_scores&>(s), m);
}

inline constexpr rouge_measure rouge_all_measures[] = {rouge_measure::rouge1, rouge_measure::rouge2, rouge_measure::rouge_l,
                                                       rouge_measure::rouge_lsum};

/// rouge-score's tokenizer: Python's str.lower(), every character outside [a-z0-9] becomes a space,
/// split, stem tokens longer than 3 characters when asked. Non-ASCII letters are dropped, not
/// folded ("café" -> "caf"); the only non-ASCII characters that survive are the two whose Unicode
/// lower case is ASCII: U+0130 'İ' -> "i" (plus a combining dot, itself dropped) and U+212A KELVIN
/// SIGN -> "k". Invalid UTF-8 bytes count as separators.
[[nodiscard]] inline std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer = false) {
  std::vector<std::string> tokens;
  std::string cur;
  const auto flush = [&] {
    if (cur.empty()) return;
    if (use_stemmer && cur.size() > 3) cur = text::porter_stem(cur);
    if (!cur.empty()) tokens.push_back(std::move(cur));
    cur.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b >= 'A' && b <= 'Z') cur += static_cast<char>(b - 'A' + 'a');
      else if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')) cur += static_cast<char>(b);
      else flush();
      ++i;
      continue;
    }
    const data::detail::utf8_step step = data::detail::utf8_next(text, i);
    const std::string_view seq = text.substr(i, step.length);
    i += step.length;
    if (step.valid && seq == "\xC4\xB0") {  // U+0130 lower-cases to "i" + U+0307
      cur += 'i';
      flush();
    } else if (step.valid && seq == "\xE2\x84\xAA") {  // U+212A lower-cases to "k"
      cur += 'k';
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

namespace detail {

/// Tokens as small integers, so n-grams and LCS compare ints, not strings.
class rouge_vocab {
 public:
  std::vector<std::uint32_t> ids(const std::vector<std::string>& tokens) {
    std::vector<std::uint32_t> out;
    out.reserve(tokens.size());
    for (const auto& t : tokens) out.push_back(map_.try_emplace(t, static_cast<std::uint32_t>(map_.size())).first->second);
    return out;
  }

 private:
  std::unordered_map<std::string, std::uint32_t> map_;
};

[[nodiscard]] inline rouge_prf rouge_make(double precision, double recall) noexcept {
  rouge_prf s;
  s.precision = precision;
  s.recall = recall;
  s.f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  return s;
}

/// Clipped n-gram overlap: sum over distinct n-grams of min(count in target, count in prediction).
[[nodiscard]] inline rouge_prf rouge_n(const std::vector<std::uint32_t>& target, const std::vector<std::uint32_t>& pred,
                                       std::size_t n) {
  const auto grams = [n](const std::vector<std::uint32_t>& t) {
    std::vector<std::vector<std::uint32_t>> g;
    for (std::size_t i = 0; i + n <= t.size(); ++i) g.emplace_back(t.begin() + static_cast<std::ptrdiff_t>(i),
                                                                     t.begin() + static_cast<std::ptrdiff_t>(i + n));
    std::sort(g.begin(), g.end());
    return g;
  };
  const auto gt = grams(target), gp = grams(pred);
  std::size_t overlap = 0;
  // Both sorted: a merge counts each shared n-gram min(count_t, count_p) times.
  for (std::size_t a = 0, b = 0; a < gt.size() && b < gp.size();) {
    if (gt[a] < gp[b]) ++a;
    else if (gp[b] < gt[a]) ++b;
    else { ++overlap; ++a; ++b; }
  }
  const double o = static_cast<double>(overlap);
  return rouge_make(o / static_cast<double>(std::max<std::size_t>(gp.size(), 1)),
                    o / static_cast<double>(std::max<std::size_t>(gt.size(), 1)));
}

/// Full LCS table, (|a|+1) x (|b|+1) row-major, as rouge-score's _lcs_table.
[[nodiscard]] inline std::vector<std::uint32_t> lcs_table(const std::vector<std::uint32_t>& a,
                                                          const std::vector<std::uint32_t>& b) {
  const std::size_t cols = b.size() + 1;
  std::vector<std::uint32_t> t((a.size() + 1) * cols, 0);
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j)
      t[i * cols + j] = a[i - 1] == b[j - 1] ? t[(i - 1) * cols + j - 1] + 1
                                             : std::max(t[(i - 1) * cols + j], t[i * cols + j - 1]);
  return t;
}

[[nodiscard]] inline std::size_t lcs_length(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  // Two rows suffice for the length alone (long documents against long references).
  std::vector<std::uint32_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

/// Indices into `ref` of one LCS of (ref, can). Which LCS matters for ROUGE-Lsum's union, so the
/// walk breaks ties as rouge-score's _backtrack_norec: left only when strictly larger, else up.
[[nodiscard]] inline std::vector<std::size_t> lcs_indices(const std::vector<std::uint32_t>& ref,
                                                          const std::vector<std::uint32_t>& can) {
  const std::vector<std::uint32_t> t = lcs_table(ref, can);
  const std::size_t cols = can.size() + 1;
  std::vector<std::size_t> out;
  std::size_t i = ref.size(), j = can.size();
  while (i > 0 && j > 0) {
    if (ref[i - 1] == can[j - 1]) {
      out.push_back(i - 1);
      --i;
      --j;
    } else if (t[i * cols + j - 1] > t[(i - 1) * cols + j]) {
      --j;
    } else {
      --i;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

[[nodiscard]] inline rouge_prf rouge_l(const std::vector<std::uint32_t>& target, const std::vector<std::uint32_t>& pred) {
  if (target.empty() || pred.empty()) return {};
  const double l = static_cast<double>(lcs_length(target, pred));
  return rouge_make(l / static_cast<double>(pred.size()), l / static_cast<double>(target.size()));
}

/// Summary-level LCS (Lin 2004, 3.2) as ROUGE 1.5.5 and rouge-score count it: per reference
/// sentence the union of its LCS with every candidate sentence, each token credited at most as
/// often as it occurs on both sides.
[[nodiscard]] inline rouge_prf rouge_lsum(const std::vector<std::vector<std::uint32_t>>& ref_sents,
                                          const std::vector<std::vector<std::uint32_t>>& can_sents) {
  if (ref_sents.empty() || can_sents.empty()) return {};
  std::size_t m = 0, n = 0;
  std::unordered_map<std::uint32_t, std::size_t> count_r, count_c;
  for (const auto& s : ref_sents) {
    m += s.size();
    for (auto t : s) ++count_r[t];
  }
  for (const auto& s : can_sents) {
    n += s.size();
    for (auto t : s) ++count_c[t];
  }
  if (m == 0 || n == 0) return {};
  std::size_t hits = 0;
  std::vector<char> in_union;
  for (const auto& r : ref_sents) {
    in_union.assign(r.size(), 0);
    for (const auto& c : can_sents)
      for (std::size_t k : lcs_indices(r, c)) in_union[k] = 1;
    for (std::size_t k = 0; k < r.size(); ++k) {
      if (!in_union[k]) continue;
      auto& cc = count_c[r[k]];
      auto& cr = count_r[r[k]];
      if (cc > 0 && cr > 0) {
        ++hits;
        --cc;
        --cr;
      }
    }
  }
  const double h = static_cast<double>(hits);
  return rouge_make(h / static_cast<double>(n), h / static_cast<double>(m));
}

/// Lsum's sentences: the text split on '\n' only, empty pieces dropped (a piece of punctuation
/// alone stays, with no tokens), as rouge-score does without split_summaries.
[[nodiscard]] inline std::vector<std::string_view> rouge_sentences(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    if (end > start) out.push_back(text.substr(start, end - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace detail

/// Scores of one prediction against one reference (rouge_scorer.RougeScorer(...).score(reference,
/// prediction) for rouge1, rouge2, rougeL and rougeLsum).
[[nodiscard]] inline rouge_scores rouge(std::string_view prediction, std::string_view reference,
                                        const rouge_options& options = {}) {
  detail::rouge_vocab vocab;
  const auto t = vocab.ids(rouge_tokenize(reference, options.use_stemmer));
  const auto p = vocab.ids(rouge_tokenize(prediction, options.use_stemmer));
  rouge_scores s;
  s.rouge1 = detail::rouge_n(t, p, 1);
  s.rouge2 = detail::rouge_n(t, p, 2);
  s.rouge_l = detail::rouge_l(t, p);
  std::vector<std::vector<std::uint32_t>> ts, ps;
  for (auto sent : detail::rouge_sentences(reference)) ts.push_back(vocab.ids(rouge_tokenize(sent, options.use_stemmer)));
  for (auto sent : detail::rouge_sentences(prediction)) ps.push_back(vocab.ids(rouge_tokenize(sent, options.use_stemmer)));
  s.rouge_lsum = detail::rouge_lsum(ts, ps);
  return s;
}

/// Against several references, each measure independently takes the reference with the highest
/// F1, the first one on ties (rouge-score's score_multi, np.argmax). No references: all zeros.
[[nodiscard]] inline rouge_scores rouge_multi(std::string_view prediction, std::span<const std::string> references,
                                              const rouge_options& options = {}) {
  rouge_scores best;
  bool first = true;
  for (const std::string& ref : references) {
    const rouge_scores s = rouge(prediction, ref, options);
    for (rouge_measure m : rouge_all_measures)
      if (first || rouge_get(s, m).f1 > rouge_get(best, m).f1) rouge_get(best, m) = rouge_get(s, m);
    first = false;
  }
  return best;
}

/// Per-pair scores and their arithmetic mean (P, R and F1 averaged separately, so the mean F1 is
/// not the F1 of the mean P and R). rouge-score's own command line reports a bootstrap estimate
/// of the same mean; the plain mean is what papers tabulate and what is reproducible.
struct rouge_corpus_result {
  rouge_scores mean;
  std::vector<rouge_scores> per_pair;
  [[nodiscard]] std::size_t size() const noexcept { return per_pair.size(); }
};

[[nodiscard]] inline rouge_scores rouge_mean(std::span<const rouge_scores> scores) {
  rouge_scores mean;
  if (scores.empty()) return mean;
  for (rouge_measure m : rouge_all_measures) {
    rouge_prf& out = rouge_get(mean, m);
    for (const rouge_scores& s : scores) {
      out.precision += rouge_get(s, m).precision;
      out.recall += rouge_get(s, m).recall;
      out.f1 += rouge_get(s, m).f1;
    }
    const double k = static_cast<double>(scores.size());
    out.precision /= k;
    out.recall /= k;
    out.f1 /= k;
  }
  return mean;
}

/// Line-aligned predictions and references; std::invalid_argument when the counts differ.
[[nodiscard]] inline rouge_corpus_result rouge_corpus(std::span<const std::string> predictions,
                                                      std::span<const std::string> references,
                                                      const rouge_options& options = {}) {
  if (predictions.size() != references.size())
    throw std::invalid_argument("gpta::rouge_corpus: " + std::to_string(predictions.size()) + " predictions for " +
                                std::to_string(references.size()) + " references");
  rouge_corpus_result r;
  r.per_pair.reserve(predictions.size());
  for (std::size_t i = 0; i < predictions.size(); ++i) r.per_pair.push_back(rouge(predictions[i], references[i], options));
  r.mean = rouge_mean(r.per_pair);
  return r;
}

}  // namespace gpta
