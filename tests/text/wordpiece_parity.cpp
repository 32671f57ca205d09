// gpta-test-labels: integration
#include <gpta/text/wordpiece.hpp>

#include <boost/test/unit_test.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// Ids produced once by the reference tokenizer (HF tokenizers, the model's own tokenizer.json) for
// a few hundred strings: scripts/fixtures/make_wordpiece_fixture.py wrote the fixture.

#include "support/fixtures.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

fs::path model_dir() {
  const char* dir = std::getenv("GPTA_MINILM_DIR");
  // A skipped parity test would pass silently; the checkpoint is part of the test environment.
  BOOST_TEST_REQUIRE(dir != nullptr,
                     "GPTA_MINILM_DIR is not set: run scripts/install_models.sh and export GPTA_MINILM_DIR=$(scripts/install_models.sh path)");
  return dir;
}

const json::object& fixture() {
  static const boost::json::object v = gpta::test::read_fixture("wordpiece_parity.json");
  return v;
}

const gpta::text::wordpiece_tokenizer& tokenizer(bool split_special_tokens = false) {
  static const auto normal = gpta::text::wordpiece_tokenizer::from_vocab_file(model_dir() / "vocab.txt");
  static const auto plain =
      gpta::text::wordpiece_tokenizer::from_vocab_file(model_dir() / "vocab.txt", {.split_special_tokens = true});
  return split_special_tokens ? plain : normal;
}

std::vector<int> ints(const json::value& v) {
  std::vector<int> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<int>(x.as_int64()));
  return out;
}

std::string as_text(const json::value& v) { return std::string(v.as_string()); }

std::string show(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += std::to_string(x) + " ";
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fixture_matches_this_vocabulary) {
  BOOST_TEST(tokenizer().vocab_size() == static_cast<std::size_t>(fixture().at("vocab_size").as_int64()));
  BOOST_TEST(tokenizer().cls_id() == 101);
  BOOST_TEST(tokenizer().sep_id() == 102);
  BOOST_TEST(tokenizer().pad_id() == 0);
  BOOST_TEST(tokenizer().unk_id() == 100);
  BOOST_TEST(tokenizer().mask_id() == 103);
}

BOOST_AUTO_TEST_CASE(ids_and_offsets_equal_the_reference_for_every_string) {
  const auto& strings = fixture().at("strings").as_array();
  BOOST_TEST_REQUIRE(strings.size() >= 300u);
  std::size_t exact = 0, offsets_exact = 0, plain_exact = 0;
  for (const auto& item : strings) {
    const auto& o = item.as_object();
    const std::string text = as_text(o.at("text"));
    const std::vector<int> want = ints(o.at("ids"));
    std::vector<int> got;
    std::vector<gpta::text::token_offset> off;
    tokenizer().encode_into(text, got, &off);
    if (got == want) {
      ++exact;
    } else {
      BOOST_ERROR("ids differ for [" << as_text(o.at("source")) << "] \"" << text << "\"\n  want " << show(want)
                                     << "\n  got  " << show(got));
    }
    std::vector<int> flat;
    for (const auto& x : off) {
      flat.push_back(static_cast<int>(x.begin));
      flat.push_back(static_cast<int>(x.end));
    }
    if (flat == ints(o.at("offsets"))) {
      ++offsets_exact;
    } else {
      BOOST_ERROR("offsets differ for \"" << text << "\"\n  want " << show(ints(o.at("offsets"))) << "\n  got  " << show(flat));
    }
    // With special-token spellings treated as text; the fixture lists plain_ids only where they differ.
    const std::vector<int> want_plain = o.contains("plain_ids") ? ints(o.at("plain_ids")) : want;
    if (tokenizer(true).encode(text) == want_plain) {
      ++plain_exact;
    } else {
      BOOST_ERROR("split_special_tokens ids differ for \"" << text << "\"");
    }
  }
  BOOST_TEST_MESSAGE("wordpiece parity: " << exact << "/" << strings.size() << " strings exact, offsets "
                                          << offsets_exact << "/" << strings.size() << ", split_special_tokens "
                                          << plain_exact << "/" << strings.size());
  BOOST_TEST(exact == strings.size());
}

BOOST_AUTO_TEST_CASE(pairs_match_the_reference_longest_first_truncation) {
  std::size_t cases = 0;
  for (const auto& item : fixture().at("pairs").as_array()) {
    const auto& o = item.as_object();
    const std::string first = as_text(o.at("first")), second = as_text(o.at("second"));
    for (const auto& c : o.at("cases").as_array()) {
      const auto max_length = static_cast<std::size_t>(c.at("max_length").as_int64());
      const auto e = tokenizer().encode_pair(first, second, max_length);
      BOOST_TEST(e.input_ids == ints(c.at("ids")), "max_length " << max_length << " \"" << first.substr(0, 40) << "\"");
      BOOST_TEST(e.token_type_ids == ints(c.at("type_ids")), "max_length " << max_length);
      ++cases;
    }
  }
  BOOST_TEST(cases >= 100u);
}

BOOST_AUTO_TEST_CASE(single_segment_truncation_matches_the_reference) {
  // With no prefix left, encode_with_prefix is the reference's single-sequence encoding.
  for (const auto& item : fixture().at("singles").as_array()) {
    const auto& o = item.as_object();
    const std::string text = as_text(o.at("text"));
    for (const auto& c : o.at("cases").as_array()) {
      const auto max_length = static_cast<std::size_t>(c.at("max_length").as_int64());
      BOOST_TEST(tokenizer().encode_with_prefix("", text, max_length, 16).input_ids == ints(c.at("ids")),
                 "max_length " << max_length << " \"" << text.substr(0, 40) << "\"");
      BOOST_TEST(tokenizer().encode_with_prefix("some prefix", text, max_length, 0).input_ids == ints(c.at("ids")),
                 "budget 0, max_length " << max_length);
    }
  }
}
