// Porter stemmer with NLTK's extensions (nltk.stem.porter, mode NLTK_EXTENSIONS): the stemmer Google's
// rouge-score uses, so ROUGE with stemming matches the reference scores token for token.
#pragma once

// Why not Snowball's "porter" (libstemmer): it is Porter's original algorithm, and NLTK's default mode
// differs from it on common words (says -> say vs sai, friday -> friday vs fridai, news -> news vs new,
// dies -> die vs di). On the 2,185 words of tests/fixtures/porter_stems.json that rouge-score would stem (> 3 letters),
// 71 (3.2%) differ, enough to move ROUGE scores; this header reproduces NLTK on all of them.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace gpta::text {

namespace detail {

/// Porter's consonant: not a, e, i, o, u, and y only when the letter before it is a vowel (or at
/// the start). Digits and other bytes count as consonants, as in NLTK.
[[nodiscard]] constexpr bool porter_is_vowel_letter(char c) noexcept {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

[[nodiscard]] constexpr bool porter_consonant(std::string_view w, std::size_t i) noexcept {
  // A run of y's alternates: y after a consonant is a vowel, y after a vowel a consonant.
  bool flip = false;
  while (w[i] == 'y') {
    if (i == 0) return !flip;  // a leading y is a consonant
    flip = !flip;
    --i;
  }
  return porter_is_vowel_letter(w[i]) ? flip : !flip;
}

/// m in [C](VC)^m[V]: the number of vowel-to-consonant transitions.
[[nodiscard]] constexpr std::size_t porter_measure(std::string_view w) noexcept {
  std::size_t m = 0;
  bool prev_consonant = true;
  for (std::size_t i = 0; i < w.size(); ++i) {
    bool c;
    if (porter_is_vowel_letter(w[i])) {
      c = false;
    } else if (w[i] == 'y') {
      c = (i == 0) ? true : !prev_consonant;
    } else {
      c = true;
    }
    if (c && i > 0 && !prev_consonant) ++m;
    prev_consonant = c;
  }
  return m;
}

[[nodiscard]] constexpr bool porter_has_vowel(std::string_view w) noexcept {
  bool prev_consonant = true;
  for (std::size_t i = 0; i < w.size(); ++i) {
    bool c;
    if (porter_is_vowel_letter(w[i])) {
      c = false;
    } else if (w[i] == 'y') {
      c = (i == 0) ? true : !prev_consonant;
    } else {
      c = true;
    }
    if (!c) return true;
    prev_consonant = c;
  }
  return false;
}

/// *d: ends in a double consonant.
[[nodiscard]] constexpr bool porter_double_consonant(std::string_view w) noexcept {
  return w.size() >= 2 && w[w.size() - 1] == w[w.size() - 2] && porter_consonant(w, w.size() - 1);
}

/// *o: ends consonant-vowel-consonant with the last not w, x or y; NLTK also accepts a two-letter
/// vowel-consonant word ("us" + e -> "use").
[[nodiscard]] constexpr bool porter_cvc(std::string_view w) noexcept {
  const std::size_t n = w.size();
  if (n >= 3 && porter_consonant(w, n - 3) && !porter_consonant(w, n - 2) && porter_consonant(w, n - 1) &&
      w[n - 1] != 'w' && w[n - 1] != 'x' && w[n - 1] != 'y')
    return true;
  return n == 2 && !porter_consonant(w, 0) && porter_consonant(w, 1);
}

enum class porter_cond { none, m_gt0, m_gt1, ion, logi };

struct porter_rule {
  std::string_view suffix, replacement;
  porter_cond cond;
};

[[nodiscard]] inline bool porter_check(porter_cond cond, std::string_view stem, std::string_view word) {
  switch (cond) {
    case porter_cond::none: return true;
    case porter_cond::m_gt0: return porter_measure(stem) > 0;
    case porter_cond::m_gt1: return porter_measure(stem) > 1;
    case porter_cond::ion: return !stem.empty() && (stem.back() == 's' || stem.back() == 't') && porter_measure(stem) > 1;
    // NLTK measures "logi" minus three letters (keeping the l), not the stem before the suffix.
    case porter_cond::logi: return porter_measure(word.substr(0, word.size() - 3)) > 0;
  }
  return false;
}

/// NLTK's rule lists: the first rule whose suffix matches decides; if its condition fails the word
/// is left alone (later rules are not tried).
template <std::size_t N>
void porter_apply(std::string& w, const std::array<porter_rule, N>& rules) {
  for (const porter_rule& r : rules) {
    if (!w.ends_with(r.suffix)) continue;
    const std::string_view stem = std::string_view(w).substr(0, w.size() - r.suffix.size());
    if (porter_check(r.cond, stem, w)) w = std::string(stem) + std::string(r.replacement);
    return;
  }
}

inline void porter_replace_tail(std::string& w, std::size_t n, std::string_view with) {
  w.erase(w.size() - n);
  w += with;
}

inline void porter_step1a(std::string& w) {
  if (w.ends_with("ies") && w.size() == 4) {  // NLTK: dies -> die, but flies -> fli
    porter_replace_tail(w, 3, "ie");
    return;
  }
  if (w.ends_with("sses")) porter_replace_tail(w, 4, "ss");
  else if (w.ends_with("ies")) porter_replace_tail(w, 3, "i");
  else if (w.ends_with("ss")) return;
  else if (w.ends_with("s")) porter_replace_tail(w, 1, "");
}

inline void porter_step1b(std::string& w) {
  if (w.ends_with("ied")) {  // NLTK: died -> die, spied -> spi
    porter_replace_tail(w, 3, w.size() == 4 ? "ie" : "i");
    return;
  }
  if (w.ends_with("eed")) {
    if (porter_measure(std::string_view(w).substr(0, w.size() - 3)) > 0) porter_replace_tail(w, 1, "");
    return;
  }
  std::size_t cut = 0;
  if (w.ends_with("ed") && porter_has_vowel(std::string_view(w).substr(0, w.size() - 2))) cut = 2;
  else if (w.ends_with("ing") && porter_has_vowel(std::string_view(w).substr(0, w.size() - 3))) cut = 3;
  if (cut == 0) return;
  w.erase(w.size() - cut);
  if (w.ends_with("at") || w.ends_with("bl") || w.ends_with("iz")) {
    w += 'e';
  } else if (porter_double_consonant(w)) {
    const char last = w.back();
    if (last != 'l' && last != 's' && last != 'z') w.pop_back();
  } else if (porter_measure(w) == 1 && porter_cvc(w)) {
    w += 'e';
  }
}

inline void porter_step1c(std::string& w) {
  // NLTK: y -> i only after a consonant that is not the whole stem (happy -> happi, enjoy stays).
  if (w.ends_with('y') && w.size() > 2 && porter_consonant(w, w.size() - 2)) w.back() = 'i';
}

inline void porter_step2(std::string& w) {
  // NLTK handles "alli" first and re-runs the step on the result (radicalli -> radical -> ...).
  while (w.ends_with("alli") && porter_measure(std::string_view(w).substr(0, w.size() - 4)) > 0) {
    porter_replace_tail(w, 2, "");
  }
  using enum porter_cond;
  static constexpr std::array<porter_rule, 22> rules{{
      {"ational", "ate", m_gt0}, {"tional", "tion", m_gt0}, {"enci", "ence", m_gt0}, {"anci", "ance", m_gt0},
      {"izer", "ize", m_gt0},    {"bli", "ble", m_gt0},     {"alli", "al", m_gt0},    {"entli", "ent", m_gt0},
      {"eli", "e", m_gt0},       {"ousli", "ous", m_gt0},   {"ization", "ize", m_gt0}, {"ation", "ate", m_gt0},
      {"ator", "ate", m_gt0},    {"alism", "al", m_gt0},    {"iveness", "ive", m_gt0}, {"fulness", "ful", m_gt0},
      {"ousness", "ous", m_gt0}, {"aliti", "al", m_gt0},    {"iviti", "ive", m_gt0},  {"biliti", "ble", m_gt0},
      {"fulli", "ful", m_gt0},   {"logi", "log", logi},
  }};
  porter_apply(w, rules);
}

inline void porter_step3(std::string& w) {
  using enum porter_cond;
  static constexpr std::array<porter_rule, 7> rules{{
      {"icate", "ic", m_gt0}, {"ative", "", m_gt0}, {"alize", "al", m_gt0}, {"iciti", "ic", m_gt0},
      {"ical", "ic", m_gt0},  {"ful", "", m_gt0},   {"ness", "", m_gt0},
  }};
  porter_apply(w, rules);
}

inline void porter_step4(std::string& w) {
  using enum porter_cond;
  static constexpr std::array<porter_rule, 19> rules{{
      {"al", "", m_gt1},   {"ance", "", m_gt1}, {"ence", "", m_gt1}, {"er", "", m_gt1},   {"ic", "", m_gt1},
      {"able", "", m_gt1}, {"ible", "", m_gt1}, {"ant", "", m_gt1},  {"ement", "", m_gt1}, {"ment", "", m_gt1},
      {"ent", "", m_gt1},  {"ion", "", ion},  {"ou", "", m_gt1},   {"ism", "", m_gt1},  {"ate", "", m_gt1},
      {"iti", "", m_gt1},  {"ous", "", m_gt1},  {"ive", "", m_gt1},  {"ize", "", m_gt1},
  }};
  porter_apply(w, rules);
}

inline void porter_step5(std::string& w) {
  if (w.ends_with('e')) {
    const std::string_view stem = std::string_view(w).substr(0, w.size() - 1);
    const std::size_t m = porter_measure(stem);
    if (m > 1 || (m == 1 && !porter_cvc(stem))) w.pop_back();
  }
  // 5b: NLTK measures the word minus one l.
  if (w.ends_with("ll") && porter_measure(std::string_view(w).substr(0, w.size() - 1)) > 1) w.pop_back();
}

}  // namespace detail

/// Stem one word the way nltk.stem.porter.PorterStemmer().stem(word) does: ASCII letters are
/// lower-cased first; words of 1-2 characters and NLTK's irregular forms (skies -> sky, dying ->
/// die, news, innings ...) are returned directly; then Porter's steps 1a-5b with NLTK's changes.
/// Meant for the [a-z0-9] tokens ROUGE produces. It works on bytes: other ASCII counts as consonants
/// (as in NLTK), but a multi-byte UTF-8 letter counts as several, so non-ASCII words may differ.
[[nodiscard]] inline std::string porter_stem(std::string_view word) {
  std::string w(word);
  for (char& c : w)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> irregular{{
      {"sky", "sky"}, {"skies", "sky"}, {"dying", "die"}, {"lying", "lie"}, {"tying", "tie"}, {"news", "news"},
      {"innings", "inning"}, {"inning", "inning"}, {"outings", "outing"}, {"outing", "outing"},
      {"cannings", "canning"}, {"canning", "canning"}, {"howe", "howe"}, {"proceed", "proceed"},
      {"exceed", "exceed"}, {"succeed", "succeed"},
  }};
  for (const auto& [form, stem] : irregular)
    if (w == form) return std::string(stem);
  if (w.size() <= 2) return w;
  detail::porter_step1a(w);
  detail::porter_step1b(w);
  detail::porter_step1c(w);
  detail::porter_step2(w);
  detail::porter_step3(w);
  detail::porter_step4(w);
  detail::porter_step5(w);
  return w;
}

/// The stemmer as a value, for code that takes a stemmer policy (`std::string operator()(sv)`).
struct porter_stemmer {
  [[nodiscard]] std::string operator()(std::string_view word) const { return porter_stem(word); }
};

}  // namespace gpta::text
