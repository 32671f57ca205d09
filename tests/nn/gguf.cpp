#include <gpta/nn/gguf.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include <gpta/nn/gguf_dequant.hpp>

#include "support/gguf_builder.hpp"

namespace fs = std::filesystem;
using gpta::nn::ggml_type;
using gpta::nn::gguf_file;
using gpta::nn::gguf_value_type;
using gpta::test::gguf_builder;
using gpta::test::gguf_le;
using gpta::test::gguf_node;
using gpta::test::gguf_tensor_spec;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("gpta_gguf_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

std::string f32_bytes(std::initializer_list<float> v) {
  std::string s;
  for (float x : v) s += gguf_le(x);
  return s;
}

// Bytes 0..n-1 repeated: deterministic filler for quantised tensors.
std::string filler(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 37 + seed) & 0xFF);
  return s;
}

// A half with a finite value at the start of each block keeps dequantised values finite.
std::string q8_0_blocks(std::size_t n) {
  std::string s = filler(34 * n, 3);
  for (std::size_t b = 0; b < n; ++b) std::memcpy(s.data() + 34 * b, "\x00\x38", 2);  // 0.5
  return s;
}

// Every metadata type, nested arrays, five tensors of four types; the last tensor's size is a
// multiple of the alignment so the file ends exactly at its last data byte.
gguf_builder sample_builder() {
  gguf_builder b;
  b.kv("general.architecture", gguf_node::str("qwen2"))
      .kv("t.u8", gguf_node::u8(200))
      .kv("t.i8", gguf_node::i8(-5))
      .kv("t.u16", gguf_node::u16(65535))
      .kv("t.i16", gguf_node::i16(-32768))
      .kv("t.u32", gguf_node::u32(4000000000u))
      .kv("t.i32", gguf_node::i32(-7))
      .kv("t.f32", gguf_node::f32(1e6f))
      .kv("t.bool", gguf_node::boolean(true))
      .kv("t.u64", gguf_node::u64(std::numeric_limits<std::uint64_t>::max()))
      .kv("t.i64", gguf_node::i64(std::numeric_limits<std::int64_t>::min()))
      .kv("t.f64", gguf_node::f64(-0.125))
      .kv("t.empty_string", gguf_node::str(""))
      .kv("t.utf8", gguf_node::str("\xC4\xA0hello \xE4\xB8\xAD"))
      .kv("tokenizer.ggml.tokens", gguf_node::strings({"a", "\xC4\xA0" "b", "", "<|im_end|>"}))
      .kv("tokenizer.ggml.token_type",
          gguf_node::array(5, {gguf_node::i32(1), gguf_node::i32(-3), gguf_node::i32(6), gguf_node::i32(3)}))
      .kv("t.u8s", gguf_node::array(0, {gguf_node::u8(1), gguf_node::u8(255)}))
      .kv("t.u64s", gguf_node::array(10, {gguf_node::u64(5), gguf_node::u64(1ull << 63)}))
      .kv("t.f32s", gguf_node::array(6, {gguf_node::f32(0.5f), gguf_node::f32(-2.f)}))
      .kv("t.f64s", gguf_node::array(12, {gguf_node::f64(0.1)}))
      .kv("t.bools", gguf_node::array(7, {gguf_node::boolean(false), gguf_node::boolean(true)}))
      .kv("t.empty_array", gguf_node::array(4, {}))
      .kv("t.nested", gguf_node::array(9, {gguf_node::array(4, {gguf_node::u32(1), gguf_node::u32(2)}),
                                           gguf_node::array(4, {}),
                                           gguf_node::array(4, {gguf_node::u32(3)})}))
      .kv("t.nested_strings", gguf_node::array(9, {gguf_node::strings({"x", "yz"})}));
  b.set_alignment(32);
  b.tensor({"norm.weight", {3}, 0, f32_bytes({1.f, -2.f, 0.25f})})
      .tensor({"w.f16", {2}, 1, std::string("\x00\x3c\x00\xc0", 4)})  // 1, -2
      .tensor({"w.q4_k", {256, 1}, 12, filler(144, 9)})
      .tensor({"w.q8_0", {32, 3}, 8, q8_0_blocks(3)})
      .tensor({"w.f32", {4, 2}, 0, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8})});
  return b;
}

