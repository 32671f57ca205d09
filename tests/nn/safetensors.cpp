#include <gpta/nn/safetensors.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using gpta::nn::f32_tensor;
using gpta::nn::safetensors_file;

namespace {

// A fresh folder per test case, removed afterwards.
struct temp_dir {
  fs::path path;
  temp_dir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("gpta_safetensors_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

// A safetensors file assembled by hand: [len][header][data], so each field can be broken on purpose.
std::string raw_file(const std::string& header, const std::string& data) { return le64(header.size()) + header + data; }

std::string u16_bytes(std::initializer_list<std::uint16_t> values) {
  std::string s;
  for (std::uint16_t v : values) {
    s += static_cast<char>(v & 0xFF);
    s += static_cast<char>(v >> 8);
  }
  return s;
}

// Opening `bytes` must fail with a data_error whose message names the file and each of `needles`.
void expect_corrupt(const temp_dir& dir, const std::string& bytes, std::initializer_list<std::string> needles) {
  const fs::path p = dir.path / "corrupt.safetensors";
  write_bytes(p, bytes);
  try {
    (void)safetensors_file::open(p);
    BOOST_ERROR("no error for a corrupt file; expected one mentioning " << *needles.begin());
  } catch (const gpta::data_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find(p.string()) != std::string::npos, what);
    for (const std::string& n : needles) BOOST_TEST(what.find(n) != std::string::npos, "'" << n << "' not in: " << what);
    const std::runtime_error& as_runtime = e;  // callers may catch std::runtime_error
    (void)as_runtime;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_keeps_names_shapes_values_and_metadata) {
  temp_dir dir;
  const fs::path p = dir.path / "model.safetensors";
  std::map<std::string, f32_tensor> tensors{
      {"encoder.w", {{2, 3}, {1.f, -2.f, 3.5f, 0.f, -0.f, 1e-30f}}},
      {"bias", {{3}, {0.25f, std::numeric_limits<float>::infinity(), -7.f}}},
      {"scalar", {{}, {42.f}}},
      {"empty", {{0, 4}, {}}}};
  gpta::nn::write_safetensors(p, tensors, {{"format", "pt"}, {"step", "17"}});

  const auto f = safetensors_file::open(p);
  BOOST_TEST(f.names() == (std::vector<std::string>{"bias", "empty", "encoder.w", "scalar"}),
             boost::test_tools::per_element());
  BOOST_TEST(f.size() == 4u);
  BOOST_TEST(f.info("encoder.w").dtype == "F32");
  BOOST_TEST(f.info("encoder.w").shape == (std::vector<std::int64_t>{2, 3}), boost::test_tools::per_element());
  BOOST_TEST(f.info("encoder.w").end - f.info("encoder.w").begin == 6 * sizeof(float));
  BOOST_TEST(f.info("scalar").shape.empty());
  for (const auto& [name, t] : tensors) {
    const std::vector<float> got = f.read_f32(name);
    BOOST_TEST(got.size() == t.values.size(), name);
    for (std::size_t i = 0; i < got.size() && i < t.values.size(); ++i) {
      // Bit equality: the writer must not round anything, -0.f included.
      std::uint32_t a, b;
      std::memcpy(&a, &got[i], 4);
      std::memcpy(&b, &t.values[i], 4);
      BOOST_TEST(a == b, name << "[" << i << "]");
    }
  }
  BOOST_TEST(f.bytes("bias").size() == 12u);
  BOOST_TEST(f.metadata().at("format") == "pt");
  BOOST_TEST(f.metadata().at("step") == "17");

  // The reference writer pads the header so the data section starts 8-byte aligned.
  const std::string bytes = read_bytes(p);
  std::uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  BOOST_TEST((8 + header_len) % 8 == 0u);
  BOOST_TEST(bytes.size() == 8 + header_len + (6 + 3 + 1) * sizeof(float));
}

BOOST_AUTO_TEST_CASE(writer_replaces_atomically_and_rejects_bad_shapes) {
  temp_dir dir;
  const fs::path p = dir.path / "ckpt.safetensors";
  gpta::nn::write_safetensors(p, {{"a", {{1}, {1.f}}}});
  gpta::nn::write_safetensors(p, {{"b", {{2}, {2.f, 3.f}}}});
  const auto f = safetensors_file::open(p);
  BOOST_TEST(!f.contains("a"));
  BOOST_TEST(f.read_f32("b") == (std::vector<float>{2.f, 3.f}), boost::test_tools::per_element());
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
  BOOST_TEST(files == 1u);  // no temporary left behind

  BOOST_CHECK_THROW(gpta::nn::write_safetensors(dir.path / "x", {{"a", {{2, 2}, {1.f, 2.f, 3.f}}}}),
                    std::invalid_argument);
  BOOST_CHECK_THROW(gpta::nn::write_safetensors(dir.path / "x", {{"__metadata__", {{1}, {1.f}}}}),
                    std::invalid_argument);
  BOOST_TEST(!fs::exists(dir.path / "x"));
}

BOOST_AUTO_TEST_CASE(f16_and_bf16_widen_exactly) {
  temp_dir dir;
  const fs::path p = dir.path / "half.safetensors";
  // IEEE binary16 encodings: 1, -2, 0.5, 65504 (largest finite), 2^-24 (smallest subnormal),
  // 2^-14 (smallest normal), 0x03FF (largest subnormal), -0, +inf, -inf.
  const std::string f16 = u16_bytes({0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x0400, 0x03FF, 0x8000, 0x7C00, 0xFC00, 0x7E00});
  // bfloat16 is the top half of binary32: 1, -2, 3.140625 (0x4049), 1e-38-ish subnormal 0x0001, +inf.
  const std::string bf16 = u16_bytes({0x3F80, 0xC000, 0x4049, 0x0001, 0x7F80});
  const std::string header = R"({"h":{"dtype":"F16","shape":[11],"data_offsets":[0,22]},)"
                             R"("b":{"dtype":"BF16","shape":[5],"data_offsets":[22,32]}})";
  write_bytes(p, raw_file(header, f16 + bf16));
  const auto f = safetensors_file::open(p);

  const std::vector<float> h = f.read_f32("h");
  BOOST_TEST_REQUIRE(h.size() == 11u);
  BOOST_TEST(h[0] == 1.0f);
  BOOST_TEST(h[1] == -2.0f);
  BOOST_TEST(h[2] == 0.5f);
  BOOST_TEST(h[3] == 65504.0f);
  BOOST_TEST(h[4] == std::ldexp(1.0f, -24));
  BOOST_TEST(h[5] == std::ldexp(1.0f, -14));
  BOOST_TEST(h[6] == std::ldexp(1023.0f, -24));
  BOOST_TEST((h[7] == 0.0f && std::signbit(h[7])));
  BOOST_TEST((std::isinf(h[8]) && h[8] > 0));
  BOOST_TEST((std::isinf(h[9]) && h[9] < 0));
  BOOST_TEST(std::isnan(h[10]));

  const std::vector<float> b = f.read_f32("b");
  BOOST_TEST_REQUIRE(b.size() == 5u);
  BOOST_TEST(b[0] == 1.0f);
  BOOST_TEST(b[1] == -2.0f);
  BOOST_TEST(b[2] == 3.140625f);
  BOOST_TEST(b[3] == std::ldexp(1.0f, -133));  // 2^-126 * 2^-7: the smallest bf16 subnormal
  BOOST_TEST((std::isinf(b[4]) && b[4] > 0));
}

BOOST_AUTO_TEST_CASE(every_f16_value_matches_a_reference_decoding) {
  // Decode by the definition (sign, 5-bit exponent bias 15, 10-bit fraction) with ldexp and compare
  // all 65536 patterns against the bit-twiddling converter.
  for (std::uint32_t v = 0; v < 65536; ++v) {
    const int sign = (v >> 15) ? -1 : 1;
    const int exp = (v >> 10) & 0x1F;
    const int frac = v & 0x3FF;
    const float got = gpta::nn::detail::half_to_float(static_cast<std::uint16_t>(v));
    if (exp == 31) {
      if (frac == 0) {
        BOOST_TEST((std::isinf(got) && (got > 0) == (sign > 0)), v);
      } else {
        BOOST_TEST(std::isnan(got), v);
      }
      continue;
    }
    const float want = exp == 0 ? sign * std::ldexp(static_cast<float>(frac), -24)
                                : sign * std::ldexp(static_cast<float>(1024 + frac), exp - 25);
    if (got != want || std::signbit(got) != std::signbit(want)) BOOST_ERROR("f16 pattern " << v << ": " << got << " != " << want);
  }
}

BOOST_AUTO_TEST_CASE(names_resolve_with_or_without_bert_prefix) {
  temp_dir dir;
  const fs::path p = dir.path / "m.safetensors";
  gpta::nn::write_safetensors(p, {{"bert.embeddings.word_embeddings.weight", {{1}, {1.f}}},
                                  {"encoder.layer.0.output.dense.bias", {{1}, {2.f}}}});
  const auto f = safetensors_file::open(p);
  BOOST_TEST(f.resolve("embeddings.word_embeddings.weight").value() == "bert.embeddings.word_embeddings.weight");
  BOOST_TEST(f.resolve("bert.embeddings.word_embeddings.weight").value() == "bert.embeddings.word_embeddings.weight");
  BOOST_TEST(f.resolve("bert.encoder.layer.0.output.dense.bias").value() == "encoder.layer.0.output.dense.bias");
  BOOST_TEST(f.resolve("encoder.layer.0.output.dense.bias").value() == "encoder.layer.0.output.dense.bias");
  BOOST_TEST(!f.resolve("pooler.dense.weight").has_value());
}

BOOST_AUTO_TEST_CASE(corrupt_files_are_errors_naming_file_and_field) {
  temp_dir dir;
  const std::string ok_header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string ok_data(8, '\0');
  // Sanity: the hand-made file is valid, so each failure below is due to the one defect.
  write_bytes(dir.path / "ok.safetensors", raw_file(ok_header, ok_data));
  BOOST_TEST(safetensors_file::open(dir.path / "ok.safetensors").read_f32("w").size() == 2u);

  expect_corrupt(dir, "", {"truncated"});
  expect_corrupt(dir, std::string("\x10\x00\x00", 3), {"truncated"});
  // Truncated data: the tensor runs past the end.
  expect_corrupt(dir, raw_file(ok_header, ok_data.substr(0, 5)), {"tensor 'w'", "data_offsets"});
  // Header length claims more bytes than the file has.
  expect_corrupt(dir, le64(1000) + ok_header + ok_data, {"header length 1000"});
  expect_corrupt(dir, le64(~std::uint64_t{0}) + ok_header, {"header length"});
  // Offsets outside the data section.
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", ok_data),
                 {"tensor 'w'", "data_offsets"});
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", ok_data),
                 {"tensor 'w'", "data_offsets"});
  // Shape does not match the byte range.
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", ok_data),
                 {"tensor 'w'", "shape"});
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F32","shape":[4611686018427387904,8],"data_offsets":[0,8]}})", ok_data),
                 {"tensor 'w'", "shape"});
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", ok_data),
                 {"tensor 'w'", "shape"});
  // Unknown dtype.
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}})", ok_data),
                 {"tensor 'w'", "dtype 'F12'"});
  // Malformed JSON and wrong JSON types.
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F32","shape":[2],)", ok_data), {"JSON"});
  expect_corrupt(dir, raw_file("[1,2]", ok_data), {"not a JSON object"});
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", ok_data), {"tensor 'w'", "dtype"});
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", ok_data), {"tensor 'w'", "shape"});
  expect_corrupt(dir, raw_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", ok_data),
                 {"tensor 'w'", "data_offsets"});
  expect_corrupt(dir, raw_file(R"({"__metadata__":{"format":1}})", ""), {"__metadata__.format"});
  // Two tensors sharing bytes.
  expect_corrupt(dir,
                 raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                          ok_data),
                 {"overlap"});
  expect_corrupt(dir,
                 raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                          R"("z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                          std::string(16, '\0')),
                 {"tensor 'b'", "overlap"});
}

