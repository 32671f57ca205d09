// GPT-2-style byte-level BPE with Qwen2's pre-tokeniser: the tokenizer of Qwen2/Qwen2.5 models.
// Vocabulary and merges come from the model (text/byte_bpe_gguf.hpp reads them from a GGUF file).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <gpta/data/utf8.hpp>
#include <gpta/text/detail/unicode_tables.hpp>
#include <gpta/text/unicode.hpp>

namespace gpta::text {

/// llama.cpp's token types (GGUF `tokenizer.ggml.token_type`).
enum class bpe_token_type : std::int32_t {
  undefined = 0,
  normal = 1,
  unknown = 2,
  control = 3,       ///< special: `<|im_start|>`, `<|endoftext|>`; matched in text only with parse_special
  user_defined = 4,  ///< added but not special: `<tool_call>`; always matched whole in text
  unused = 5,
  byte = 6
};

struct byte_bpe_vocab {
  std::vector<std::string> tokens;      ///< spelled in the GPT-2 byte alphabet (specials: literally)
  std::vector<std::string> merges;      ///< "left right", best first
  std::vector<std::int32_t> token_types;  ///< bpe_token_type per token; empty means all normal
  std::int32_t bos = -1, eos = -1, pad = -1;
};

namespace detail {

/// GPT-2's reversible map from bytes to printable code points: printable Latin-1 bytes stand for
/// themselves, the other 68 take U+0100.. in byte order (so ' ' is 'Ġ' U+0120, '\n' is 'Ċ').
[[nodiscard]] constexpr std::array<char32_t, 256> make_byte_to_unicode() noexcept {
  std::array<char32_t, 256> m{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    m[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
  }
  return m;
}
inline constexpr std::array<char32_t, 256> byte_to_unicode = make_byte_to_unicode();

/// Inverse of byte_to_unicode over U+0000..U+0143: the byte, or -1 outside the alphabet.
[[nodiscard]] constexpr std::array<std::int16_t, 256 + 68> make_unicode_to_byte() noexcept {
  std::array<std::int16_t, 256 + 68> m{};
  for (auto& x : m) x = -1;
  for (int b = 0; b < 256; ++b) m[byte_to_unicode[static_cast<std::size_t>(b)]] = static_cast<std::int16_t>(b);
  return m;
}
inline constexpr std::array<std::int16_t, 256 + 68> unicode_to_byte_table = make_unicode_to_byte();

[[nodiscard]] constexpr int unicode_to_byte(char32_t c) noexcept {
  return c < unicode_to_byte_table.size() ? unicode_to_byte_table[c] : -1;
}

[[nodiscard]] constexpr bool in_ranges(std::span<const code_point_range> t, char32_t c) noexcept {
  const auto it = std::upper_bound(t.begin(), t.end(), c, [](char32_t v, const code_point_range& r) { return v < r.first; });
  return it != t.begin() && c <= std::prev(it)->last;
}

/// The three classes the pre-tokeniser's regex distinguishes (\p{L}, \p{N}, \s); `other` is the rest.
enum class char_class : std::uint8_t { other, letter, number, space };

[[nodiscard]] constexpr char_class classify(char32_t c) noexcept {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return char_class::letter;
    if (c >= '0' && c <= '9') return char_class::number;
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return char_class::space;
    return char_class::other;
  }
  if (in_ranges(tables::letter_ranges, c)) return char_class::letter;
  if (in_ranges(tables::number_ranges, c)) return char_class::number;
  if (in_ranges(tables::space_ranges, c)) return char_class::space;
  return char_class::other;
}

[[nodiscard]] constexpr char32_t ascii_lower(char32_t c) noexcept { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/// Length in code points of the match of Qwen2's split regex at `i` (never 0):
///   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
/// Alternatives are tried in order, as a backtracking engine does; the backtracking each one
/// needs is worked out below instead of searched for.
[[nodiscard]] inline std::size_t qwen2_match(std::span<const char32_t> cp, std::span<const char_class> cls,
                                             std::size_t i) noexcept {
  const std::size_t n = cp.size();
  const auto nl = [&](std::size_t k) { return cp[k] == U'\r' || cp[k] == U'\n'; };
  // Contractions: ASCII case folding only (the reference does not fold U+017F to 's').
  if (cp[i] == U'\'' && i + 1 < n) {
    const char32_t a = ascii_lower(cp[i + 1]);
    if (a == U's' || a == U't' || a == U'm' || a == U'd') return 2;
    if (i + 2 < n) {
      const char32_t b = ascii_lower(cp[i + 2]);
      if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) return 3;
    }
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+ : if the optional char is taken but no letter follows, dropping it
  // cannot help (the letter run would have to start on that non-letter).
  {
    std::size_t j = i;
    if (cls[i] != char_class::letter && cls[i] != char_class::number && !nl(i)) ++j;
    if (j < n && cls[j] == char_class::letter) {
      while (j < n && cls[j] == char_class::letter) ++j;
      return j - i;
    }
  }
  if (cls[i] == char_class::number) return 1;  // one digit at a time for qwen2
  // " ?[^\s\p{L}\p{N}]+[\r\n]*"
  {
    std::size_t j = i;
    if (cp[i] == U' ') ++j;
    if (j < n && cls[j] == char_class::other) {
      while (j < n && cls[j] == char_class::other) ++j;
      while (j < n && nl(j)) ++j;
      return j - i;
    }
  }
  // Only whitespace is left: cls[i] == space.
  std::size_t e = i;
  while (e < n && cls[e] == char_class::space) ++e;
  // \s*[\r\n]+ : \s* gives back until a newline can follow; the first success ends at the last newline of the run.
  for (std::size_t k = e; k > i; --k)
    if (nl(k - 1)) return k - i;
  if (e == n) return e - i;          // \s+(?!\S) at the end of the text
  if (e - i >= 2) return e - 1 - i;  // \s+(?!\S): leave the last blank to the word after it
  return e - i;                      // \s+
}

}  // namespace detail

/// Qwen2's pre-tokenisation of valid UTF-8 text (no special tokens): the pieces BPE sees, as views
/// into `text`. Exposed for tests and for callers that count words.
[[nodiscard]] inline std::vector<std::string_view> qwen2_pre_tokenize(std::string_view text) {
  std::vector<char32_t> cp;
  std::vector<detail::char_class> cls;
  std::vector<std::size_t> offset;
  cp.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const detail::decoded_char d = detail::decode_utf8(text, i);
    cp.push_back(d.cp);
    cls.push_back(detail::classify(d.cp));
    offset.push_back(i);
    i += d.length;
  }
  offset.push_back(text.size());
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < cp.size();) {
    const std::size_t len = detail::qwen2_match(cp, cls, i);
    out.push_back(text.substr(offset[i], offset[i + len] - offset[i]));
    i += len;
  }
  return out;
}

