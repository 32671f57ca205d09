#include <gpta/text/vocabulary.hpp>

#include <gpta/text/simple_tokenizer.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using gpta::text::vocabulary;
using tokens = std::vector<std::string>;

namespace {
std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::path(GPTA_TEST_BINARY_DIR) / ("vocab_test_" + std::to_string(::getpid()) + "_" + name);
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// Runs `f`, expects std::runtime_error, returns its message.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "<no error>";
}
}  // namespace

BOOST_AUTO_TEST_CASE(specials_have_fixed_ids) {
  const vocabulary v;
  BOOST_TEST(v.size() == 4u);
  BOOST_TEST(v.id("[PAD]") == 0);
  BOOST_TEST(v.id("[UNK]") == 1);
  BOOST_TEST(v.id("[SEP]") == 2);
  BOOST_TEST(v.id("[CLS]") == 3);
  BOOST_TEST(v.token(2) == "[SEP]");
  BOOST_TEST(v.id("anything") == vocabulary::unk_id);
  BOOST_CHECK_THROW((void)v.token(4), std::invalid_argument);
  BOOST_CHECK_THROW((void)v.token(-1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(order_is_count_desc_then_token_asc) {
  // counts: b=3, a=2, c=2, d=1 -> b, then a and c tied (a < c), then d.
  const std::vector<tokens> lists{{"c", "b", "a"}, {"b", "d"}, {"c", "a", "b"}};
  const auto v = vocabulary::build(lists, 1);
  BOOST_TEST(v.tokens() == (tokens{"[PAD]", "[UNK]", "[SEP]", "[CLS]", "b", "a", "c", "d"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.id("b") == 4);
  BOOST_TEST(v.id("d") == 7);
  BOOST_TEST(v.id("e") == vocabulary::unk_id);
}

BOOST_AUTO_TEST_CASE(order_does_not_depend_on_input_order) {
  const std::vector<tokens> a{{"x", "y", "z"}, {"y", "w"}};
  const std::vector<tokens> b{{"w", "y"}, {"z", "y", "x"}};
  BOOST_TEST((vocabulary::build(a, 1) == vocabulary::build(b, 1)));
}

BOOST_AUTO_TEST_CASE(min_count_and_max_size) {
  const std::vector<tokens> lists{{"a", "a", "a", "b", "b", "c"}};
  const auto v2 = vocabulary::build(lists, 2);
  BOOST_TEST(v2.size() == 6u);
  BOOST_TEST(v2.contains("a"));
  BOOST_TEST(v2.contains("b"));
  BOOST_TEST(!v2.contains("c"));
  // min_count 0 behaves as 1: every token seen is kept.
  BOOST_TEST(vocabulary::build(lists, 0).size() == 7u);
  // max_size counts the specials: room for exactly one word, the most frequent.
  const auto v5 = vocabulary::build(lists, 1, 5);
  BOOST_TEST(v5.tokens().back() == "a");
  BOOST_TEST(v5.size() == 5u);
  BOOST_CHECK_THROW((void)vocabulary::build(lists, 1, 3), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(specials_in_data_fold_into_the_special) {
  const std::vector<tokens> lists{{"[SEP]", "[SEP]", "x"}};
  const auto v = vocabulary::build(lists, 1);
  BOOST_TEST(v.size() == 5u);
  BOOST_TEST(v.id("[SEP]") == vocabulary::sep_id);
}

BOOST_AUTO_TEST_CASE(rejects_tokens_the_file_format_cannot_hold) {
  BOOST_CHECK_THROW((void)vocabulary::build(std::vector<tokens>{{"a\nb"}}, 1), std::invalid_argument);
  BOOST_CHECK_THROW((void)vocabulary::build(std::vector<tokens>{{""}}, 1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(build_from_texts_with_tokenizer_and_encode) {
  const gpta::text::simple_tokenizer tok;
  const std::vector<std::string> texts{"Good movie!", "bad movie.", "GOOD good"};
  const auto v = vocabulary::build(texts, tok, 1);
  // good=3, movie=2, then !, ., bad (byte order: '!' < '.' < 'b') each 1.
  BOOST_TEST(v.tokens() == (tokens{"[PAD]", "[UNK]", "[SEP]", "[CLS]", "good", "movie", "!", ".", "bad"}),
             boost::test_tools::per_element());
  const std::vector<int> want{4, 5, 1, 6};
  BOOST_TEST(v.encode("good MOVIE ugly!", tok) == want, boost::test_tools::per_element());
  BOOST_TEST(v.encode(tokens{"bad", "zzz"}) == (std::vector<int>{8, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(utf8_tokens_survive_save_and_load) {
  const std::vector<tokens> lists{{"caf\xC3\xA9", "\xF0\x9F\x98\x80", "plain", "caf\xC3\xA9"}};
  const auto v = vocabulary::build(lists, 1);
  const auto path = temp_path("roundtrip.txt");
  v.save(path);
  const auto back = vocabulary::load(path);
  BOOST_TEST((back == v));
  BOOST_TEST(back.id("caf\xC3\xA9") == 4);
  // The file is one token per line, specials first.
  std::ifstream in(path, std::ios::binary);
  std::string first;
  std::getline(in, first);
  BOOST_TEST(first == "[PAD]");
  // No temporary file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(path.parent_path()))
    BOOST_TEST(e.path().filename().string().find(path.filename().string() + ".tmp.") == std::string::npos);
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(load_errors_name_file_and_line) {
  const auto path = temp_path("bad.txt");
  write(path, "[PAD]\n[UNK]\n[SEP]\n[CLS]\nfoo\nbar\nfoo\n");
  auto msg = error_of([&] { (void)vocabulary::load(path); });
  BOOST_TEST(msg.find(path.string() + ":7:") != std::string::npos, msg);
  BOOST_TEST(msg.find("duplicate") != std::string::npos, msg);

  write(path, "[PAD]\n[SEP]\n");
  msg = error_of([&] { (void)vocabulary::load(path); });
  BOOST_TEST(msg.find(path.string() + ":2:") != std::string::npos, msg);

  write(path, "[PAD]\n[UNK]\n[SEP]\n[CLS]\nfoo\n\nbar\n");
  msg = error_of([&] { (void)vocabulary::load(path); });
  BOOST_TEST(msg.find(path.string() + ":6:") != std::string::npos, msg);

  write(path, "[PAD]\n[UNK]\n");
  msg = error_of([&] { (void)vocabulary::load(path); });
  BOOST_TEST(msg.find(path.string() + ":3:") != std::string::npos, msg);

  // Windows line endings are accepted.
  write(path, "[PAD]\r\n[UNK]\r\n[SEP]\r\n[CLS]\r\nfoo\r\n");
  BOOST_TEST(vocabulary::load(path).id("foo") == 4);

  std::filesystem::remove(path);
  msg = error_of([&] { (void)vocabulary::load(path); });
  BOOST_TEST(msg.find(path.string()) != std::string::npos, msg);
}