// A new name per attempt: rewriting one file in place makes ext4 flush it on every close
// (auto_da_alloc), which turned thousands of attempts from under a second into half a minute.
fs::path fresh_file(const temp_dir& dir, const std::string& stem) {
  static std::size_t n = 0;
  return dir.path / (stem + "_" + std::to_string(n++) + ".gguf");
}

std::string expect_data_error(const fs::path& p) {
  try {
    (void)gguf_file::open(p);
  } catch (const gpta::data_error& e) {
    return e.what();
  }
  return {};
}

// Opening must fail with a data_error naming the file and each needle.
void expect_corrupt(const temp_dir& dir, const std::string& bytes, std::initializer_list<std::string> needles) {
  const fs::path p = dir.path / "corrupt.gguf";
  gguf_builder::write_file(p, bytes);
  BOOST_CHECK_THROW((void)gguf_file::open(p), gpta::data_error);
  const std::string what = expect_data_error(p);
  BOOST_TEST(what.find(p.string()) != std::string::npos, "file not named: " << what);
  for (const std::string& n : needles) BOOST_TEST(what.find(n) != std::string::npos, "'" << n << "' not in: " << what);
}

void expect_corrupt(const temp_dir& dir, const gguf_builder& b, std::initializer_list<std::string> needles) {
  expect_corrupt(dir, b.bytes(), needles);
}

