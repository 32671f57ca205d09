// SQuAD v1.1 exact match and token F1 with the official answer normalisation, as a Metric policy
// for span students (0-1 scale) and as the official evaluation of {id: answer} maps (0-100).
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <concepts>
#include <cstdint>
#include <iterator>
#include <map>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <gpta/data/span_example.hpp>
#include <gpta/data/utf8.hpp>
#include <gpta/eval/classification_metrics.hpp>
#include <gpta/eval/detail/squad_unicode_tables.hpp>

namespace gpta {

namespace detail {

[[nodiscard]] constexpr bool squad_is_word(char32_t c) noexcept {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  const auto& t = squad_tables::word_ranges;
  const auto* it = std::upper_bound(std::begin(t), std::end(t), c, [](char32_t v, const squad_tables::range& r) { return v < r.first; });
  return it != std::begin(t) && c <= std::prev(it)->last;
}

[[nodiscard]] constexpr bool squad_in(const squad_tables::range* first, const squad_tables::range* last, char32_t c) noexcept {
  const auto* it = std::upper_bound(first, last, c, [](char32_t v, const squad_tables::range& r) { return v < r.first; });
  return it != first && c <= std::prev(it)->last;
}

/// Unicode's Final_Sigma context for the capital sigma at s[i]: a cased letter before it and none
/// after it, looking past case-ignorable characters (apostrophes, periods, combining marks...).
[[nodiscard]] inline bool squad_final_sigma(const std::u32string& s, std::size_t i) noexcept {
  const auto cased = [](char32_t c) { return squad_in(std::begin(squad_tables::cased_ranges), std::end(squad_tables::cased_ranges), c); };
  const auto ignorable = [](char32_t c) {
    return squad_in(std::begin(squad_tables::case_ignorable_ranges), std::end(squad_tables::case_ignorable_ranges), c);
  };
  std::size_t j = i;
  while (j > 0 && ignorable(s[j - 1])) --j;
  if (j == 0 || !cased(s[j - 1])) return false;
  for (std::size_t k = i + 1; k < s.size(); ++k)
    if (!ignorable(s[k])) return !cased(s[k]);
  return true;
}

[[nodiscard]] constexpr bool squad_is_space(char32_t c) noexcept {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return std::binary_search(std::begin(squad_tables::space_code_points), std::end(squad_tables::space_code_points), c);
}

/// string.punctuation: the 32 ASCII symbols; nothing outside ASCII.
[[nodiscard]] constexpr bool squad_is_punctuation(char32_t c) noexcept {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}

/// Python's str.lower() of one code point (context-free part), appended to `out`.
inline void squad_lower(char32_t c, std::u32string& out) {
  if (c < 0x80) {
    out += (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return;
  }
  for (const auto& x : squad_tables::lower_expansions) {
    if (x.cp == c) {
      for (char32_t o : x.out)
        if (o != 0) out += o;
      return;
    }
  }
  const auto& t = squad_tables::lower_runs;
  const auto* it = std::upper_bound(std::begin(t), std::end(t), c, [](char32_t v, const squad_tables::lower_run& r) { return v < r.first; });
  if (it != std::begin(t)) {
    const auto& r = *std::prev(it);
    if (c <= r.last && (c - r.first) % r.stride == 0) {
      out += static_cast<char32_t>(static_cast<std::int32_t>(c) + r.delta);
      return;
    }
  }
  out += c;
}

/// Code points of UTF-8 `s`; each ill-formed subpart becomes U+FFFD (what Python's decoder
/// with errors="replace" does), so any bytes can be scored.
[[nodiscard]] inline std::u32string squad_decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out += static_cast<char32_t>(b0);
      ++i;
      continue;
    }
    const data::detail::utf8_step step = data::detail::utf8_next(s, i);
    if (!step.valid) {
      out += U'\uFFFD';
    } else {
      char32_t cp = b0 & (step.length == 2 ? 0x1F : step.length == 3 ? 0x0F : 0x07);
      for (std::size_t k = 1; k < step.length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      out += cp;
    }
    i += step.length;
  }
  return out;
}

[[nodiscard]] inline bool squad_article_at(const std::u32string& s, std::size_t i, std::size_t& end) noexcept {
  for (std::u32string_view a : {std::u32string_view(U"the"), std::u32string_view(U"an"), std::u32string_view(U"a")}) {
    if (s.compare(i, a.size(), a) == 0 && (i + a.size() == s.size() || !squad_is_word(s[i + a.size()]))) {
      end = i + a.size();
      return true;
    }
  }
  return false;
}

}  // namespace detail

