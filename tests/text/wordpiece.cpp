#include <gpta/text/wordpiece.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using gpta::text::wordpiece_tokenizer;
using ids = std::vector<int>;

namespace {

// Ids are the positions in this list.
const std::vector<std::string> tiny_vocab{
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",                 // 0-4
    "un", "una", "##ffable", "##aff", "##able",                   // 5-9
    "the", "cat", "##s", ",", "!", "hello", "world", "a", "##a",  // 10-18
    "你", "好", "cafe", "[", "sep", "]", "good", "movie", "great",  // 19-27
    "is", "this", "x", "##x"};                                     // 28-31

wordpiece_tokenizer tiny(gpta::text::wordpiece_options o = {}) { return wordpiece_tokenizer::from_tokens(tiny_vocab, o); }

}  // namespace

BOOST_AUTO_TEST_CASE(special_ids_come_from_the_vocabulary) {
  const auto t = tiny();
  BOOST_TEST(t.pad_id() == 0);
  BOOST_TEST(t.unk_id() == 1);
  BOOST_TEST(t.cls_id() == 2);
  BOOST_TEST(t.sep_id() == 3);
  BOOST_TEST(t.mask_id() == 4);
  BOOST_TEST(t.vocab_size() == tiny_vocab.size());
  BOOST_TEST(t.token(12) == "##s");
  BOOST_TEST(t.token_id("##able").value() == 9);
  BOOST_TEST(!t.token_id("dog").has_value());
  BOOST_CHECK_THROW((void)t.token(32), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(greedy_longest_match_first_without_backtracking) {
  const auto t = tiny();
  // "una" is longer than "un", so it wins although "un ##aff ##able" would also spell the word.
  BOOST_TEST(t.encode("unaffable") == (ids{6, 7}), boost::test_tools::per_element());
  // After "una" nothing matches "ff": the whole word is [UNK] (no backtracking to "un ##aff").
  BOOST_TEST(t.encode("unaff") == (ids{1}), boost::test_tools::per_element());
  BOOST_TEST(t.encode("cats") == (ids{11, 12}), boost::test_tools::per_element());
  BOOST_TEST(t.tokenize("The CATS!") == (std::vector<std::string>{"the", "cat", "##s", "!"}),
             boost::test_tools::per_element());
  BOOST_TEST(t.encode("dog") == (ids{1}), boost::test_tools::per_element());
  BOOST_TEST(t.encode("").empty());
  BOOST_TEST(t.encode(" \t\n").empty());
}

BOOST_AUTO_TEST_CASE(basic_tokenisation_lowercases_strips_accents_and_splits) {
  const auto t = tiny();
  BOOST_TEST(t.encode("Café,hello") == (ids{21, 13, 15}), boost::test_tools::per_element());
  BOOST_TEST(t.encode("CAFE\u0301!") == (ids{21, 14}), boost::test_tools::per_element());
  // CJK ideographs are words of their own even without spaces.
  BOOST_TEST(t.encode("a你好a") == (ids{17, 19, 20, 17}), boost::test_tools::per_element());
  // Control and zero-width format characters vanish without splitting the word.
  BOOST_TEST(t.encode("hel\u200blo wor\x01ld") == (ids{15, 16}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(words_over_100_characters_are_unknown) {
  const auto t = tiny();
  ids hundred{17};
  hundred.insert(hundred.end(), 99, 18);
  BOOST_TEST(t.encode(std::string(100, 'a')) == hundred, boost::test_tools::per_element());
  BOOST_TEST(t.encode(std::string(101, 'a')) == (ids{1}), boost::test_tools::per_element());
  // The limit counts characters after normalisation, not bytes: 100 x "á" is 200 bytes.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\u00e1";
  BOOST_TEST(t.encode(accented) == hundred, boost::test_tools::per_element());
  const auto strict = tiny({.max_input_chars_per_word = 3});
  BOOST_TEST(strict.encode("cats") == (ids{1}), boost::test_tools::per_element());
  BOOST_TEST(strict.encode("cat") == (ids{11}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(special_token_spellings_follow_the_option) {
  BOOST_TEST(tiny().encode("hello [SEP] world") == (ids{15, 3, 16}), boost::test_tools::per_element());
  BOOST_TEST(tiny().encode("hello[SEP]world") == (ids{15, 3, 16}), boost::test_tools::per_element());
  BOOST_TEST(tiny().encode("hello [sep] world") == (ids{15, 22, 23, 24, 16}), boost::test_tools::per_element());
  const auto plain = tiny({.split_special_tokens = true});
  BOOST_TEST(plain.encode("hello [SEP] world") == (ids{15, 22, 23, 24, 16}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(offsets_point_into_the_source_text) {
  const auto t = tiny();
  std::vector<int> out;
  std::vector<gpta::text::token_offset> off;
  const std::string text = "Caf\u00e9 cats [SEP]";
  t.encode_into(text, out, &off);
  BOOST_TEST(out == (ids{21, 11, 12, 3}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(off.size() == 4u);
  BOOST_TEST((off[0] == gpta::text::token_offset{0, 5}));  // "Café": é is two bytes
  BOOST_TEST((off[1] == gpta::text::token_offset{6, 9}));  // "cat"
  BOOST_TEST((off[2] == gpta::text::token_offset{9, 10}));  // "##s"
  BOOST_TEST((off[3] == gpta::text::token_offset{11, 16}));  // "[SEP]"
}

BOOST_AUTO_TEST_CASE(prefix_layout_and_budget) {
  const auto t = tiny();
  const std::string prefix = "the cat is good";       // 10 11 28 25
  const std::string input = "this movie is great";    // 29 26 28 27
  const auto e = t.encode_with_prefix(prefix, input, 32, 8);
  BOOST_TEST(e.input_ids == (ids{2, 10, 11, 28, 25, 3, 29, 26, 28, 27, 3}), boost::test_tools::per_element());
  BOOST_TEST(e.token_type_ids == (ids{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}), boost::test_tools::per_element());
  BOOST_TEST(e.attention_mask == ids(11, 1), boost::test_tools::per_element());
  BOOST_TEST(e.prefix_tokens == 4u);
  BOOST_TEST(e.input_tokens == 4u);
  BOOST_TEST(e.truncated_tokens == 0u);
  BOOST_TEST_REQUIRE(e.offsets.size() == 11u);
  BOOST_TEST((e.offsets[0] == gpta::text::token_offset{}));
  BOOST_TEST((e.offsets[2] == gpta::text::token_offset{4, 7}));   // "cat" in the prefix
  BOOST_TEST((e.offsets[7] == gpta::text::token_offset{5, 10}));  // "movie" in the input

  // The budget cuts the prefix from its end; the input is untouched.
  const auto b = t.encode_with_prefix(prefix, input, 32, 2);
  BOOST_TEST(b.input_ids == (ids{2, 10, 11, 3, 29, 26, 28, 27, 3}), boost::test_tools::per_element());
  BOOST_TEST(b.prefix_tokens == 2u);
  BOOST_TEST(b.truncated_tokens == 2u);

  // No prefix at all: a single segment.
  const auto n = t.encode_with_prefix("", input, 32, 8);
  BOOST_TEST(n.input_ids == (ids{2, 29, 26, 28, 27, 3}), boost::test_tools::per_element());
  BOOST_TEST(n.token_type_ids == ids(6, 0), boost::test_tools::per_element());
  BOOST_TEST(n.prefix_tokens == 0u);
}

BOOST_AUTO_TEST_CASE(length_pressure_trims_the_prefix_before_the_input) {
  const auto t = tiny();
  const std::string prefix = "the cat is good";
  const std::string input = "this movie is great";
  // 3 specials + 4 + 4 = 11 > 9: the prefix gives up two pieces, the input none.
  const auto a = t.encode_with_prefix(prefix, input, 9, 8);
  BOOST_TEST(a.input_ids == (ids{2, 10, 11, 3, 29, 26, 28, 27, 3}), boost::test_tools::per_element());
  BOOST_TEST(a.prefix_tokens == 2u);
  BOOST_TEST(a.input_tokens == 4u);
  // No room for any prefix piece: the prefix and its [SEP] go, the input is whole.
  const auto b = t.encode_with_prefix(prefix, input, 6, 8);
  BOOST_TEST(b.input_ids == (ids{2, 29, 26, 28, 27, 3}), boost::test_tools::per_element());
  BOOST_TEST(b.token_type_ids == ids(6, 0), boost::test_tools::per_element());
  BOOST_TEST(b.prefix_tokens == 0u);
  BOOST_TEST(b.truncated_tokens == 4u);
  // Only now is the input cut, from its end.
  const auto c = t.encode_with_prefix(prefix, input, 4, 8);
  BOOST_TEST(c.input_ids == (ids{2, 29, 26, 3}), boost::test_tools::per_element());
  BOOST_TEST(c.input_tokens == 2u);
  BOOST_TEST(c.truncated_tokens == 6u);
  BOOST_TEST(t.encode_with_prefix(prefix, input, 2, 8).input_ids == (ids{2, 3}), boost::test_tools::per_element());
  BOOST_CHECK_THROW((void)t.encode_with_prefix(prefix, input, 1, 8), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pairs_truncate_longest_first) {
  const auto t = tiny();
  auto xs = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "x ";
    return s;
  };
  auto as = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "a ";
    return s;
  };
  auto layout = [](int n1, int n2) {
    ids v{2};
    v.insert(v.end(), static_cast<std::size_t>(n1), 30);
    v.push_back(3);
    v.insert(v.end(), static_cast<std::size_t>(n2), 17);
    v.push_back(3);
    return v;
  };
  // Room 7 (= 10 - 3 specials). Only the longer is cut when the shorter fits in half the room...
  BOOST_TEST(t.encode_pair(xs(10), as(3), 10).input_ids == layout(4, 3), boost::test_tools::per_element());
  BOOST_TEST(t.encode_pair(as(3), xs(10), 10).input_ids == (ids{2, 17, 17, 17, 3, 30, 30, 30, 30, 3}),
             boost::test_tools::per_element());
  // ...otherwise both get half, the odd piece going to the longer (to the second on a tie).
  BOOST_TEST(t.encode_pair(xs(10), as(5), 10).input_ids == layout(4, 3), boost::test_tools::per_element());
  BOOST_TEST(t.encode_pair(xs(10), as(10), 10).input_ids == layout(3, 4), boost::test_tools::per_element());
  BOOST_TEST(t.encode_pair(xs(2), as(2), 10).input_ids == layout(2, 2), boost::test_tools::per_element());
  const auto e = t.encode_pair(xs(2), as(3), 64);
  BOOST_TEST(e.token_type_ids == (ids{0, 0, 0, 0, 1, 1, 1, 1}), boost::test_tools::per_element());
  BOOST_TEST(e.input_tokens == 3u);
  BOOST_CHECK_THROW((void)t.encode_pair("x", "a", 2), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pad_extends_with_masked_pad_tokens) {
  const auto t = tiny();
  auto e = t.encode_with_prefix("", "hello", 16, 0);
  t.pad(e, 6);
  BOOST_TEST(e.input_ids == (ids{2, 15, 3, 0, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(e.attention_mask == (ids{1, 1, 1, 0, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(e.token_type_ids == ids(6, 0), boost::test_tools::per_element());
  BOOST_TEST(e.offsets.size() == 6u);
  t.pad(e, 2);  // never truncates
  BOOST_TEST(e.size() == 6u);
}

BOOST_AUTO_TEST_CASE(bad_vocabularies_are_rejected) {
  auto with = [](std::vector<std::string> v) { return v; };
  std::vector<std::string> dup = tiny_vocab;
  dup.push_back("cat");
  BOOST_CHECK_THROW((void)wordpiece_tokenizer::from_tokens(dup), std::invalid_argument);
  std::vector<std::string> no_unk = tiny_vocab;
  no_unk[1] = "[UNKNOWN]";
  BOOST_CHECK_THROW((void)wordpiece_tokenizer::from_tokens(no_unk), std::invalid_argument);
  BOOST_CHECK_THROW((void)wordpiece_tokenizer::from_tokens(with({"[PAD]", "[UNK]", "", "[CLS]", "[SEP]", "[MASK]"})),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(vocab_files_load_and_their_errors_name_file_and_line) {
  const fs::path dir = fs::temp_directory_path() / ("gpta_wordpiece_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  };
  std::string crlf;
  for (const auto& tok : tiny_vocab) crlf += tok + "\r\n";
  const auto t = wordpiece_tokenizer::from_vocab_file(write("crlf.txt", crlf));
  BOOST_TEST(t.vocab_size() == tiny_vocab.size());
  BOOST_TEST(t.encode("cats") == (ids{11, 12}), boost::test_tools::per_element());

  auto expect = [&](const fs::path& p, const std::string& needle) {
    try {
      (void)wordpiece_tokenizer::from_vocab_file(p);
      BOOST_ERROR("no error for " << p);
    } catch (const gpta::data_error& e) {
      BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  expect(write("dup.txt", "[PAD]\n[UNK]\n[CLS]\ncat\n[SEP]\n[MASK]\ncat\n"), (dir / "dup.txt").string() + ":7");
  expect(write("utf8.txt", "[PAD]\n[UNK]\n\xff\xfe\n"), (dir / "utf8.txt").string() + ":3");
  expect(write("empty.txt", "[PAD]\n\n[UNK]\n"), (dir / "empty.txt").string() + ":2");
  expect(write("nospecial.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"), "[MASK]");
  expect(dir / "absent.txt", "absent.txt");
  fs::remove_all(dir);
}
