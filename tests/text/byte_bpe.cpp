#include <gpta/text/byte_bpe.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using gpta::text::byte_bpe;
using gpta::text::byte_bpe_vocab;
using gpta::text::qwen2_pre_tokenize;
using ids = std::vector<std::int32_t>;
using pieces = std::vector<std::string_view>;

namespace {

// Ids 0-255 are the bytes (spelled in GPT-2's byte alphabet), then the merge results in the order
// below, then three added tokens. Ranks are the merge positions.
const std::vector<std::string> tiny_merges{
    "l l",     // 0 -> 256 "ll"
    "e ll",    // 1 -> 257 "ell"
    "h ell",   // 2 -> 258 "hell"
    "h e",     // 3 -> 259 "he"
    "hell o",  // 4 -> 260 "hello"
    "Ġ t",     // 5 -> 261 "Ġt"
    "Ġt he",   // 6 -> 262 "Ġthe"
    "a a",     // 7 -> 263 "aa"
    "' s",     // 8 -> 264 "'s"
    "Ġ Ġ",     // 9 -> 265 "ĠĠ"
    "Ċ Ċ",     // 10 -> 266 "ĊĊ"
    "1 2",     // 11 -> 267 "12": never used, digits are split one by one
    "Ã ©",     // 12 -> 268 "é" (bytes C3 A9)
};
constexpr std::int32_t ll = 256, ell = 257, hell = 258, he = 259, hello = 260, sp_t = 261, sp_the = 262, aa = 263,
                       apos_s = 264, sp_sp = 265, nl_nl = 266, e_acute = 268, im_start = 269, im_end = 270,
                       tool_call = 271;

byte_bpe_vocab tiny_vocab() {
  byte_bpe_vocab v;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    gpta::data::detail::append_utf8_unchecked(s, gpta::text::detail::byte_to_unicode[static_cast<std::size_t>(b)]);
    v.tokens.push_back(s);
  }
  for (const std::string& m : tiny_merges) {
    const auto sp = m.find(' ');
    v.tokens.push_back(m.substr(0, sp) + m.substr(sp + 1));
  }
  v.tokens.insert(v.tokens.end(), {"<|im_start|>", "<|im_end|>", "<tool_call>"});
  v.merges = tiny_merges;
  v.token_types.assign(v.tokens.size(), 1);
  v.token_types[im_start] = v.token_types[im_end] = 3;  // control
  v.token_types[tool_call] = 4;                          // user-defined
  v.eos = im_end;
  v.pad = im_start;
  return v;
}

const byte_bpe& tiny() {
  static const byte_bpe t(tiny_vocab());
  return t;
}

std::int32_t b(char c) { return static_cast<unsigned char>(c); }

}  // namespace

BOOST_AUTO_TEST_CASE(byte_alphabet_is_gpt2s) {
  using gpta::text::detail::byte_to_unicode;
  BOOST_TEST(static_cast<std::uint32_t>(byte_to_unicode['a']) == 'a');
  BOOST_TEST(static_cast<std::uint32_t>(byte_to_unicode[' ']) == 0x120u);   // Ġ
  BOOST_TEST(static_cast<std::uint32_t>(byte_to_unicode['\n']) == 0x10Au);  // Ċ
  BOOST_TEST(static_cast<std::uint32_t>(byte_to_unicode[0]) == 0x100u);
  BOOST_TEST(static_cast<std::uint32_t>(byte_to_unicode[0x7F]) == 0x121u);
  BOOST_TEST(static_cast<std::uint32_t>(byte_to_unicode[0xAD]) == 0x143u);  // last of the 68 remapped bytes
  BOOST_TEST(static_cast<std::uint32_t>(byte_to_unicode[0xE9]) == 0xE9u);
  for (int x = 0; x < 256; ++x) BOOST_TEST(gpta::text::detail::unicode_to_byte(byte_to_unicode[static_cast<std::size_t>(x)]) == x);
  BOOST_TEST(gpta::text::detail::unicode_to_byte(0x144) == -1);
  BOOST_TEST(gpta::text::detail::unicode_to_byte(0xAD) == -1);  // soft hyphen is remapped, not itself
}