// Touches everything a caller may read so that sanitizers see any bad access in a file that opened.
std::size_t exercise(const gguf_file& f) {
  std::size_t sum = 0;
  for (const auto& kv : f) {
    sum += kv.key.size() + kv.value.size();
    if (kv.value.is_array()) {
      for (std::size_t i = 0; i < kv.value.size() && i < 64; ++i) sum += kv.value.at(i).size();
      if (kv.value.element_type() == gguf_value_type::string) sum += f.get_strings(kv.key).size();
    } else if (kv.value.is_string()) {
      sum += kv.value.to_string()->size();
    }
  }
  for (const auto& t : f.tensors()) {
    sum += f.data(t).size();
    if (gpta::nn::can_dequantize(t.type)) sum += gpta::nn::dequantize(f, t).size();
  }
  return sum;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reads_every_metadata_type_nested_arrays_and_tensors) {
  temp_dir dir;
  const fs::path p = dir.path / "model.gguf";
  sample_builder().write(p);
  const gguf_file f = gguf_file::open(p);

  BOOST_TEST(f.path() == p);
  BOOST_TEST(f.version() == 3u);
  BOOST_TEST(f.alignment() == 32u);
  BOOST_TEST(f.data_offset() % 32 == 0u);
  BOOST_TEST(f.metadata().size() == 25u);
  BOOST_TEST(f.metadata().front().key == "general.architecture");  // file order kept
  BOOST_TEST(f.metadata().back().key == "general.alignment");
  BOOST_TEST(f.find("missing") == nullptr);
  BOOST_TEST(!f.contains("missing"));

  BOOST_TEST(f.get_string("general.architecture") == "qwen2");
  BOOST_TEST(f.get_uint("t.u8") == 200u);
  BOOST_TEST(f.get_int("t.i8") == -5);
  BOOST_TEST(f.get_uint("t.u16") == 65535u);
  BOOST_TEST(f.get_int("t.i16") == -32768);
  BOOST_TEST(f.get_uint("t.u32") == 4000000000u);
  BOOST_TEST(f.get_int("t.i32") == -7);
  BOOST_TEST(f.get_float("t.f32") == 1e6);
  BOOST_TEST(f.get_bool("t.bool"));
  BOOST_TEST(f.get_uint("t.u64") == std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(f.get_int("t.i64") == std::numeric_limits<std::int64_t>::min());
  BOOST_TEST(f.get_float("t.f64") == -0.125);
  BOOST_TEST(f.get_string("t.empty_string").empty());
  BOOST_TEST(f.get_string("t.utf8") == "\xC4\xA0hello \xE4\xB8\xAD");
  BOOST_TEST((f.find("t.i32")->type() == gguf_value_type::int32));
  BOOST_TEST((f.find("t.u64")->type() == gguf_value_type::uint64));

  BOOST_TEST(f.get_strings("tokenizer.ggml.tokens") == (std::vector<std::string>{"a", "\xC4\xA0" "b", "", "<|im_end|>"}),
             boost::test_tools::per_element());
  BOOST_TEST(f.get_ints("tokenizer.ggml.token_type") == (std::vector<std::int64_t>{1, -3, 6, 3}), boost::test_tools::per_element());
  BOOST_TEST(f.get_ints("t.u8s") == (std::vector<std::int64_t>{1, 255}), boost::test_tools::per_element());
  BOOST_TEST(f.get_floats("t.f32s") == (std::vector<float>{0.5f, -2.f}), boost::test_tools::per_element());
  BOOST_TEST(f.get_floats("t.f64s") == (std::vector<float>{0.1f}), boost::test_tools::per_element());
  BOOST_TEST((f.find("t.bools")->at(1).to_bool() == std::optional<bool>(true)));
  BOOST_TEST(f.find("t.empty_array")->size() == 0u);
  BOOST_TEST(f.get_ints("t.empty_array").empty());
  BOOST_TEST(f.find("t.u8s")->raw().size() == 2u);

  const gpta::nn::gguf_value* nested = f.find("t.nested");
  BOOST_TEST_REQUIRE(nested != nullptr);
  BOOST_TEST((nested->element_type() == gguf_value_type::array));
  BOOST_TEST_REQUIRE(nested->size() == 3u);
  BOOST_TEST(nested->at(0).size() == 2u);
  BOOST_TEST(*nested->at(0).at(1).to_uint() == 2u);
  BOOST_TEST(nested->at(1).size() == 0u);
  BOOST_TEST(*nested->items()[2].at(0).to_uint() == 3u);
  BOOST_CHECK_THROW((void)nested->at(3), std::out_of_range);
  BOOST_TEST(*f.find("t.nested_strings")->at(0).at(1).to_string() == "yz");

  BOOST_TEST_REQUIRE(f.tensors().size() == 5u);
  const auto& w = f.tensor("w.f32");
  BOOST_TEST(w.shape == (std::vector<std::uint64_t>{4, 2}), boost::test_tools::per_element());
  BOOST_TEST((w.type == ggml_type::f32));
  BOOST_TEST(w.elements() == 8u);
  BOOST_TEST(w.rows() == 2u);
  BOOST_TEST(w.row_length() == 4u);
  BOOST_TEST(w.bytes == 32u);
  BOOST_TEST(f.tensor("w.f16").offset == 32u);  // after norm.weight's 12 bytes, padded to 32
  BOOST_TEST(w.offset == 352u);                  // Q8_0's 102 bytes at 224, padded
  for (const auto& t : f.tensors()) BOOST_TEST(t.offset % 32 == 0u, t.name);
  BOOST_TEST(f.tensor("w.q4_k").bytes == 144u);
  BOOST_TEST(f.tensor("w.q8_0").bytes == 102u);
  BOOST_TEST((f.tensor("w.q8_0").type == ggml_type::q8_0));
  BOOST_TEST(f.tensors()[0].name == "norm.weight");  // file order kept
  BOOST_TEST(f.find_tensor("nope") == nullptr);

  const auto d = f.data(w);
  BOOST_TEST_REQUIRE(d.size() == 32u);
  float v[8];
  std::memcpy(v, d.data(), 32);
  BOOST_TEST(v[0] == 1.f);
  BOOST_TEST(v[7] == 8.f);
  BOOST_TEST(gpta::nn::dequantize(f, f.tensor("w.f16")) == (std::vector<float>{1.f, -2.f}), boost::test_tools::per_element());
  BOOST_TEST(gpta::nn::dequantize(f, f.tensor("w.q8_0")).size() == 96u);
  BOOST_TEST(exercise(f) > 0u);

  // Ranged iteration visits the same entries as metadata().
  std::size_t n = 0;
  for (const auto& kv : f) n += kv.key.empty() ? 0 : 1;
  BOOST_TEST(n == f.metadata().size());
}

BOOST_AUTO_TEST_CASE(version_2_default_and_custom_alignment_and_empty_files) {
  temp_dir dir;
  {
    gguf_builder b;
    b.version = 2;
    b.tensor({"a", {1}, 0, f32_bytes({3.f})}).tensor({"b", {2}, 0, f32_bytes({4.f, 5.f})});
    b.write(dir.path / "v2.gguf");
    const gguf_file f = gguf_file::open(dir.path / "v2.gguf");
    BOOST_TEST(f.version() == 2u);
    BOOST_TEST(f.alignment() == 32u);  // the default without general.alignment
    BOOST_TEST(f.tensor("b").offset == 32u);
    BOOST_TEST(gpta::nn::dequantize(f, f.tensor("b")) == (std::vector<float>{4.f, 5.f}), boost::test_tools::per_element());
  }
  {
    gguf_builder b;
    b.set_alignment(256);
    b.tensor({"a", {1}, 0, f32_bytes({3.f})}).tensor({"b", {1}, 0, f32_bytes({4.f})});
    b.write(dir.path / "a256.gguf");
    const gguf_file f = gguf_file::open(dir.path / "a256.gguf");
    BOOST_TEST(f.alignment() == 256u);
    BOOST_TEST(f.data_offset() % 256 == 0u);
    BOOST_TEST(f.tensor("b").offset == 256u);
  }
  {
    // No key/values and no tensors: 24 bytes, the data section (empty) would start past the end.
    gguf_builder b;
    const std::string bytes = b.bytes().substr(0, 24);
    gguf_builder::write_file(dir.path / "empty.gguf", bytes);
    const gguf_file f = gguf_file::open(dir.path / "empty.gguf");
    BOOST_TEST(f.metadata().empty());
    BOOST_TEST(f.tensors().empty());
  }
  {
    // Zero-element and scalar (n_dims 0) tensors.
    gguf_builder b;
    b.tensor({"empty", {0, 4}, 12, ""}).tensor({"scalar", {}, 0, f32_bytes({9.f})});
    b.write(dir.path / "odd.gguf");
    const gguf_file f = gguf_file::open(dir.path / "odd.gguf");
    BOOST_TEST(f.tensor("empty").elements() == 0u);
    BOOST_TEST(f.tensor("empty").bytes == 0u);
    BOOST_TEST(f.tensor("scalar").elements() == 1u);
    BOOST_TEST(gpta::nn::dequantize(f, f.tensor("scalar")) == (std::vector<float>{9.f}), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(accessors_name_the_key_or_tensor_on_missing_or_mistyped_values) {
  temp_dir dir;
  const fs::path p = dir.path / "model.gguf";
  sample_builder().write(p);
  const gguf_file f = gguf_file::open(p);
  auto fails_with = [&](auto&& call, std::initializer_list<std::string> needles) {
    try {
      call();
      BOOST_ERROR("no data_error; expected one mentioning " << *needles.begin());
    } catch (const gpta::data_error& e) {
      const std::string what = e.what();
      BOOST_TEST(what.find(p.string()) != std::string::npos, what);
      for (const auto& n : needles) BOOST_TEST(what.find(n) != std::string::npos, "'" << n << "' not in: " << what);
    }
  };
  fails_with([&] { (void)f.get_string("nope.key"); }, {"'nope.key'", "missing"});
  fails_with([&] { (void)f.get_string("t.u32"); }, {"'t.u32'", "uint32"});
  fails_with([&] { (void)f.get_uint("t.i32"); }, {"'t.i32'", "-7"});
  fails_with([&] { (void)f.get_uint("t.f32"); }, {"'t.f32'", "integer"});
  fails_with([&] { (void)f.get_int("t.u64"); }, {"'t.u64'", "int64"});
  fails_with([&] { (void)f.get_float("t.u8"); }, {"'t.u8'", "float"});
  fails_with([&] { (void)f.get_bool("t.u8"); }, {"'t.u8'", "bool"});
  fails_with([&] { (void)f.get_strings("tokenizer.ggml.token_type"); }, {"'tokenizer.ggml.token_type'", "int32"});
  fails_with([&] { (void)f.get_strings("t.utf8"); }, {"'t.utf8'", "array of strings"});
  fails_with([&] { (void)f.get_ints("t.u64s"); }, {"'t.u64s'", "element 1"});
  fails_with([&] { (void)f.get_ints("t.f32s"); }, {"'t.f32s'"});
  fails_with([&] { (void)f.get_floats("t.u8s"); }, {"'t.u8s'"});
  fails_with([&] { (void)f.tensor("blk.99.attn_q.weight"); }, {"'blk.99.attn_q.weight'"});
  // A forged directory entry cannot read outside the mapping.
  gpta::nn::gguf_tensor_info forged = f.tensor("w.f32");
  forged.offset = 1u << 30;
  fails_with([&] { (void)f.data(forged); }, {"'w.f32'", "outside the data section"});
  forged.offset = 0;
  forged.bytes = std::numeric_limits<std::size_t>::max();
  fails_with([&] { (void)f.data(forged); }, {"'w.f32'"});
}

BOOST_AUTO_TEST_CASE(lying_lengths_counts_and_offsets_are_data_errors) {
  temp_dir dir;
  const std::uint64_t huge = 1ull << 62;
  auto base = [] {
    gguf_builder b;
    b.kv("general.architecture", gguf_node::str("qwen2"));
    return b;
  };
  auto with_kv = [&](const std::string& key, gguf_node v) {
    gguf_builder b = base();
    b.kv(key, std::move(v));
    b.tensor({"t", {4}, 0, f32_bytes({1, 2, 3, 4})});
    return b;
  };
  auto with_tensor = [&](gguf_tensor_spec t) {
    gguf_builder b = base();
    b.tensor({"first", {8}, 0, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8})});
    b.tensor(std::move(t));
    return b;
  };

  // Header.
  expect_corrupt(dir, std::string(), {"not a GGUF file"});
  expect_corrupt(dir, std::string("GGU"), {"not a GGUF file"});
  expect_corrupt(dir, std::string("GGUF\3\0"), {"version", "truncated"});
  {
    gguf_builder b = base();
    b.magic = "GGML";
    expect_corrupt(dir, b, {"magic"});
  }
  for (std::uint32_t v : {0u, 1u, 4u, 0x03000000u}) {
    gguf_builder b = base();
    b.version = v;
    expect_corrupt(dir, b, {"version"});
  }
  {
    gguf_builder b = base();
    b.version = 0x03000000u;
    expect_corrupt(dir, b, {"big-endian"});
  }
  {
    gguf_builder b = base();
    b.tensor_count_override = 1ull << 40;
    expect_corrupt(dir, b, {"tensor count 1099511627776"});
  }
  {
    gguf_builder b = base();
    b.kv_count_override = 1ull << 50;
    expect_corrupt(dir, b, {"key/value count"});
  }
  {
    gguf_builder b = base();
    b.kv_count_override = 5;  // more than there are: padding is read as keys
    expect_corrupt(dir, b, {"metadata key"});
  }

  // Key/values.
  expect_corrupt(dir, with_kv("k", gguf_node::raw(8, gguf_le<std::uint64_t>(huge) + "abc")), {"'k'", "string length 4611686018427387904"});
  {
    // The key's own length lies.
    std::string bytes = base().bytes();
    const std::string len = gguf_le<std::uint64_t>(huge);
    std::memcpy(bytes.data() + 24, len.data(), 8);
    expect_corrupt(dir, bytes, {"metadata key #0", "string length"});
  }
  expect_corrupt(dir, with_kv("k", gguf_node::raw(9, gguf_le<std::uint32_t>(0) + gguf_le<std::uint64_t>(1ull << 60))),
                 {"'k'", "array of 1152921504606846976 uint8"});
  expect_corrupt(dir, with_kv("k", gguf_node::raw(9, gguf_le<std::uint32_t>(8) + gguf_le<std::uint64_t>(1ull << 60))),
                 {"'k'", "string elements"});
  expect_corrupt(dir, with_kv("k", gguf_node::raw(9, gguf_le<std::uint32_t>(9) + gguf_le<std::uint64_t>(1ull << 60))),
                 {"'k'", "array elements"});
  expect_corrupt(dir,
                 with_kv("k", gguf_node::raw(9, gguf_le<std::uint32_t>(8) + gguf_le<std::uint64_t>(2) +
                                                    gguf_node::str("ok").payload + gguf_le<std::uint64_t>(huge))),
                 {"'k'[1]", "string length"});
  {
    // 1000 nested arrays: each level a valid 12-byte header announcing one element.
    std::string p;
    for (int i = 0; i < 1000; ++i) p += gguf_le<std::uint32_t>(9) + gguf_le<std::uint64_t>(1);
    p += gguf_le<std::uint32_t>(4) + gguf_le<std::uint64_t>(0);
    expect_corrupt(dir, with_kv("deep", gguf_node::raw(9, p.substr(0))), {"'deep'", "nested deeper"});
  }
  expect_corrupt(dir, with_kv("k", gguf_node::raw(13, gguf_le<std::uint32_t>(0))), {"'k'", "unknown value type 13"});
  expect_corrupt(dir, with_kv("k", gguf_node::raw(9, gguf_le<std::uint32_t>(99) + gguf_le<std::uint64_t>(0))),
                 {"'k'", "unknown array element type 99"});
  expect_corrupt(dir, with_kv("k", gguf_node::raw(7, std::string(1, '\2'))), {"'k'", "bool"});
  expect_corrupt(dir, with_kv("general.architecture", gguf_node::str("llama")), {"'general.architecture'", "twice"});
  {
    gguf_builder b = with_kv("x", gguf_node::u8(1));
    b.kv("general.alignment", gguf_node::u32(0));
    expect_corrupt(dir, b, {"'general.alignment'", "power of two"});
  }
  {
    gguf_builder b = with_kv("x", gguf_node::u8(1));
    b.kv("general.alignment", gguf_node::u32(48));
    expect_corrupt(dir, b, {"'general.alignment'", "48"});
  }
  {
    gguf_builder b = with_kv("x", gguf_node::u8(1));
    b.kv("general.alignment", gguf_node::u64(32));
    expect_corrupt(dir, b, {"'general.alignment'", "uint64"});
  }

  // Tensor infos.
  {
    gguf_tensor_spec t{"many_dims", {8}, 0, ""};
    t.n_dims = 100;
    expect_corrupt(dir, with_tensor(t), {"'many_dims'", "100 dimensions"});
  }
  expect_corrupt(dir, with_tensor({"big_dim", {1ull << 63}, 0, ""}), {"'big_dim'", "overflows"});
  expect_corrupt(dir, with_tensor({"product", {1ull << 32, 1ull << 32}, 0, ""}), {"'product'", "overflows"});
  expect_corrupt(dir, with_tensor({"too_big", {1ull << 40}, 0, ""}), {"'too_big'", "more bytes than"});
  for (std::uint32_t id : {4u, 5u, 31u, 36u, 1000u}) {
    expect_corrupt(dir, with_tensor({"strange", {4}, id, f32_bytes({1, 2, 3, 4})}),
                   {"'strange'", "unknown ggml type id " + std::to_string(id)});
  }
  {
    gguf_tensor_spec t{"far", {4}, 0, f32_bytes({1, 2, 3, 4})};
    t.offset = 1ull << 40;
    expect_corrupt(dir, with_tensor(t), {"'far'", "runs past the end"});
  }
  {
    gguf_tensor_spec t{"wrap", {4}, 0, f32_bytes({1, 2, 3, 4})};
    t.offset = std::numeric_limits<std::uint64_t>::max() - 31;  // aligned, offset + bytes wraps
    expect_corrupt(dir, with_tensor(t), {"'wrap'"});
  }
  {
    gguf_tensor_spec t{"misaligned", {1}, 0, f32_bytes({1})};
    t.offset = 4;
    expect_corrupt(dir, with_tensor(t), {"'misaligned'", "not a multiple of the alignment 32"});
  }
  {
    gguf_tensor_spec t{"overlap", {4}, 0, f32_bytes({1, 2, 3, 4})};
    t.offset = 0;  // the first tensor's bytes
    expect_corrupt(dir, with_tensor(t), {"overlaps", "'first'"});
  }
  expect_corrupt(dir, with_tensor({"first", {4}, 0, f32_bytes({1, 2, 3, 4})}), {"'first'", "twice"});
  expect_corrupt(dir, with_tensor({"ragged", {100}, 12, filler(144, 1)}), {"'ragged'", "row length 100", "Q4_K block size 256"});
  {
    // Data section cut short: the last tensor's bytes are missing.
    gguf_builder b = base();
    b.tensor({"first", {8}, 0, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8})});
    std::string bytes = b.bytes();
    bytes.resize(bytes.size() - 4);
    expect_corrupt(dir, bytes, {"'first'", "truncated"});
  }
}

