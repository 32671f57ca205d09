#include <gpta/nn/gguf_dequant.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "support/gguf_builder.hpp"

// Hand-made blocks whose values follow from the format (ggml-common.h's block layouts), F16/BF16
// edge cases, misuse, row ranges, and random blocks checked bitwise against gguf-py's output
// (the "synthetic" part of tests/fixtures/gguf_dequant_qwen05b.json, scripts/fixtures/gguf_reference.py).

#include "support/fixtures.hpp"

namespace fs = std::filesystem;
using gpta::nn::ggml_type;

namespace {

std::uint32_t bits(float f) { return std::bit_cast<std::uint32_t>(f); }

std::vector<std::byte> block(std::size_t n) { return std::vector<std::byte>(n, std::byte{0}); }
void put(std::vector<std::byte>& b, std::size_t at, unsigned v) { b[at] = static_cast<std::byte>(v); }
void put16(std::vector<std::byte>& b, std::size_t at, std::uint16_t v) {
  put(b, at, v & 0xFFu);
  put(b, at + 1, v >> 8);
}

std::vector<float> run(ggml_type t, const std::vector<std::byte>& src, std::size_t n) {
  std::vector<float> out(n, -12345.f);
  gpta::nn::dequantize(t, src, out);
  return out;
}

std::vector<std::byte> from_hex(std::string_view h) {
  std::vector<std::byte> out(h.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(std::stoul(std::string(h.substr(2 * i, 2)), nullptr, 16));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(f16_edge_cases_widen_exactly) {
  const std::uint16_t in[] = {0x3C00, 0xC000, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x8000, 0x0000,
                              0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE01, 0x8001};
  const std::uint32_t want[] = {0x3F800000, 0xC0000000, 0x33800000 /* 2^-24 */, 0x387FC000 /* largest subnormal */,
                                0x38800000 /* 2^-14 */, 0x477FE000 /* 65504 */, 0x80000000 /* -0 */, 0x00000000,
                                0x7F800000, 0xFF800000, 0x7FC00000,
                                0x7F802000 /* signalling NaN keeps its payload, as numpy's astype */, 0xFFC02000,
                                0xB3800000 /* -2^-24 */};
  std::vector<std::byte> src;
  for (std::uint16_t h : in) {
    src.push_back(static_cast<std::byte>(h & 0xFF));
    src.push_back(static_cast<std::byte>(h >> 8));
  }
  const auto out = run(ggml_type::f16, src, std::size(in));
  for (std::size_t i = 0; i < std::size(in); ++i) BOOST_TEST(bits(out[i]) == want[i], "F16 0x" << std::hex << in[i]);
}

BOOST_AUTO_TEST_CASE(bf16_edge_cases_are_the_top_half_of_a_float) {
  const std::uint16_t in[] = {0x3F80, 0xC000, 0x0001, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFF81, 0x4049, 0x807F};
  std::vector<std::byte> src;
  for (std::uint16_t h : in) {
    src.push_back(static_cast<std::byte>(h & 0xFF));
    src.push_back(static_cast<std::byte>(h >> 8));
  }
  const auto out = run(ggml_type::bf16, src, std::size(in));
  for (std::size_t i = 0; i < std::size(in); ++i) {
    BOOST_TEST(bits(out[i]) == static_cast<std::uint32_t>(in[i]) << 16, "BF16 0x" << std::hex << in[i]);
  }
  BOOST_TEST(out[0] == 1.f);
  BOOST_TEST(std::signbit(out[3]));
  BOOST_TEST(std::isinf(out[5]));
  BOOST_TEST(std::isnan(out[7]));
}

BOOST_AUTO_TEST_CASE(f32_is_copied_bit_for_bit) {
  const float in[] = {1.f, -0.f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::infinity()};
  std::vector<std::byte> src(sizeof in);
  std::memcpy(src.data(), in, sizeof in);
  const auto out = run(ggml_type::f32, src, 4);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(bits(out[i]) == bits(in[i]));
}

BOOST_AUTO_TEST_CASE(q8_0_is_d_times_signed_bytes) {
  auto b = block(34);
  put16(b, 0, 0x3800);  // d = 0.5
  put(b, 2, 0xFD);      // -3
  put(b, 3, 127);
  put(b, 4, 0x80);  // -128
  put(b, 6, 1);
  put(b, 33, 0xFF);  // -1, the last element
  const auto out = run(ggml_type::q8_0, b, 32);
  BOOST_TEST(out[0] == -1.5f);
  BOOST_TEST(out[1] == 63.5f);
  BOOST_TEST(out[2] == -64.f);
  BOOST_TEST(bits(out[3]) == 0u);  // +0: 0 * 0.5
  BOOST_TEST(out[4] == 0.5f);
  BOOST_TEST(out[31] == -0.5f);
  // Two blocks: the second starts at byte 34, its scale d = -2 (0xC000).
  auto two = b;
  two.insert(two.end(), b.begin(), b.end());
  put16(two, 34, 0xC000);
  const auto out2 = run(ggml_type::q8_0, two, 64);
  BOOST_TEST(out2[0] == -1.5f);
  BOOST_TEST(out2[32] == 6.f);
  BOOST_TEST(out2[63] == 2.f);
}

BOOST_AUTO_TEST_CASE(q4_0_and_q4_1_nibbles) {
  auto b = block(18);
  put16(b, 0, 0x4000);  // d = 2
  put(b, 2, 0x0F);      // element 0: low nibble 15 -> 7; element 16: high nibble 0 -> -8
  put(b, 17, 0x9A);     // element 15: 10 - 8 = 2; element 31: 9 - 8 = 1
  auto out = run(ggml_type::q4_0, b, 32);
  BOOST_TEST(out[0] == 14.f);
  BOOST_TEST(out[16] == -16.f);
  BOOST_TEST(out[15] == 4.f);
  BOOST_TEST(out[31] == 2.f);
  BOOST_TEST(out[1] == -16.f);  // nibble 0

  auto c = block(20);
  put16(c, 0, 0x3800);  // d = 0.5
  put16(c, 2, 0xBC00);  // m = -1
  put(c, 4, 0x3A);      // element 0: 0.5 * 10 - 1 = 4; element 16: 0.5 * 3 - 1 = 0.5
  out = run(ggml_type::q4_1, c, 32);
  BOOST_TEST(out[0] == 4.f);
  BOOST_TEST(out[16] == 0.5f);
  BOOST_TEST(out[1] == -1.f);
}

BOOST_AUTO_TEST_CASE(q5_0_and_q5_1_fifth_bit_comes_from_qh) {
  auto b = block(22);
  put16(b, 0, 0x3C00);  // d = 1
  // qh = bit 0 and bit 16 and bit 31 set.
  put(b, 2, 0x01);
  put(b, 4, 0x01);
  put(b, 5, 0x80);
  put(b, 6, 0xF0);  // qs[0]: element 0 low 0 | 16 -> 0; element 16 high 15 | 16 = 31 -> 15
  put(b, 21, 0x7F); // qs[15]: element 15 low 15, bit 15 clear -> -1; element 31 high 7 | 16 = 23 -> 7
  auto out = run(ggml_type::q5_0, b, 32);
  BOOST_TEST(bits(out[0]) == 0u);
  BOOST_TEST(out[16] == 15.f);
  BOOST_TEST(out[1] == -16.f);
  BOOST_TEST(out[15] == -1.f);
  BOOST_TEST(out[31] == 7.f);

  auto c = block(24);
  put16(c, 0, 0x3C00);  // d = 1
  put16(c, 2, 0x3800);  // m = 0.5
  put(c, 4, 0x01);      // qh bit 0
  put(c, 8, 0x0F);      // element 0: 15 | 16 = 31 -> 31.5; element 16: 0 -> 0.5
  out = run(ggml_type::q5_1, c, 32);
  BOOST_TEST(out[0] == 31.5f);
  BOOST_TEST(out[16] == 0.5f);
}

BOOST_AUTO_TEST_CASE(q4_k_six_bit_scales_and_mins) {
  auto b = block(144);
  put16(b, 0, 0x3C00);  // d = 1
  put16(b, 2, 0x3800);  // dmin = 0.5
  // scales[12]: sc0 = 1 with top bits 01 (feeding sc4), sc1 = 3; mn0 = 2, mn1 = 0; byte 8 = (mn4 low 2, sc4 low 1).
  put(b, 4 + 0, 0x41);
  put(b, 4 + 1, 0x03);
  put(b, 4 + 4, 0x02);
  put(b, 4 + 8, 0x21);
  put(b, 16 + 0, 0x25);   // qs[0]: sub-block 0 element 0 = 5, sub-block 1 element 0 (element 32) = 2
  put(b, 16 + 64, 0x03);  // qs[64]: sub-block 4 element 0 (element 128) = 3
  put(b, 16 + 127, 0xF0); // qs[127]: sub-block 6 element 31 (element 223) = 0, sub-block 7 element 31 (element 255) = 15
  const auto out = run(ggml_type::q4_k, b, 256);
  BOOST_TEST(out[0] == 4.f);     // 1 * 1 * 5 - 0.5 * 2
  BOOST_TEST(out[1] == -1.f);    // q 0
  BOOST_TEST(out[32] == 6.f);    // sc1 = 3, q 2, mn1 = 0
  BOOST_TEST(out[128] == 50.f);  // sc4 = 1 | 0x10 = 17, q 3, mn4 = 2: 51 - 1
  BOOST_TEST(bits(out[223]) == 0u);  // sc6 = mn6 = 0: 0 * 0 - 0 = +0
  BOOST_TEST(bits(out[255]) == 0u);
}

BOOST_AUTO_TEST_CASE(q5_k_adds_a_bit_per_sub_block) {
  auto b = block(176);
  put16(b, 0, 0x3C00);  // d = 1
  put16(b, 2, 0x3C00);  // dmin = 1
  put(b, 4 + 0, 2);     // sc0 = 2
  put(b, 4 + 4, 1);     // mn0 = 1
  put(b, 4 + 3, 1);     // sc3 = 1, mn3 = 0
  put(b, 16 + 0, 0x09); // qh[0]: bit 0 (sub-block 0) and bit 3 (sub-block 3)
  put(b, 48 + 0, 0x01); // qs[0]: sub-block 0 element 0 low nibble 1
  put(b, 48 + 32, 0x70);  // qs[32]: sub-block 3 element 0 (element 96) high nibble 7
  const auto out = run(ggml_type::q5_k, b, 256);
  BOOST_TEST(out[0] == 33.f);   // 2 * (1 | 16) - 1
  BOOST_TEST(out[1] == -1.f);   // 2 * 0 - 1
  BOOST_TEST(out[96] == 23.f);  // 1 * (7 | 16) - 0
  BOOST_TEST(out[97] == 0.f);
}

BOOST_AUTO_TEST_CASE(q6_k_element_order_and_signed_scales) {
  auto b = block(210);
  put16(b, 208, 0x3400);  // d = 0.25
  put(b, 192 + 0, 0xFE);  // scales[0] = -2 (elements 0..15)
  put(b, 192 + 2, 4);     // scales[2] = 4 (elements 32..47)
  put(b, 192 + 4, 1);     // scales[4] (elements 64..79)
  put(b, 192 + 6, 1);     // scales[6] (elements 96..111)
  put(b, 192 + 8, 1);     // scales[8] (elements 128..143)
  put(b, 0, 0x51);        // ql[0]: element 0 low 1, element 64 high 5
  put(b, 32, 0x3F);       // ql[32]: element 32 low 15, element 96 high 3
  put(b, 64, 0x02);       // ql[64]: element 128 low 2
  put(b, 128, 0b11'01'00'10);  // qh[0]: element 0 bits 2, element 32 bits 0, element 64 bits 1, element 96 bits 3
  put(b, 128 + 32, 0x03);      // qh[32]: element 128 high bits 3
  const auto out = run(ggml_type::q6_k, b, 256);
  BOOST_TEST(out[0] == -0.5f);     // q = (1 | 2 << 4) - 32 = 1; d * -2 = -0.5
  BOOST_TEST(out[32] == -17.f);    // q = 15 - 32 = -17; d * 4 = 1
  BOOST_TEST(out[64] == -2.75f);   // q = (5 | 1 << 4) - 32 = -11; d * 1
  BOOST_TEST(out[96] == 4.75f);    // q = (3 | 3 << 4) - 32 = 19
  BOOST_TEST(out[128] == 0.25f * 18);  // (2 | 48) - 32
  BOOST_TEST(out[1] == 16.f);          // q = -32, scale -2 * 0.25
}

BOOST_AUTO_TEST_CASE(q8_k_is_float_d_times_bytes) {
  auto b = block(292);
  const float d = 0.25f;
  std::memcpy(b.data(), &d, 4);
  put(b, 4, 0xFC);    // -4
  put(b, 259, 100);   // the last element
  put(b, 260, 0x7F);  // bsums: ignored
  const auto out = run(ggml_type::q8_k, b, 256);
  BOOST_TEST(out[0] == -1.f);
  BOOST_TEST(out[255] == 25.f);
}

BOOST_AUTO_TEST_CASE(misuse_is_invalid_argument) {
  std::vector<float> out(32);
  BOOST_CHECK_THROW(gpta::nn::dequantize(ggml_type::q8_0, std::vector<std::byte>(33), out), std::invalid_argument);
  std::vector<float> odd(31);
  BOOST_CHECK_THROW(gpta::nn::dequantize(ggml_type::q8_0, std::vector<std::byte>(34), odd), std::invalid_argument);
  BOOST_CHECK_THROW(gpta::nn::dequantize(ggml_type::q2_k, std::vector<std::byte>(84), std::span<float>()), std::invalid_argument);
  BOOST_CHECK_THROW(gpta::nn::dequantize(static_cast<ggml_type>(4), {}, std::span<float>()), std::invalid_argument);
  gpta::nn::dequantize(ggml_type::q4_k, {}, std::span<float>());  // nothing to do is fine
  BOOST_TEST(gpta::nn::can_dequantize(ggml_type::q6_k));
  BOOST_TEST(!gpta::nn::can_dequantize(ggml_type::q3_k));
}

BOOST_AUTO_TEST_CASE(file_level_rows_and_whole_tensors) {
  const fs::path dir = fs::temp_directory_path() / ("gpta_gguf_dequant_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / "rows.gguf";
  // A [4 rows x 64] Q8_0 matrix: row r, block k has d = r + 1 and q[i] = i - 16 + k.
  std::string q8;
  for (int r = 0; r < 4; ++r) {
    for (int k = 0; k < 2; ++k) {
      const std::uint16_t d = std::array<std::uint16_t, 4>{0x3C00, 0x4000, 0x4200, 0x4400}[r];  // 1, 2, 3, 4
      q8 += gpta::test::gguf_le(d);
      for (int i = 0; i < 32; ++i) q8 += static_cast<char>(static_cast<std::int8_t>(i - 16 + k));
    }
  }
  gpta::test::gguf_builder b;
  b.tensor({"emb", {64, 4}, 8, q8}).tensor({"q2", {256}, 10, std::string(84, '\0')});
  b.write(p);
  const auto f = gpta::nn::gguf_file::open(p);
  const auto& emb = f.tensor("emb");
  const std::vector<float> all = gpta::nn::dequantize(f, emb);
  BOOST_TEST_REQUIRE(all.size() == 256u);
  BOOST_TEST(all[0] == -16.f);
  BOOST_TEST(all[64 + 32] == 2.f * -15.f);
  for (std::size_t first = 0; first < 4; ++first) {
    for (std::size_t n = 0; first + n <= 4; ++n) {
      const std::vector<float> rows = gpta::nn::dequantize_rows(f, emb, first, n);
      BOOST_TEST_REQUIRE(rows.size() == n * 64);
      for (std::size_t i = 0; i < rows.size(); ++i) BOOST_TEST(bits(rows[i]) == bits(all[first * 64 + i]));
    }
  }
  std::vector<float> dst(64);
  BOOST_CHECK_THROW(gpta::nn::dequantize_rows(f, emb, 4, 1, dst), std::out_of_range);
  BOOST_CHECK_THROW(gpta::nn::dequantize_rows(f, emb, 1, std::numeric_limits<std::size_t>::max(), dst), std::out_of_range);
  BOOST_CHECK_THROW(gpta::nn::dequantize_rows(f, emb, 0, 2, dst), std::invalid_argument);
  try {
    (void)gpta::nn::dequantize(f, f.tensor("q2"));
    BOOST_ERROR("Q2_K dequantised");
  } catch (const gpta::data_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find(p.string()) != std::string::npos, what);
    BOOST_TEST(what.find("'q2'") != std::string::npos, what);
    BOOST_TEST(what.find("Q2_K") != std::string::npos, what);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

BOOST_AUTO_TEST_CASE(random_blocks_match_gguf_py_bit_for_bit) {
  const boost::json::object doc = gpta::test::read_fixture("gguf_dequant_qwen05b.json");
  std::size_t types = 0, values = 0;
  for (const auto& entry : doc.at("synthetic").as_array()) {
    const auto& o = entry.as_object();
    const std::string name(o.at("type").as_string());
    ggml_type t{};
    bool known = false;
    for (std::uint32_t id = 0; id < 64; ++id) {
      if (gpta::nn::ggml_traits(static_cast<ggml_type>(id)).name == name) {
        t = static_cast<ggml_type>(id);
        known = true;
      }
    }
    BOOST_TEST_REQUIRE(known, name);
    const std::vector<std::byte> src = from_hex(std::string(o.at("bytes").as_string()));
    const auto& want = o.at("values").as_array();
    const std::vector<float> out = run(t, src, want.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      const auto w = static_cast<std::uint32_t>(std::stoul(std::string(want[i].as_string()), nullptr, 16));
      if (bits(out[i]) != w) {
        if (mismatches++ < 3) BOOST_ERROR(name << "[" << i << "]: got " << std::hex << bits(out[i]) << ", gguf-py " << w);
      }
    }
    BOOST_TEST(mismatches == 0u, name << ": " << mismatches << " of " << want.size() << " values differ");
    ++types;
    values += want.size();
  }
  BOOST_TEST(types == 10u);
  BOOST_TEST_MESSAGE("synthetic parity: " << types << " types, " << values << " values");
}