/// The official SQuAD v1.1 answer normalisation, in its order: lower case (Python's str.lower,
/// Unicode-aware), remove every ASCII punctuation character (string.punctuation), replace the
/// whole words a, an, the by a space (word boundaries as Python's re sees them: letters, digits
/// and `_` of any script are word characters), then split on whitespace (Python's str.isspace)
/// and join with single spaces. Character properties come from tables generated from Python's
/// own str methods (scripts/fixtures/make_squad_unicode_tables.py), so the two agree on any text.
[[nodiscard]] inline std::string squad_normalize_answer(std::string_view text) {
  const std::u32string in = detail::squad_decode(text);
  std::u32string lower;
  lower.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == 0x3A3) {  // capital sigma: the one contextual rule of str.lower()
      lower += detail::squad_final_sigma(in, i) ? U'\u03C2' : U'\u03C3';
    } else {
      detail::squad_lower(in[i], lower);
    }
  }
  std::u32string no_punct;
  no_punct.reserve(lower.size());
  for (char32_t c : lower)
    if (!detail::squad_is_punctuation(c)) no_punct += c;
  std::u32string no_articles;
  no_articles.reserve(no_punct.size());
  for (std::size_t i = 0; i < no_punct.size();) {
    std::size_t end = 0;
    if ((i == 0 || !detail::squad_is_word(no_punct[i - 1])) && detail::squad_article_at(no_punct, i, end)) {
      no_articles += U' ';
      i = end;
    } else {
      no_articles += no_punct[i++];
    }
  }
  std::string out;
  out.reserve(no_articles.size());
  bool pending_space = false;
  for (char32_t c : no_articles) {
    if (detail::squad_is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    data::detail::append_utf8_unchecked(out, c);
  }
  return out;
}

/// The normalised answer split into tokens (what token F1 compares).
[[nodiscard]] inline std::vector<std::string> squad_answer_tokens(std::string_view text) {
  const std::string n = squad_normalize_answer(text);
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < n.size();) {
    const std::size_t sp = std::min(n.find(' ', i), n.size());
    tokens.emplace_back(n, i, sp - i);
    i = sp + 1;
  }
  return tokens;
}

/// 1 when prediction and gold normalise to the same string, else 0 (two answers that both
/// normalise to "" match: "The" vs "a").
[[nodiscard]] inline double squad_exact_match(std::string_view prediction, std::string_view gold) {
  return squad_normalize_answer(prediction) == squad_normalize_answer(gold) ? 1.0 : 0.0;
}