BOOST_AUTO_TEST_CASE(misuse_of_a_valid_file_names_file_and_tensor) {
  temp_dir dir;
  const fs::path p = dir.path / "ints.safetensors";
  write_bytes(p, raw_file(R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", std::string(16, '\0')));
  const auto f = safetensors_file::open(p);  // integer tensors are legal (position_ids)...
  BOOST_TEST(f.info("ids").dtype == "I64");
  BOOST_TEST(f.bytes("ids").size() == 16u);
  try {
    (void)f.read_f32("ids");  // ...but are not weights
    BOOST_ERROR("read_f32 of an I64 tensor did not throw");
  } catch (const gpta::data_error& e) {
    BOOST_TEST(std::string(e.what()).find("ids") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("I64") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find(p.string()) != std::string::npos);
  }
  try {
    (void)f.info("missing.weight");
    BOOST_ERROR("info of a missing tensor did not throw");
  } catch (const gpta::data_error& e) {
    BOOST_TEST(std::string(e.what()).find("missing.weight") != std::string::npos);
  }
  try {
    (void)safetensors_file::open(dir.path / "nope.safetensors");
    BOOST_ERROR("opening a missing file did not throw");
  } catch (const gpta::data_error& e) {
    BOOST_TEST((e.code() == gpta::errc::file_not_found));
    BOOST_TEST(std::string(e.what()).find("nope.safetensors") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(the_file_stays_mapped_after_a_move) {
  temp_dir dir;
  const fs::path p = dir.path / "m.safetensors";
  gpta::nn::write_safetensors(p, {{"w", {{3}, {1.f, 2.f, 3.f}}}});
  auto a = safetensors_file::open(p);
  safetensors_file b = std::move(a);
  fs::remove(p);  // the mapping, not the path, holds the bytes
  BOOST_TEST(b.read_f32("w") == (std::vector<float>{1.f, 2.f, 3.f}), boost::test_tools::per_element());
}