/// Byte-level BPE encoder/decoder (GPT-2 scheme, Qwen2 pre-tokeniser, no normaliser - the
/// reference builds Qwen2's tokenizer from a GGUF without NFC, and so does llama.cpp).
///
/// Invalid UTF-8 input: every maximal ill-formed subpart is encoded as U+FFFD (the 3 bytes
/// EF BF BD), which is what the reference yields for the same bytes decoded by Python with
/// errors="replace" (the reference cannot take bytes that are not text). decode(encode(x)) == x
/// therefore holds for valid UTF-8 only. llama.cpp differs slightly: one U+FFFD per invalid byte.
///
/// Thread safety: encode/decode are const and safe to call concurrently (the word cache locks).
class byte_bpe {
 public:
  explicit byte_bpe(byte_bpe_vocab v) : vocab_(std::move(v)), cache_(std::make_shared<word_cache>()) {
    const std::size_t n = vocab_.tokens.size();
    if (n == 0 || n > static_cast<std::size_t>(INT32_MAX)) throw std::invalid_argument("gpta::text::byte_bpe: empty vocabulary");
    if (!vocab_.token_types.empty() && vocab_.token_types.size() != n)
      throw std::invalid_argument("gpta::text::byte_bpe: " + std::to_string(vocab_.token_types.size()) +
                                  " token types for " + std::to_string(n) + " tokens");
    for (std::int32_t id : {vocab_.bos, vocab_.eos, vocab_.pad})
      if (id < -1 || id >= static_cast<std::int32_t>(n))
        throw std::invalid_argument("gpta::text::byte_bpe: special token id " + std::to_string(id) + " out of range");
    bytes_.resize(n);
    is_special_.assign(n, 0);
    ids_.reserve(n * 2);
    for (std::size_t id = 0; id < n; ++id) {
      const std::string& t = vocab_.tokens[id];
      const auto type = vocab_.token_types.empty() ? bpe_token_type::normal : static_cast<bpe_token_type>(vocab_.token_types[id]);
      if (type == bpe_token_type::control || type == bpe_token_type::user_defined) {
        if (t.empty()) throw std::invalid_argument("gpta::text::byte_bpe: empty special token " + std::to_string(id));
        is_special_[id] = type == bpe_token_type::control ? 1 : 2;
        bytes_[id] = t;  // added tokens are spelled as text, not in the byte alphabet
        specials_.push_back({t, static_cast<std::int32_t>(id), type == bpe_token_type::control});
        special_first_[static_cast<unsigned char>(t[0])] = true;
      } else {
        bytes_[id] = unspell(t);
      }
      ids_.emplace(bytes_[id], static_cast<std::int32_t>(id));  // first spelling wins
      text_ids_.emplace(t, static_cast<std::int32_t>(id));
    }
    // Leftmost-longest matching: try longer specials first at each position.
    std::stable_sort(specials_.begin(), specials_.end(),
                     [](const special& a, const special& b) { return a.text.size() > b.text.size(); });
    for (int b = 0; b < 256; ++b) {
      const auto it = ids_.find(std::string(1, static_cast<char>(b)));
      if (it == ids_.end())
        throw std::invalid_argument("gpta::text::byte_bpe: no token for byte " + std::to_string(b) +
                                    " (a byte-level vocabulary spells all 256)");
      byte_id_[static_cast<std::size_t>(b)] = it->second;
    }
    merges_.reserve(vocab_.merges.size() * 2);
    for (std::size_t rank = 0; rank < vocab_.merges.size(); ++rank) {
      const std::string& m = vocab_.merges[rank];
      const std::size_t sp = m.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 == m.size() || m.find(' ', sp + 1) != std::string::npos)
        throw std::invalid_argument("gpta::text::byte_bpe: merge " + std::to_string(rank) + " is not \"left right\": " + m);
      const std::string l = unspell(std::string_view(m).substr(0, sp)), r = unspell(std::string_view(m).substr(sp + 1));
      const auto li = ids_.find(l), ri = ids_.find(r), mi = ids_.find(l + r);
      if (li == ids_.end() || ri == ids_.end() || mi == ids_.end())
        throw std::invalid_argument("gpta::text::byte_bpe: merge " + std::to_string(rank) + " (" + m +
                                    ") names a token that is not in the vocabulary");
      merges_.emplace(pair_key(li->second, ri->second), merge_info{static_cast<std::int32_t>(rank), mi->second});
    }
  }

  /// Token ids of `text`. With parse_special, control tokens written in the text (`<|im_end|>`)
  /// become their ids; without, they are encoded as plain text. User-defined added tokens
  /// (`<tool_call>`) are matched either way, as the reference and llama.cpp do.
  [[nodiscard]] std::vector<std::int32_t> encode(std::string_view text, bool parse_special = true) const {
    std::vector<std::int32_t> out;
    out.reserve(text.size() / 3 + 4);
    encode_into(text, out, parse_special);
    return out;
  }

  /// encode() appending to `out` (reuse one buffer over a dataset).
  void encode_into(std::string_view text, std::vector<std::int32_t>& out, bool parse_special = true) const {
    std::string repaired;
    if (!data::is_valid_utf8(text)) {
      repaired.assign(text);
      data::utf8_replace_invalid(repaired);
      text = repaired;
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (!special_first_[static_cast<unsigned char>(text[i])]) continue;
      for (const special& s : specials_) {
        if (!s.control || parse_special) {
          if (text.compare(i, s.text.size(), s.text) == 0) {
            encode_plain(text.substr(start, i - start), out);
            out.push_back(s.id);
            start = i + s.text.size();
            i = start - 1;
            break;
          }
        }
      }
    }
    encode_plain(text.substr(start), out);
  }

  /// The bytes the ids stand for, concatenated; special tokens as their text. Ids that end inside
  /// a multi-byte character give a string that is not valid UTF-8 (the reference would show U+FFFD):
  /// join the pieces of a stream before treating them as text.
  [[nodiscard]] std::string decode(std::span<const std::int32_t> ids) const {
    std::string out;
    for (std::int32_t id : ids) out += token_bytes(id);
    return out;
  }

  /// The bytes of one token (decode of a single id).
  [[nodiscard]] const std::string& token_bytes(std::int32_t id) const { return bytes_[checked(id)]; }

  /// Id of a token as the vocabulary spells it (byte alphabet: "Ġthe"; specials: "<|im_end|>").
  [[nodiscard]] std::optional<std::int32_t> token_id(std::string_view token) const {
    const auto it = text_ids_.find(std::string(token));
    if (it == text_ids_.end()) return std::nullopt;
    return it->second;
  }

  [[nodiscard]] const std::string& token(std::int32_t id) const { return vocab_.tokens[checked(id)]; }

  /// Control tokens (matched only with parse_special) and, for is_special, user-defined ones too.
  [[nodiscard]] bool is_control(std::int32_t id) const { return is_special_[checked(id)] == 1; }
  [[nodiscard]] bool is_special(std::int32_t id) const { return is_special_[checked(id)] != 0; }

  [[nodiscard]] std::size_t vocab_size() const noexcept { return vocab_.tokens.size(); }
  [[nodiscard]] std::size_t merge_count() const noexcept { return vocab_.merges.size(); }
  [[nodiscard]] std::int32_t bos() const noexcept { return vocab_.bos; }
  [[nodiscard]] std::int32_t eos() const noexcept { return vocab_.eos; }
  [[nodiscard]] std::int32_t pad() const noexcept { return vocab_.pad; }

 private:
  struct special {
    std::string text;
    std::int32_t id;
    bool control;
  };
  struct merge_info {
    std::int32_t rank;
    std::int32_t merged;
  };
  // Pre-token -> ids. Datasets repeat words, so most words are looked up, not merged.
  struct word_cache {
    std::mutex m;
    std::unordered_map<std::string, std::vector<std::int32_t>> words;
  };
  static constexpr std::size_t max_cached_words = std::size_t{1} << 18;
  static constexpr std::size_t max_cached_length = 64;

  [[nodiscard]] std::size_t checked(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= bytes_.size())
      throw std::invalid_argument("gpta::text::byte_bpe: token id " + std::to_string(id) + " out of range");
    return static_cast<std::size_t>(id);
  }

  [[nodiscard]] static constexpr std::uint64_t pair_key(std::int32_t l, std::int32_t r) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(l)) << 32) | static_cast<std::uint32_t>(r);
  }

  /// A token spelled in the byte alphabet back to bytes; a token using other characters stands for
  /// its own UTF-8 bytes (the reference respells such tokens the same way).
  [[nodiscard]] static std::string unspell(std::string_view t) {
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size();) {
      const detail::decoded_char d = detail::decode_utf8(t, i);
      const int b = detail::unicode_to_byte(d.cp);
      if (b < 0) return std::string(t);
      out += static_cast<char>(b);
      i += d.length;
    }
    return out;
  }

  void encode_plain(std::string_view text, std::vector<std::int32_t>& out) const {
    if (text.empty()) return;
    for (std::string_view word : qwen2_pre_tokenize(text)) encode_word(word, out);
  }

  void encode_word(std::string_view word, std::vector<std::int32_t>& out) const {
    if (word.size() == 1) {
      out.push_back(byte_id_[static_cast<unsigned char>(word[0])]);
      return;
    }
    const bool cacheable = word.size() <= max_cached_length;
    if (cacheable) {
      std::lock_guard lock(cache_->m);
      const auto it = cache_->words.find(std::string(word));
      if (it != cache_->words.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    const std::size_t first = out.size();
    merge_word(word, out);
    if (cacheable) {
      std::lock_guard lock(cache_->m);
      if (cache_->words.size() >= max_cached_words) cache_->words.clear();
      cache_->words.emplace(std::string(word), std::vector<std::int32_t>(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()));
    }
  }

  /// Merge the best-ranked adjacent pair until none is left; equal ranks (the same pair twice) go
  /// leftmost first. A heap of candidate pairs, checked when popped, keeps long words O(n log n).
  void merge_word(std::string_view word, std::vector<std::int32_t>& out) const {
    struct symbol {
      std::int32_t id;
      std::int32_t prev, next;  // -1 at the ends; id -1 once merged into its left neighbour
    };
    struct candidate {
      std::int32_t rank, pos, left, right, merged;
      bool operator>(const candidate& o) const noexcept { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    const auto n = static_cast<std::int32_t>(word.size());
    std::vector<symbol> sym(static_cast<std::size_t>(n));
    for (std::int32_t k = 0; k < n; ++k)
      sym[static_cast<std::size_t>(k)] = {byte_id_[static_cast<unsigned char>(word[static_cast<std::size_t>(k)])], k - 1,
                                          k + 1 < n ? k + 1 : -1};
    std::priority_queue<candidate, std::vector<candidate>, std::greater<>> heap;
    const auto push = [&](std::int32_t pos) {
      const symbol& a = sym[static_cast<std::size_t>(pos)];
      if (a.next < 0) return;
      const symbol& b = sym[static_cast<std::size_t>(a.next)];
      const auto it = merges_.find(pair_key(a.id, b.id));
      if (it != merges_.end()) heap.push({it->second.rank, pos, a.id, b.id, it->second.merged});
    };
    for (std::int32_t k = 0; k + 1 < n; ++k) push(k);
    while (!heap.empty()) {
      const candidate c = heap.top();
      heap.pop();
      symbol& a = sym[static_cast<std::size_t>(c.pos)];
      if (a.id != c.left || a.next < 0) continue;  // stale: the left symbol changed or lost its neighbour
      symbol& b = sym[static_cast<std::size_t>(a.next)];
      if (b.id != c.right) continue;
      a.id = c.merged;
      a.next = b.next;
      if (b.next >= 0) sym[static_cast<std::size_t>(b.next)].prev = c.pos;
      b.id = -1;
      if (a.prev >= 0) push(a.prev);
      push(c.pos);
    }
    for (std::int32_t k = 0; k >= 0; k = sym[static_cast<std::size_t>(k)].next) out.push_back(sym[static_cast<std::size_t>(k)].id);
  }

  byte_bpe_vocab vocab_;
  std::vector<std::string> bytes_;          // per id: raw bytes (specials: their text)
  std::vector<std::uint8_t> is_special_;    // 0 normal, 1 control, 2 user-defined
  std::unordered_map<std::string, std::int32_t> ids_;       // raw bytes -> id
  std::unordered_map<std::string, std::int32_t> text_ids_;  // spelling -> id
  std::unordered_map<std::uint64_t, merge_info> merges_;    // (left, right) -> rank, merged id
  std::vector<special> specials_;
  std::array<bool, 256> special_first_{};
  std::array<std::int32_t, 256> byte_id_{};
  std::shared_ptr<word_cache> cache_;
};

}  // namespace gpta::text