/// Token F1: tokens common to both, counted with multiplicity (a token twice in each counts
/// twice, twice in one and once in the other counts once); 0 when nothing is shared, which
/// includes an empty prediction or gold (even both empty, as in the v1.1 script).
[[nodiscard]] inline double squad_f1(std::string_view prediction, std::string_view gold) {
  const auto p = squad_answer_tokens(prediction);
  const auto g = squad_answer_tokens(gold);
  std::unordered_map<std::string, std::ptrdiff_t> gold_counts;
  for (const auto& t : g) ++gold_counts[t];
  std::size_t same = 0;
  for (const auto& t : p) {
    auto it = gold_counts.find(t);
    if (it != gold_counts.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  if (same == 0) return 0.0;
  const double precision = 1.0 * static_cast<double>(same) / static_cast<double>(p.size());
  const double recall = 1.0 * static_cast<double>(same) / static_cast<double>(g.size());
  return (2 * precision * recall) / (precision + recall);
}

/// Both scores of one prediction against several gold answers: the best over the golds, each
/// score maximised separately (as the official script does). No gold answers scores 0.
struct squad_question_score {
  double exact_match = 0.0;
  double f1 = 0.0;
};

template <class Golds>
[[nodiscard]] squad_question_score squad_score_question(std::string_view prediction, const Golds& golds) {
  squad_question_score s;
  for (const auto& g : golds) {
    std::string_view text;
    if constexpr (std::is_convertible_v<const decltype(g)&, std::string_view>) {
      text = g;
    } else {
      text = g.text;
    }
    s.exact_match = std::max(s.exact_match, squad_exact_match(prediction, text));
    s.f1 = std::max(s.f1, squad_f1(prediction, text));
  }
  return s;
}

/// What a span student may predict: text (std::string, string_view...) or a type with a `text`
/// member (span_prediction).
template <class P>
concept squad_prediction = std::convertible_to<const P&, std::string_view> || requires(const P& p) {
  { p.text } -> std::convertible_to<std::string_view>;
};

template <squad_prediction P>
[[nodiscard]] std::string_view squad_prediction_text(const P& p) {
  if constexpr (std::convertible_to<const P&, std::string_view>) {
    return p;
  } else {
    return p.text;
  }
}

/// Per-question and mean scores (0-1) of predictions aligned with examples.
struct squad_scores {
  double exact_match = 0.0;  ///< mean over questions
  double f1 = 0.0;
  std::vector<squad_question_score> per_question;
};

template <squad_prediction P>
[[nodiscard]] squad_scores squad_score(std::span<const P> predictions, std::span<const span_example> examples) {
  if (predictions.size() != examples.size())
    throw std::invalid_argument("gpta::squad_score: " + std::to_string(predictions.size()) + " predictions for " +
                                std::to_string(examples.size()) + " questions");
  squad_scores r;
  r.per_question.reserve(examples.size());
  double em = 0.0, f1 = 0.0;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    r.per_question.push_back(squad_score_question(squad_prediction_text(predictions[i]), examples[i].answers));
    em += r.per_question.back().exact_match;
    f1 += r.per_question.back().f1;
  }
  if (!examples.empty()) {
    r.exact_match = em / static_cast<double>(examples.size());
    r.f1 = f1 / static_cast<double>(examples.size());
  }
  return r;
}

/// The buckets of squad_metric's per-question-word breakdown, in the order of its per_class rows.
inline constexpr std::array<std::string_view, 8> squad_question_words{"what", "who",  "when",  "where",
                                                                      "why",  "how", "which", "other"};

namespace detail {

/// The bucket a lower-cased word names, or "" when it is not a question word. "whom" and
/// "whose" ask for a person as "who" does, so they share its bucket.
[[nodiscard]] inline std::string_view squad_question_word_of(std::u32string_view w) noexcept {
  if (w == U"who" || w == U"whom" || w == U"whose") return "who";
  for (std::size_t k = 0; k + 1 < squad_question_words.size(); ++k) {
    const std::string_view q = squad_question_words[k];
    if (w.size() == q.size() && std::equal(q.begin(), q.end(), w.begin(), [](char a, char32_t b) {
          return static_cast<char32_t>(static_cast<unsigned char>(a)) == b;
        }))
      return q;
  }
  return {};
}

}  // namespace detail

/// The question word of a SQuAD question (its bucket in squad_metric's breakdown): the first
/// word, left to right, that is what, who (also whom, whose), when, where, why, how or which;
/// "other" when there is none ("Name the ..."). Words are lower-cased as the answer
/// normalisation does (Python's str.lower) and cut where Python's re sees word boundaries (the
/// rule the normalisation's article removal uses), so punctuation separates words ("What's" and
/// "(when)" count) while a question word inside a longer word does not ("somewhat", "however").
/// "In what year ..." is a what question; "How many ... which ..." a how question.
[[nodiscard]] inline std::string_view squad_question_word(std::string_view question) {
  const std::u32string in = detail::squad_decode(question);
  std::u32string word;
  for (std::size_t i = 0; i <= in.size(); ++i) {
    if (i < in.size() && detail::squad_is_word(in[i])) {
      detail::squad_lower(in[i], word);
      continue;
    }
    if (const std::string_view q = detail::squad_question_word_of(word); !q.empty()) return q;
    word.clear();
  }
  return squad_question_words.back();
}

/// The Metric policy for span students. eval_result: metric "f1", score = mean token F1 (the
/// primary SQuAD score), accuracy = exact match, macro_f1 = F1 again (the field tables print),
/// count = questions; 0-1 scale.
///
/// per_class breaks the scores down by question word (breakdown "question word"): one row per
/// bucket of squad_question_words that has questions, in that order, labelled with the word;
/// f1 = the bucket's mean token F1 (the row's score the TA is shown), precision = recall = the
/// bucket's exact match (SQuAD has no per-class precision/recall, so those fields carry the
/// second score), support = its question count.
///
/// diagnostics, only when some question is answered wrong (exact match 0), in this order:
/// "wrong answers: mean predicted length (words)" and "wrong answers: mean gold length (words)",
/// means over the wrong questions of the prediction's length and of the shortest gold answer's
/// (the one an exact match is easiest against), both in words of the normalised text (what
/// exact match compares); questions without gold answers are left out of the gold mean, which is
/// left out when no wrong question has one. Then "share of empty predictions": questions, of all,
/// whose prediction normalises to nothing ("", "the", "...").
struct squad_metric {
  template <squad_prediction P>
  eval_result operator()(std::span<const P> predictions, std::span<const span_example> examples,
                         const std::vector<std::string>& /*label_names*/) const {
    const squad_scores s = squad_score(predictions, examples);
    eval_result r;
    r.metric = "f1";
    r.score = s.f1;
    r.accuracy = s.exact_match;
    r.macro_f1 = s.f1;
    r.count = examples.size();
    for (const auto& q : s.per_question) r.per_example.push_back(q.f1);

    struct bucket {
      double exact_match = 0.0, f1 = 0.0;
      std::size_t count = 0;
    };
    std::array<bucket, squad_question_words.size()> buckets{};
    std::size_t wrong = 0, wrong_with_gold = 0, empty = 0;
    double wrong_predicted_words = 0.0, wrong_gold_words = 0.0;
    for (std::size_t i = 0; i < examples.size(); ++i) {
      const std::string_view word = squad_question_word(examples[i].question);
      const auto k = static_cast<std::size_t>(
          std::find(squad_question_words.begin(), squad_question_words.end(), word) - squad_question_words.begin());
      bucket& b = buckets[k];
      b.exact_match += s.per_question[i].exact_match;
      b.f1 += s.per_question[i].f1;
      ++b.count;

      const std::size_t predicted_words = squad_answer_tokens(squad_prediction_text(predictions[i])).size();
      if (predicted_words == 0) ++empty;
      if (s.per_question[i].exact_match > 0.0) continue;
      ++wrong;
      wrong_predicted_words += static_cast<double>(predicted_words);
      if (examples[i].answers.empty()) continue;
      std::size_t shortest = squad_answer_tokens(examples[i].answers.front().text).size();
      for (const auto& a : examples[i].answers) shortest = std::min(shortest, squad_answer_tokens(a.text).size());
      ++wrong_with_gold;
      wrong_gold_words += static_cast<double>(shortest);
    }

    r.breakdown = "question word";
    for (std::size_t k = 0; k < buckets.size(); ++k) {
      const bucket& b = buckets[k];
      if (b.count == 0) continue;
      class_report c;
      c.label = std::string(squad_question_words[k]);
      c.f1 = b.f1 / static_cast<double>(b.count);
      c.precision = c.recall = b.exact_match / static_cast<double>(b.count);
      c.support = b.count;
      r.per_class.push_back(std::move(c));
    }
    if (wrong > 0) {
      r.diagnostics.push_back({"wrong answers: mean predicted length (words)",
                               wrong_predicted_words / static_cast<double>(wrong)});
      if (wrong_with_gold > 0)
        r.diagnostics.push_back({"wrong answers: mean gold length (words)",
                                 wrong_gold_words / static_cast<double>(wrong_with_gold)});
      r.diagnostics.push_back(
          {"share of empty predictions", static_cast<double>(empty) / static_cast<double>(examples.size())});
    }
    return r;
  }
};

/// The official evaluation's result, on its 0-100 scale.
struct squad_evaluation {
  double exact_match = 0.0;
  double f1 = 0.0;
  std::size_t total = 0;                ///< questions in the data
  std::vector<std::string> unanswered;  ///< ids with no prediction (scored 0), in data order
};

/// Score `{id: answer}` predictions against every question of `gold` as evaluate-v1.1.py does:
/// in file order, each question's EM and F1 maximised over its gold answers, summed and scaled to
/// 100 * sum / total. A question without a prediction scores 0 and is reported on `messages`
/// (when not null) as "Unanswered question <id> will receive score 0."; predictions for ids not
/// in the data are ignored.
template <class Map = std::map<std::string, std::string>>
[[nodiscard]] squad_evaluation squad_evaluate(const span_dataset& gold, const Map& predictions,
                                              std::ostream* messages = nullptr) {
  squad_evaluation r;
  double em = 0.0, f1 = 0.0;
  for (const auto& e : gold.examples) {
    ++r.total;
    const auto it = predictions.find(e.id);
    if (it == predictions.end()) {
      r.unanswered.push_back(e.id);
      if (messages) *messages << "Unanswered question " << e.id << " will receive score 0.\n";
      continue;
    }
    const auto s = squad_score_question(std::string_view(it->second), e.answers);
    em += s.exact_match;
    f1 += s.f1;
  }
  if (r.total) {
    r.exact_match = 100.0 * em / static_cast<double>(r.total);
    r.f1 = 100.0 * f1 / static_cast<double>(r.total);
  }
  return r;
}

namespace detail {

/// A double as Python's repr() writes it (shortest round trip; "81.0" not "81"; exponent form
/// below 1e-4 and from 1e16), so printed scores match json.dumps of the official script.
[[nodiscard]] inline std::string python_float_repr(double v) {
  if (std::isnan(v)) return "NaN";  // json.dumps' spelling
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // [-]d[.ddd]e[+-]xx
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const std::size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp = std::stoi(sci.substr(e + 1));
  if (exp >= -5 + 1 && exp < 16) {  // Python's repr: fixed for 1e-4 <= |v| < 1e16
    std::string out;
    if (exp < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<std::size_t>(exp) + 1 >= digits.size()) {
      out = digits + std::string(static_cast<std::size_t>(exp) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<std::size_t>(exp) + 1) + "." + digits.substr(static_cast<std::size_t>(exp) + 1);
    }
    return sign + out;
  }
  std::string mant = digits.substr(0, 1);
  if (digits.size() > 1) mant += "." + digits.substr(1);
  const int a = exp < 0 ? -exp : exp;
  return sign + mant + "e" + (exp < 0 ? "-" : "+") + (a < 10 ? "0" : "") + std::to_string(a);
}

}  // namespace detail

/// `{"exact_match": <em>, "f1": <f1>}` exactly as the official script prints its result.
[[nodiscard]] inline std::string squad_evaluation_json(const squad_evaluation& r) {
  return "{\"exact_match\": " + detail::python_float_repr(r.exact_match) + ", \"f1\": " +
         detail::python_float_repr(r.f1) + "}";
}

}  // namespace gpta
