// gpta-test-labels: integration
#include <gpta/text/byte_bpe.hpp>

#include <gpta/data/sst2.hpp>
#include <gpta/nn/gguf.hpp>
#include <gpta/text/byte_bpe_gguf.hpp>
#include <gpta/text/chat_template.hpp>

#include <boost/test/unit_test.hpp>

#include <boost/json.hpp>

#include "support/fixtures.hpp"
#include "support/gguf_builder.hpp"

#include <chrono>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

// Ids the reference tokenizer (transformers' GGUF tokenizer path over HF tokenizers, reading the
// same file) produced: scripts/fixtures/qwen2_tokenizer_reference.py wrote the fixture.

namespace fs = std::filesystem;
namespace json = boost::json;
using ids = std::vector<std::int32_t>;

namespace {

fs::path gguf_path() {
  const char* p = std::getenv("GPTA_QWEN05B_GGUF");
  // A skipped parity test would pass silently; the model is part of the test environment.
  BOOST_TEST_REQUIRE(p != nullptr,
                     "GPTA_QWEN05B_GGUF is not set: run scripts/install_models.sh and export "
                     "GPTA_QWEN05B_GGUF=$(scripts/install_models.sh path qwen0.5b)");
  return p;
}

const json::object& fixture() {
  static const boost::json::object v = gpta::test::read_fixture("qwen2_tokenizer_parity.json");
  return v;
}

const gpta::text::byte_bpe& tokenizer() {
  static const gpta::text::byte_bpe t = gpta::text::load_byte_bpe(gpta::nn::gguf_file::open(gguf_path()));
  return t;
}

ids to_ids(const json::value& v) {
  ids out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<std::int32_t>(x.as_int64()));
  return out;
}

std::string from_hex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  return out;
}

std::string show(const ids& v) {
  std::string s;
  for (auto x : v) s += std::to_string(x) + " ";
  return s;
}

constexpr std::uint64_t fnv_offset = 0xCBF29CE484222325ull, fnv_prime = 0x100000001B3ull;

std::uint64_t fnv_ids(std::uint64_t h, const ids& v) {
  for (std::int32_t x : v) h = (h ^ static_cast<std::uint32_t>(x)) * fnv_prime;
  return (h ^ 0xFFFFFFFFull) * fnv_prime;
}

std::uint64_t fnv_bytes(std::uint64_t h, std::string_view s) {
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * fnv_prime;
  return (h ^ static_cast<unsigned char>('\n')) * fnv_prime;
}

std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// 256 byte tokens, "ab" merged, one control token.
gpta::test::gguf_builder tiny_tokenizer(std::string_view model, std::string_view pre) {
  using gpta::test::gguf_node;
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    gpta::data::detail::append_utf8_unchecked(s, gpta::text::detail::byte_to_unicode[static_cast<std::size_t>(b)]);
    tokens.push_back(s);
  }
  tokens.push_back("ab");
  tokens.push_back("<|end|>");
  std::vector<gguf_node> types(tokens.size(), gguf_node::i32(1));
  types.back() = gguf_node::i32(3);
  gpta::test::gguf_builder g;
  g.kv("general.architecture", gguf_node::str("qwen2")).kv("tokenizer.ggml.model", gguf_node::str(model));
  if (!pre.empty()) g.kv("tokenizer.ggml.pre", gguf_node::str(pre));
  g.kv("tokenizer.ggml.tokens", gguf_node::strings(tokens))
      .kv("tokenizer.ggml.merges", gguf_node::strings({"a b"}))
      .kv("tokenizer.ggml.token_type", gguf_node::array(5, types))
      .kv("tokenizer.ggml.eos_token_id", gguf_node::u32(257));
  return g;
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("gpta_byte_bpe_" + std::to_string(::getpid()) + "_" + name + ".gguf");
}

