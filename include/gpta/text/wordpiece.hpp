// WordPiece tokenizer of pretrained BERT-family students (uncased vocab.txt), id-for-id the reference
// (HF tokenizers' BertWordPiece), plus the [CLS] prefix [SEP] input [SEP] layout GPTA feeds them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <gpta/data/utf8.hpp>
#include <gpta/detail/error.hpp>
#include <gpta/text/basic_tokenizer.hpp>

namespace gpta::text {

struct wordpiece_options {
  /// false (the reference's behaviour): text that spells a special token, e.g. "[SEP]", is that
  /// token. true: it is plain text ("[", "sep", "]"), like HF's split_special_tokens=True - the
  /// safe choice for text nobody controls, such as an LLM-written prefix.
  bool split_special_tokens = false;
  /// Longer words (in normalised characters) become one [UNK], as in the reference.
  std::size_t max_input_chars_per_word = 100;
};

/// Byte range of a token in the text it came from; {0, 0} for special tokens and padding.
struct token_offset {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  friend bool operator==(const token_offset&, const token_offset&) = default;
};

/// One model input. `offsets[i]` indexes the text of the segment token i belongs to: the prefix
/// (or `first`) for token type 0, the input (or `second`) for token type 1 - except that with no
/// prefix the input is segment 0.
struct bert_encoding {
  std::vector<int> input_ids;
  std::vector<int> token_type_ids;
  std::vector<int> attention_mask;  ///< 1 for real tokens, 0 for padding added by pad()
  std::size_t prefix_tokens = 0;    ///< prefix word pieces kept, at positions 1..prefix_tokens
  std::size_t input_tokens = 0;     ///< input (encode_pair: second segment) word pieces kept
  std::size_t truncated_tokens = 0; ///< word pieces cut by truncation (prefix budget included)
  std::vector<token_offset> offsets;