BOOST_AUTO_TEST_CASE(truncation_at_every_byte_is_a_data_error) {
  temp_dir dir;
  const std::string bytes = sample_builder().bytes();
  // The sample's last tensor ends exactly at the end of the file (its bytes are padded to the
  // alignment), so every strict prefix lacks something the header promises.
  std::size_t failures = 0;
  std::string first_failure;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const fs::path p = fresh_file(dir, "cut");
    gguf_builder::write_file(p, bytes.substr(0, n));
    try {
      (void)gguf_file::open(p);
      ++failures;
      if (first_failure.empty()) first_failure = "prefix of " + std::to_string(n) + " bytes opened";
    } catch (const gpta::data_error& e) {
      if (std::string(e.what()).find(p.string()) == std::string::npos) {
        ++failures;
        if (first_failure.empty()) first_failure = std::string("message does not name the file: ") + e.what();
      }
    }
    fs::remove(p);
  }
  BOOST_TEST(failures == 0u, first_failure);
  BOOST_TEST(bytes.size() > 1000u);  // the prefixes covered header, key/values, tensor infos and data
}

BOOST_AUTO_TEST_CASE(corrupted_bytes_throw_data_errors_or_open_never_crash) {
  temp_dir dir;
  const std::string bytes = sample_builder().bytes();
  std::size_t header_end = 0;
  {
    const fs::path p = fresh_file(dir, "good");
    gguf_builder::write_file(p, bytes);
    header_end = gguf_file::open(p).data_offset();
  }

  std::size_t opened = 0, rejected = 0, bad = 0;
  std::string first_bad;
  auto attempt = [&](const std::string& corrupt) {
    const fs::path p = fresh_file(dir, "flipped");
    gguf_builder::write_file(p, corrupt);
    struct remove_after {
      fs::path p;
      ~remove_after() { fs::remove(p); }
    } cleanup{p};
    try {
      const gguf_file f = gguf_file::open(p);
      (void)exercise(f);  // whatever opened must be safe to read in full
      ++opened;
    } catch (const gpta::data_error& e) {
      ++rejected;
      if (std::string(e.what()).find(p.string()) == std::string::npos) {
        ++bad;
        if (first_bad.empty()) first_bad = e.what();
      }
    } catch (const std::exception& e) {
      ++bad;
      if (first_bad.empty()) first_bad = std::string("not a data_error: ") + e.what();
    }
  };
  // Every header byte, each with several replacements: low bit, high bit, all ones, zero.
  for (std::size_t i = 0; i < header_end; ++i) {
    for (unsigned char x : {0x01, 0x80, 0xFF}) {
      std::string c = bytes;
      c[i] = static_cast<char>(static_cast<unsigned char>(c[i]) ^ x);
      attempt(c);
    }
    std::string z = bytes;
    z[i] = '\0';
    attempt(z);
  }
  // Random multi-byte overwrites anywhere, deterministic.
  std::mt19937_64 rng(20261201);
  for (int round = 0; round < 3000; ++round) {
    std::string c = bytes;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) c[rng() % c.size()] = static_cast<char>(rng() & 0xFF);
    if (rng() % 4 == 0) c.resize(rng() % c.size());
    attempt(c);
  }
  BOOST_TEST(bad == 0u, first_bad);
  BOOST_TEST(rejected > 1000u);
  BOOST_TEST_MESSAGE("corruptions: " << rejected << " rejected, " << opened << " still valid");
}