bool error_names(const gpta::data_error& e, std::string_view what) {
  return std::string(e.what()).find(what) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(load_byte_bpe_reads_a_tiny_file_and_rejects_other_tokenizers) {
  namespace t = gpta::text;
  {
    const fs::path p = temp_file("ok");
    tiny_tokenizer("gpt2", "qwen2").write(p);
    const t::byte_bpe tok = t::load_byte_bpe(gpta::nn::gguf_file::open(p));
    BOOST_TEST(tok.vocab_size() == 258u);
    BOOST_TEST(tok.eos() == 257);
    BOOST_TEST(tok.encode("ab<|end|>") == ids({256, 257}));
    fs::remove(p);
  }
  const auto rejected = [](const gpta::test::gguf_builder& g, const std::string& name, std::string_view what) {
    const fs::path p = temp_file(name);
    g.write(p);
    BOOST_CHECK_EXCEPTION((void)t::load_byte_bpe(gpta::nn::gguf_file::open(p)), gpta::data_error,
                          [&](const gpta::data_error& e) { return error_names(e, what) && error_names(e, p.filename().string()); });
    fs::remove(p);
  };
  rejected(tiny_tokenizer("llama", "qwen2"), "llama", "tokenizer.ggml.model is 'llama'");
  rejected(tiny_tokenizer("gpt2", "llama-bpe"), "llama_bpe", "tokenizer.ggml.pre is 'llama-bpe'");
  rejected(tiny_tokenizer("gpt2", ""), "no_pre", "tokenizer.ggml.pre is missing");
  rejected(tiny_tokenizer("gpt2", "qwen2").kv("tokenizer.ggml.padding_token_id", gpta::test::gguf_node::u32(999)), "bad_pad",
           "tokenizer.ggml.padding_token_id is 999");
  rejected(tiny_tokenizer("gpt2", "qwen2").kv("tokenizer.ggml.bos_token_id", gpta::test::gguf_node::str("x")), "bad_bos",
           "tokenizer.ggml.bos_token_id");
  {
    // A merge naming a token the vocabulary lacks is found while building: still a data_error.
    gpta::test::gguf_builder bad;
    bad.kv("tokenizer.ggml.model", gpta::test::gguf_node::str("gpt2")).kv("tokenizer.ggml.pre", gpta::test::gguf_node::str("qwen2"));
    std::vector<std::string> tokens;
    for (int b = 0; b < 256; ++b) {
      std::string s;
      gpta::data::detail::append_utf8_unchecked(s, gpta::text::detail::byte_to_unicode[static_cast<std::size_t>(b)]);
      tokens.push_back(s);
    }
    bad.kv("tokenizer.ggml.tokens", gpta::test::gguf_node::strings(tokens))
        .kv("tokenizer.ggml.merges", gpta::test::gguf_node::strings({"a b"}));
    rejected(bad, "bad_merge", "names a token that is not in the vocabulary");
  }
}

BOOST_AUTO_TEST_CASE(vocabulary_matches_the_fixture) {
  const auto& t = tokenizer();
  BOOST_TEST(t.vocab_size() == static_cast<std::size_t>(fixture().at("vocab_size").as_int64()));
  BOOST_TEST(t.merge_count() == static_cast<std::size_t>(fixture().at("merges").as_int64()));
  BOOST_TEST(t.bos() == fixture().at("bos").as_int64());
  BOOST_TEST(t.eos() == fixture().at("eos").as_int64());
  BOOST_TEST(t.pad() == fixture().at("pad").as_int64());
  BOOST_TEST(t.token_id("<|im_start|>").value() == 151644);
  BOOST_TEST(t.token_id("<|im_end|>").value() == 151645);
  BOOST_TEST(t.token_id("<|endoftext|>").value() == 151643);
  BOOST_TEST(t.is_control(151644));
  BOOST_TEST(!t.is_control(151657));  // <tool_call> is user-defined
  BOOST_TEST(t.is_special(151657));
}

BOOST_AUTO_TEST_CASE(ids_equal_the_reference_for_every_string) {
  const auto& t = tokenizer();
  const auto& strings = fixture().at("strings").as_array();
  BOOST_TEST_REQUIRE(strings.size() >= 300u);
  std::size_t exact = 0, plain_checked = 0, plain_exact = 0, invalid = 0, round_trips = 0, valid = 0;
  for (const auto& item : strings) {
    const auto& o = item.as_object();
    const bool is_hex = o.contains("hex");
    const std::string text = is_hex ? from_hex(o.at("hex").as_string()) : std::string(o.at("text").as_string());
    const ids expected = to_ids(o.at("ids"));
    const ids got = t.encode(text);
    if (got == expected) {
      ++exact;
    } else {
      BOOST_ERROR("ids differ for " << (is_hex ? "hex " + std::string(o.at("hex").as_string()) : json::serialize(o.at("text")))
                                    << "\n  reference: " << show(expected) << "\n  gpta:      " << show(got));
    }
    if (o.contains("ids_plain")) {
      ++plain_checked;
      const ids plain = t.encode(text, false);
      if (plain == to_ids(o.at("ids_plain"))) {
        ++plain_exact;
      } else {
        BOOST_ERROR("parse_special=false ids differ for " << json::serialize(o.at("text")) << "\n  reference: "
                                                          << show(to_ids(o.at("ids_plain"))) << "\n  gpta:      " << show(plain));
      }
    }
    if (is_hex) {
      ++invalid;
    } else {
      ++valid;
      if (t.decode(got) == text) ++round_trips;
    }
  }
  BOOST_TEST_MESSAGE("qwen2 tokenizer parity: " << exact << "/" << strings.size() << " strings identical (" << invalid
                                                << " invalid UTF-8), parse_special=false " << plain_exact << "/"
                                                << plain_checked << ", decode(encode(x)) == x " << round_trips << "/" << valid);
  BOOST_TEST(exact == strings.size());
  BOOST_TEST(plain_exact == plain_checked);
  BOOST_TEST(round_trips == valid);
}

BOOST_AUTO_TEST_CASE(every_sst2_training_sentence_matches_the_reference_aggregate) {
  const auto& t = tokenizer();
  const auto& d = fixture().at("dataset").as_object();
  const fs::path file = fs::path(GPTA_TEST_SHARED_DATA_DIR) / std::string(d.at("path").as_string());
  const auto data = gpta::data::load_sst2(file);
  BOOST_TEST_REQUIRE(data.examples.size() == static_cast<std::size_t>(d.at("texts").as_int64()));
  const auto& chunks = d.at("chunks").as_array();
  const auto chunk = static_cast<std::size_t>(d.at("chunk").as_int64());

  // Once cold (an empty word cache: the tokenizer is copied from a fresh load), for the speed figure.
  const gpta::text::byte_bpe cold = gpta::text::load_byte_bpe(gpta::nn::gguf_file::open(gguf_path()));
  std::vector<ids> all(data.examples.size());
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = cold.encode(data.examples[i].text);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::size_t total = 0, texts_ok = 0, round_trips = 0;
  std::uint64_t h = fnv_offset;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const auto& want = chunks[c].as_object();
    const std::size_t first = c * chunk, n = static_cast<std::size_t>(want.at("texts").as_int64());
    BOOST_TEST_REQUIRE(static_cast<std::size_t>(want.at("first").as_int64()) == first);
    std::uint64_t ch = fnv_offset, th = fnv_offset;
    std::size_t tokens = 0;
    for (std::size_t i = first; i < first + n; ++i) {
      tokens += all[i].size();
      ch = fnv_ids(ch, all[i]);
      h = fnv_ids(h, all[i]);
      th = fnv_bytes(th, data.examples[i].text);
      if (t.decode(all[i]) == data.examples[i].text) ++round_trips;
    }
    total += tokens;
    // The text hash tells a loader difference (script vs gpta::data) from a tokenizer difference.
    BOOST_TEST(hex64(th) == std::string(want.at("text_fnv1a64").as_string()), "texts of chunk " << c << " (from " << first << ")");
    const bool same = hex64(ch) == std::string(want.at("ids_fnv1a64").as_string()) &&
                      tokens == static_cast<std::size_t>(want.at("tokens").as_int64());
    BOOST_TEST(same, "ids of chunk " << c << " (texts " << first << ".." << first + n - 1 << "): " << tokens
                                     << " tokens, reference " << want.at("tokens").as_int64());
    if (same) texts_ok += n;
  }
  BOOST_TEST(total == static_cast<std::size_t>(d.at("tokens").as_int64()));
  BOOST_TEST(hex64(h) == std::string(d.at("ids_fnv1a64").as_string()));
  BOOST_TEST(round_trips == data.examples.size());
  BOOST_TEST_MESSAGE("qwen2 tokenizer on sst2/train.tsv: " << texts_ok << "/" << data.examples.size()
                                                           << " texts in identical chunks, " << total << " tokens, "
                                                           << static_cast<long long>(static_cast<double>(total) / seconds)
                                                           << " tokens/s cold cache (" << seconds << " s, 1 thread)");
  // Warm: the same texts again through the cache.
  const auto t1 = std::chrono::steady_clock::now();
  std::size_t again = 0;
  for (const auto& e : data.examples) again += cold.encode(e.text).size();
  const double warm = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  BOOST_TEST(again == total);
  BOOST_TEST_MESSAGE("  warm cache: " << static_cast<long long>(static_cast<double>(total) / warm) << " tokens/s");
}

BOOST_AUTO_TEST_CASE(chatml_renderings_equal_the_reference_template) {
  const auto& t = tokenizer();
  for (const auto& item : fixture().at("chat").as_array()) {
    const auto& o = item.as_object();
    std::vector<gpta::chat_message> messages;
    for (const auto& m : o.at("messages").as_array())
      messages.push_back({std::string(m.at("role").as_string()), std::string(m.at("content").as_string())});
    gpta::text::chat_template_options opt;
    opt.add_generation_prompt = o.at("add_generation_prompt").as_bool();
    const std::string text = gpta::text::render_chat(messages, opt);
    BOOST_TEST(text == std::string(o.at("text").as_string()));
    BOOST_TEST(t.encode(text) == to_ids(o.at("ids")), "ids of " << json::serialize(o.at("text")));
  }
}