  [[nodiscard]] std::size_t size() const noexcept { return input_ids.size(); }
};

namespace detail {
struct wordpiece_string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
}  // namespace detail

class wordpiece_tokenizer {
 public:
  /// One token per line, id = line number - 1 (a trailing '\r' is ignored). Errors are
  /// gpta::data_error naming the file and line: missing file, invalid UTF-8, empty or duplicate
  /// token, or a vocabulary without [PAD], [UNK], [CLS], [SEP] or [MASK].
  [[nodiscard]] static wordpiece_tokenizer from_vocab_file(const std::filesystem::path& path,
                                                           wordpiece_options options = {}) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw data_error(errc::file_not_found, path, 0, "cannot open WordPiece vocabulary");
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) throw data_error(errc::io_error, path, 0, "cannot read WordPiece vocabulary");
    const std::string bytes = std::move(buf).str();
    std::vector<std::string> tokens;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      std::size_t nl = bytes.find('\n', pos);
      if (nl == std::string::npos) nl = bytes.size();
      std::string_view line(bytes.data() + pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!data::is_valid_utf8(line)) {
        throw data_error(errc::encoding_error, path, tokens.size() + 1, "token is not valid UTF-8");
      }
      tokens.emplace_back(line);
      pos = nl + 1;
    }
    wordpiece_tokenizer t(options);
    t.build(std::move(tokens), [&](std::size_t line, const std::string& what) {
      throw data_error(errc::bad_record, path, line, what);
    });
    return t;
  }

  /// Vocabulary given in memory (id = index); misuse is std::invalid_argument.
  [[nodiscard]] static wordpiece_tokenizer from_tokens(std::vector<std::string> tokens, wordpiece_options options = {}) {
    wordpiece_tokenizer t(options);
    t.build(std::move(tokens), [](std::size_t index, const std::string& what) {
      throw std::invalid_argument("gpta::text::wordpiece_tokenizer::from_tokens: " + what +
                                  (index ? " (token " + std::to_string(index - 1) + ")" : std::string()));
    });
    return t;
  }

  /// Word-piece ids of `text`, no special tokens added.
  [[nodiscard]] std::vector<int> encode(std::string_view text) const {
    std::vector<int> ids;
    encode_into(text, ids, nullptr);
    return ids;
  }

  /// Appends the ids of `text` to `ids` and, when `offsets` is given, their byte ranges in `text`.
  void encode_into(std::string_view text, std::vector<int>& ids, std::vector<token_offset>* offsets) const {
    basic_words words;
    std::string scratch;
    auto plain = [&](std::size_t begin, std::size_t end) {
      if (begin == end) return;
      words.clear();
      append_basic_words(text.substr(begin, end - begin), begin, words);
      for (std::size_t w = 0; w < words.size(); ++w) pieces_of(words, w, ids, offsets, scratch);
    };
    std::size_t done = 0;
    if (!options_.split_special_tokens) {
      // Specials are matched on the raw text, leftmost then longest, before normalisation.
      for (std::size_t i = text.find('['); i != std::string_view::npos; i = text.find('[', i)) {
        const special_entry* best = nullptr;
        for (const special_entry& s : specials_)
          if (text.substr(i).starts_with(s.text) && (!best || s.text.size() > best->text.size())) best = &s;
        if (!best) {
          ++i;
          continue;
        }
        plain(done, i);
        ids.push_back(best->id);
        if (offsets) offsets->push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + best->text.size())});
        i += best->text.size();
        done = i;
      }
    }
    plain(done, text.size());
  }

  /// The word pieces of `text` as strings ("##" marks a continuation).
  [[nodiscard]] std::vector<std::string> tokenize(std::string_view text) const {
    std::vector<std::string> out;
    for (int id : encode(text)) out.push_back(tokens_[static_cast<std::size_t>(id)]);
    return out;
  }

  /// `[CLS] prefix [SEP] input [SEP]` (token types 0 then 1), or `[CLS] input [SEP]` when no
  /// prefix token is left. GPTA's truncation: the prefix is cut to `prefix_budget` word pieces,
  /// then further (from its end) until everything fits; only then is the input cut from its end.
  /// The task input is the student's evidence, the prefix only a hint.
  [[nodiscard]] bert_encoding encode_with_prefix(std::string_view prefix, std::string_view input,
                                                 std::size_t max_length, std::size_t prefix_budget) const {
    if (max_length < 2) {
      throw std::invalid_argument("gpta::text::wordpiece_tokenizer::encode_with_prefix: max_length " +
                                  std::to_string(max_length) + " leaves no room for [CLS] and [SEP]");
    }
    segment p = encode_segment(prefix), x = encode_segment(input);
    const std::size_t total_pieces = p.ids.size() + x.ids.size();
    const std::size_t room_for_prefix = max_length >= 3 + x.ids.size() ? max_length - 3 - x.ids.size() : 0;
    const std::size_t keep_p = std::min({p.ids.size(), prefix_budget, room_for_prefix});
    const std::size_t specials = keep_p > 0 ? 3 : 2;
    const std::size_t keep_x = std::min(x.ids.size(), max_length - specials - keep_p);
    bert_encoding e;
    e.prefix_tokens = keep_p;
    e.input_tokens = keep_x;
    e.truncated_tokens = total_pieces - keep_p - keep_x;
    push_special(e, cls_id_, 0);
    if (keep_p > 0) {
      append(e, p, keep_p, 0);
      push_special(e, sep_id_, 0);
    }
    const int input_type = keep_p > 0 ? 1 : 0;
    append(e, x, keep_x, input_type);
    push_special(e, sep_id_, input_type);
    return e;
  }

  /// `[CLS] first [SEP] second [SEP]` for reading comprehension (question and prefix first,
  /// passage second), truncated like the reference's longest-first strategy: the longer segment
  /// is cut; when both must be cut, `first` keeps floor(room / 2) pieces unless it was the longer.
  [[nodiscard]] bert_encoding encode_pair(std::string_view first, std::string_view second, std::size_t max_length) const {
    if (max_length < 3) {
      throw std::invalid_argument("gpta::text::wordpiece_tokenizer::encode_pair: max_length " +
                                  std::to_string(max_length) + " leaves no room for [CLS] [SEP] [SEP]");
    }
    segment a = encode_segment(first), b = encode_segment(second);
    const std::size_t room = max_length - 3;
    std::size_t n1 = a.ids.size(), n2 = b.ids.size();
    if (n1 + n2 > room) {
      // Same arithmetic as HF tokenizers' TruncationStrategy::LongestFirst.
      const bool swapped = n1 > n2;
      std::size_t s = std::min(n1, n2), l = std::max(n1, n2);
      l = s > room ? s : std::max(s, room - s);
      if (s + l > room) {
        s = room / 2;
        l = s + room % 2;
      }
      n1 = std::min(n1, swapped ? l : s);
      n2 = std::min(n2, swapped ? s : l);
    }
    bert_encoding e;
    e.input_tokens = n2;
    e.truncated_tokens = a.ids.size() + b.ids.size() - n1 - n2;
    push_special(e, cls_id_, 0);
    append(e, a, n1, 0);
    push_special(e, sep_id_, 0);
    append(e, b, n2, 1);
    push_special(e, sep_id_, 1);
    return e;
  }

  /// Pads `e` with [PAD] (type 0, mask 0) up to `length`; longer encodings are left alone.
  void pad(bert_encoding& e, std::size_t length) const {
    if (e.size() >= length) return;
    e.input_ids.resize(length, pad_id_);
    e.token_type_ids.resize(length, 0);
    e.attention_mask.resize(length, 0);
    e.offsets.resize(length);
  }

  [[nodiscard]] int cls_id() const noexcept { return cls_id_; }
  [[nodiscard]] int sep_id() const noexcept { return sep_id_; }
  [[nodiscard]] int pad_id() const noexcept { return pad_id_; }
  [[nodiscard]] int unk_id() const noexcept { return unk_id_; }
  [[nodiscard]] int mask_id() const noexcept { return mask_id_; }
  [[nodiscard]] std::size_t vocab_size() const noexcept { return tokens_.size(); }
  [[nodiscard]] const wordpiece_options& options() const noexcept { return options_; }

  [[nodiscard]] std::optional<int> token_id(std::string_view token) const {
    const auto it = index_.find(token);
    return it == index_.end() ? std::nullopt : std::optional<int>(it->second);
  }

  [[nodiscard]] const std::string& token(int id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size()) {
      throw std::invalid_argument("gpta::text::wordpiece_tokenizer::token: id " + std::to_string(id) +
                                  " outside [0, " + std::to_string(tokens_.size()) + ")");
    }
    return tokens_[static_cast<std::size_t>(id)];
  }

 private:
  struct special_entry {
    std::string text;
    int id;
  };
  struct segment {
    std::vector<int> ids;
    std::vector<token_offset> offsets;
  };

  explicit wordpiece_tokenizer(wordpiece_options options) : options_(options) {}

  template <class Fail>
  void build(std::vector<std::string> tokens, Fail&& fail) {
    if (tokens.size() > static_cast<std::size_t>(INT32_MAX)) fail(0, "vocabulary too large");
    index_.reserve(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i].empty()) fail(i + 1, "empty token");
      const auto [it, inserted] = index_.emplace(tokens[i], static_cast<int>(i));
      if (!inserted) {
        fail(i + 1, "duplicate token '" + tokens[i] + "' (first at line " + std::to_string(it->second + 1) + ")");
      }
      max_token_bytes_ = std::max(max_token_bytes_, tokens[i].size());
    }
    tokens_ = std::move(tokens);
    auto need = [&](std::string_view name) {
      const auto it = index_.find(name);
      if (it == index_.end()) fail(0, "vocabulary has no " + std::string(name) + " token");
      specials_.push_back({std::string(name), it->second});
      return it->second;
    };
    pad_id_ = need("[PAD]");
    unk_id_ = need("[UNK]");
    cls_id_ = need("[CLS]");
    sep_id_ = need("[SEP]");
    mask_id_ = need("[MASK]");
  }

  // Greedy longest-match-first over the word's characters, as the reference: the first piece
  // bare, the others with "##"; a word with any unmatched rest is one [UNK].
  void pieces_of(const basic_words& words, std::size_t w, std::vector<int>& ids, std::vector<token_offset>* offsets,
                 std::string& scratch) const {
    const auto& word = words.words[w];
    const auto& ch = words.chars;
    auto offset_of = [&](std::uint32_t first, std::uint32_t end) {
      return token_offset{ch[first].src_begin, ch[end - 1].src_end};
    };
    const std::size_t ids_before = ids.size();
    const std::size_t offsets_before = offsets ? offsets->size() : 0;
    bool bad = words.word_chars(w) > options_.max_input_chars_per_word;
    for (std::uint32_t start = word.first_char; !bad && start < word.end_char;) {
      const bool cont = start != word.first_char;
      std::uint32_t end = word.end_char;
      const std::size_t limit = max_token_bytes_ - (cont ? std::min<std::size_t>(max_token_bytes_, 2) : 0);
      while (end > start && ch[end].byte - ch[start].byte > limit) --end;  // cannot match anything
      int found = -1;
      for (; end > start; --end) {
        const std::string_view piece(words.text.data() + ch[start].byte, ch[end].byte - ch[start].byte);
        std::string_view key = piece;
        if (cont) {
          scratch.assign("##");
          scratch.append(piece);
          key = scratch;
        }
        if (const auto it = index_.find(key); it != index_.end()) {
          found = it->second;
          break;
        }
      }
      if (found < 0) {
        bad = true;
        break;
      }
      ids.push_back(found);
      if (offsets) offsets->push_back(offset_of(start, end));
      start = end;
    }
    if (bad) {
      ids.resize(ids_before);
      ids.push_back(unk_id_);
      if (offsets) {
        offsets->resize(offsets_before);
        offsets->push_back(offset_of(word.first_char, word.end_char));
      }
    }
  }

  [[nodiscard]] segment encode_segment(std::string_view text) const {
    segment s;
    encode_into(text, s.ids, &s.offsets);
    return s;
  }

  static void push_special(bert_encoding& e, int id, int type) {
    e.input_ids.push_back(id);
    e.token_type_ids.push_back(type);
    e.attention_mask.push_back(1);
    e.offsets.push_back({});
  }

  static void append(bert_encoding& e, const segment& s, std::size_t n, int type) {
    e.input_ids.insert(e.input_ids.end(), s.ids.begin(), s.ids.begin() + static_cast<std::ptrdiff_t>(n));
    e.token_type_ids.insert(e.token_type_ids.end(), n, type);
    e.attention_mask.insert(e.attention_mask.end(), n, 1);
    e.offsets.insert(e.offsets.end(), s.offsets.begin(), s.offsets.begin() + static_cast<std::ptrdiff_t>(n));
  }

  wordpiece_options options_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int, detail::wordpiece_string_hash, std::equal_to<>> index_;
  std::vector<special_entry> specials_;
  std::size_t max_token_bytes_ = 0;
  int pad_id_ = 0, unk_id_ = 0, cls_id_ = 0, sep_id_ = 0, mask_id_ = 0;
};

}  // namespace gpta::text