BOOST_AUTO_TEST_CASE(vocabulary_accessors) {
  const byte_bpe& t = tiny();
  BOOST_TEST(t.vocab_size() == 272u);
  BOOST_TEST(t.merge_count() == tiny_merges.size());
  BOOST_TEST(t.eos() == im_end);
  BOOST_TEST(t.pad() == im_start);
  BOOST_TEST(t.bos() == -1);
  BOOST_TEST(t.token_id("Ġthe").value() == sp_the);
  BOOST_TEST(t.token_id("<|im_end|>").value() == im_end);
  BOOST_TEST(!t.token_id(" the").has_value());  // spelled in the byte alphabet, not as text
  BOOST_TEST(t.token(sp_the) == "Ġthe");
  BOOST_TEST(t.token_bytes(sp_the) == " the");
  BOOST_TEST(t.is_control(im_start));
  BOOST_TEST(!t.is_control(tool_call));
  BOOST_TEST(t.is_special(tool_call));
  BOOST_TEST(!t.is_special(hello));
  BOOST_CHECK_THROW((void)t.token(272), std::invalid_argument);
  BOOST_CHECK_THROW((void)t.decode(ids{-1}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(merges_apply_best_rank_first) {
  const byte_bpe& t = tiny();
  // hello: l l (0) -> h e ll o; e ll (1) beats h e (3) -> h ell o; h ell (2) -> hell o; hell o (4).
  BOOST_TEST(t.encode("hello") == ids{hello});
  BOOST_TEST(t.encode("hell") == ids{hell});
  BOOST_TEST(t.encode("he") == ids{he});
  // h e l: no "l l", so h e (3) is the only merge.
  BOOST_TEST(t.encode("hel") == ids({he, b('l')}));
  // " the": h e (3) first, then Ġ t (5), then Ġt he (6).
  BOOST_TEST(t.encode(" the") == ids{sp_the});
  // " then": the word is " then" -> Ġthe n.
  BOOST_TEST(t.encode(" then") == ids({sp_the, b('n')}));
  // equal rank (the same pair twice): leftmost first.
  BOOST_TEST(t.encode("aaa") == ids({aa, b('a')}));
  BOOST_TEST(t.encode("aaaa") == ids({aa, aa}));
  BOOST_TEST(t.encode("aaaaa") == ids({aa, aa, b('a')}));
  // "ell" needs "l l" first even though "e l" appears to its left.
  BOOST_TEST(t.encode("ell") == ids{ell});
  BOOST_TEST(t.encode("") == ids{});
}

BOOST_AUTO_TEST_CASE(every_byte_has_a_token_without_merges) {
  const byte_bpe& t = tiny();
  BOOST_TEST(t.encode("\n") == ids{10});
  BOOST_TEST(t.encode("\x01") == ids{1});
  BOOST_TEST(t.encode("z") == ids{b('z')});
  BOOST_TEST(t.encode("é") == ids{e_acute});  // C3 A9 merged by "Ã ©"
  BOOST_TEST(t.encode("ü") == ids({0xC3, 0xBC}));
  BOOST_TEST(t.encode("日") == ids({0xE6, 0x97, 0xA5}));
  BOOST_TEST(t.encode("😀") == ids({0xF0, 0x9F, 0x98, 0x80}));
}

BOOST_AUTO_TEST_CASE(pre_tokeniser_splits_contractions_case_insensitively) {
  BOOST_TEST(qwen2_pre_tokenize("I'm here") == pieces({"I", "'m", " here"}));
  BOOST_TEST(qwen2_pre_tokenize("HE'LL") == pieces({"HE", "'LL"}));
  BOOST_TEST(qwen2_pre_tokenize("you'Re we'VE it's I'D don'T") ==
             pieces({"you", "'Re", " we", "'VE", " it", "'s", " I", "'D", " don", "'T"}));
  // not a contraction: the apostrophe leads the letters that follow
  BOOST_TEST(qwen2_pre_tokenize("'x") == pieces({"'x"}));
  BOOST_TEST(qwen2_pre_tokenize("'sx") == pieces({"'s", "x"}));
  BOOST_TEST(qwen2_pre_tokenize("'ſ") == pieces({"'ſ"}));  // no Unicode case folding (U+017F)
  BOOST_TEST(qwen2_pre_tokenize("''s") == pieces({"''", "s"}));  // a run of punctuation wins over the contraction
  BOOST_TEST(tiny().encode("it's") == ids({b('i'), b('t'), apos_s}));
}

BOOST_AUTO_TEST_CASE(pre_tokeniser_takes_digits_one_at_a_time) {
  BOOST_TEST(qwen2_pre_tokenize("12345") == pieces({"1", "2", "3", "4", "5"}));
  BOOST_TEST(qwen2_pre_tokenize("abc123def") == pieces({"abc", "1", "2", "3", "def"}));
  BOOST_TEST(qwen2_pre_tokenize(" 42") == pieces({" ", "4", "2"}));
  BOOST_TEST(qwen2_pre_tokenize("٣٤") == pieces({"٣", "٤"}));  // Arabic-Indic digits are \p{N}
  BOOST_TEST(qwen2_pre_tokenize("½x") == pieces({"½", "x"}));  // No is \p{N} too
  BOOST_TEST(tiny().encode("12") == ids({b('1'), b('2')}));    // merge "1 2" cannot apply across words
}

BOOST_AUTO_TEST_CASE(pre_tokeniser_handles_whitespace_runs_and_newlines) {
  BOOST_TEST(qwen2_pre_tokenize("a   b") == pieces({"a", "  ", " b"}));  // \s+(?!\S) leaves one blank
  BOOST_TEST(qwen2_pre_tokenize("a b") == pieces({"a", " b"}));
  BOOST_TEST(qwen2_pre_tokenize("a  ") == pieces({"a", "  "}));  // at the end the run stays whole
  BOOST_TEST(qwen2_pre_tokenize("a \n\n b") == pieces({"a", " \n\n", " b"}));  // up to the last newline
  BOOST_TEST(qwen2_pre_tokenize("a\n \n  b") == pieces({"a", "\n \n", " ", " b"}));
  BOOST_TEST(qwen2_pre_tokenize("\nfoo") == pieces({"\n", "foo"}));  // a newline never leads a word
  BOOST_TEST(qwen2_pre_tokenize("\tfoo") == pieces({"\tfoo"}));      // a tab does
  BOOST_TEST(qwen2_pre_tokenize("\t\tfoo") == pieces({"\t", "\tfoo"}));
  BOOST_TEST(qwen2_pre_tokenize("x\r\ny") == pieces({"x", "\r\n", "y"}));
  BOOST_TEST(qwen2_pre_tokenize("a\u00a0b") == pieces({"a", "\u00a0b"}));  // NBSP is \s and leads a word
  BOOST_TEST(qwen2_pre_tokenize("   ") == pieces({"   "}));
  BOOST_TEST(qwen2_pre_tokenize(" ") == pieces({" "}));
  const byte_bpe& t = tiny();
  BOOST_TEST(t.encode("a   the") == ids({b('a'), sp_sp, sp_the}));
  BOOST_TEST(t.encode("\n\n") == ids{nl_nl});
}

BOOST_AUTO_TEST_CASE(pre_tokeniser_groups_punctuation_and_letters) {
  BOOST_TEST(qwen2_pre_tokenize("x!!! y") == pieces({"x", "!!!", " y"}));
  BOOST_TEST(qwen2_pre_tokenize("x ...\n\ny") == pieces({"x", " ...\n\n", "y"}));  // trailing newlines join punctuation
  BOOST_TEST(qwen2_pre_tokenize("...hello") == pieces({"...", "hello"}));
  BOOST_TEST(qwen2_pre_tokenize("$hello") == pieces({"$hello"}));  // one non-letter may lead a word
  BOOST_TEST(qwen2_pre_tokenize("f(x)=y;") == pieces({"f", "(x", ")=", "y", ";"}));
  BOOST_TEST(qwen2_pre_tokenize("héllo wörld") == pieces({"héllo", " wörld"}));
  BOOST_TEST(qwen2_pre_tokenize("日本語テキスト。") == pieces({"日本語テキスト", "。"}));
  BOOST_TEST(qwen2_pre_tokenize("Привет, мир") == pieces({"Привет", ",", " мир"}));
  BOOST_TEST(qwen2_pre_tokenize("👍👍 ok") == pieces({"👍👍", " ok"}));
  BOOST_TEST(qwen2_pre_tokenize(" 👍") == pieces({" 👍"}));
}

BOOST_AUTO_TEST_CASE(special_tokens_are_matched_when_asked) {
  const byte_bpe& t = tiny();
  const std::string text = "<|im_start|>he<|im_end|>\n";
  BOOST_TEST(t.encode(text) == ids({im_start, he, im_end, b('\n')}));
  // Without parse_special the control tokens are text: "<|", "im", "_start", "|>he", ...
  const ids plain = t.encode(text, false);
  BOOST_TEST((std::find(plain.begin(), plain.end(), im_start) == plain.end()));
  BOOST_TEST((std::find(plain.begin(), plain.end(), im_end) == plain.end()));
  BOOST_TEST(t.decode(plain) == text);
  // The text between specials is pre-tokenised on its own: " the" after a special keeps its blank.
  BOOST_TEST(t.encode("<|im_end|> the") == ids({im_end, sp_the}));
  BOOST_TEST(t.encode("he<|im_end|><|im_end|>he") == ids({he, im_end, im_end, he}));
  // User-defined added tokens are always whole.
  BOOST_TEST(t.encode("<tool_call>he", true) == ids({tool_call, he}));
  BOOST_TEST(t.encode("<tool_call>he", false) == ids({tool_call, he}));
  // A prefix of a special token is plain text.
  BOOST_TEST(t.encode("<|im_end") == t.encode("<|im_end", false));
  BOOST_TEST(t.decode(t.encode(text)) == text);
}

BOOST_AUTO_TEST_CASE(decode_inverts_encode_on_valid_utf8) {
  const byte_bpe& t = tiny();
  for (const std::string& s : std::vector<std::string>{"hello the world", "  leading and trailing  ", "tabs\tand\nnewlines\r\n\n", "héllo wörld é", "数字 12345!",
        "😀👍🏽 emoji", "it's HE'LL", "<|im_start|>user\nhi<|im_end|>", std::string("nul\0byte", 8), "x ...\n\ny"}) {
    BOOST_TEST(t.decode(t.encode(s)) == s);
    BOOST_TEST(t.decode(t.encode(s, false)) == s);
  }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_becomes_replacement_characters) {
  const byte_bpe& t = tiny();
  // One U+FFFD per maximal ill-formed subpart, as Python's errors="replace" gives the reference.
  BOOST_TEST(t.encode("a\xff" "b") == t.encode("a\xEF\xBF\xBD" "b"));
  BOOST_TEST(t.encode("\xE6\x97" "x") == t.encode("\xEF\xBF\xBD" "x"));  // truncated 3-byte sequence: one U+FFFD
  BOOST_TEST(t.encode("\xC0\xAF") == t.encode("\xEF\xBF\xBD\xEF\xBF\xBD"));  // overlong: two
  BOOST_TEST(t.decode(t.encode("a\xff")) == "a\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(long_words_merge_like_short_ones) {
  const byte_bpe& t = tiny();
  const ids many = t.encode(std::string(1001, 'a'));
  BOOST_TEST(many.size() == 501u);
  BOOST_TEST(many.back() == b('a'));
  BOOST_TEST(std::count(many.begin(), many.end(), aa) == 500);
  // Repeated encodes hit the word cache and must give the same answer.
  BOOST_TEST(t.encode("hello hello hello") == t.encode("hello hello hello"));
  BOOST_TEST(t.encode("hello hello") == ids({hello, b(' '), hello}));  // no "Ġ h" merge: Ġ stays alone
}

BOOST_AUTO_TEST_CASE(bad_vocabularies_are_rejected) {
  byte_bpe_vocab v = tiny_vocab();
  v.merges.push_back("x yz");  // "yz" is no token
  BOOST_CHECK_THROW(byte_bpe{v}, std::invalid_argument);
  v = tiny_vocab();
  v.merges.push_back("xy");
  BOOST_CHECK_THROW(byte_bpe{v}, std::invalid_argument);
  v = tiny_vocab();
  v.tokens[b('q')] = "qq";  // byte 'q' has no token any more
  BOOST_CHECK_THROW(byte_bpe{v}, std::invalid_argument);
  v = tiny_vocab();
  v.token_types.pop_back();
  BOOST_CHECK_THROW(byte_bpe{v}, std::invalid_argument);
  v = tiny_vocab();
  v.eos = 1000;
  BOOST_CHECK_THROW(byte_bpe{v}, std::invalid_argument);
}
