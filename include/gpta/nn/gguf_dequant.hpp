// Dequantisation of GGUF tensor encodings (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K,
// Q6_K, Q8_K) to float, bit-identical to the reference gguf-py (`gguf.quants.dequantize`, numpy float32).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gpta/detail/error.hpp>
#include <gpta/nn/gguf.hpp>
#include <gpta/nn/safetensors.hpp>  // detail::half_to_float, detail::bfloat16_to_float

// Bit parity with the reference: numpy evaluates `d * q - m` one rounded float32 operation at a
// time, and the kernels follow its operation order. For today's types every product is exact
// anyway (a half scale has at most 11 significant bits, sub-block scales and quants add at most 12:
// 23 of float's 24; Q8_K's float scale rounds in its lone multiply), so only the final add/subtract
// rounds and an FMA would give the same bits;
// contraction stays off regardless, so a future type whose products do round cannot drift. GCC
// contracts under -ffp-contract=fast (its default outside ISO mode) whenever the target has FMA
// (-march=native: 42 vfmsub/vfmadd in these kernels without the pragma, none with it). Clang
// contracts only inside one expression by default; its pragma in each kernel makes that explicit
// (clang's -ffp-contract=fast ignores pragmas by design: harmless while the products are exact).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
#if defined(__clang__)
#define GPTA_GGUF_NO_CONTRACT _Pragma("clang fp contract(off)")
#else
#define GPTA_GGUF_NO_CONTRACT
#endif

namespace gpta::nn {

namespace detail {

[[nodiscard]] inline std::uint16_t gguf_u16(const std::byte* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
[[nodiscard]] inline float gguf_half(const std::byte* p) noexcept { return half_to_float(gguf_u16(p)); }
[[nodiscard]] inline unsigned gguf_byte(const std::byte* p, std::size_t i) noexcept { return std::to_integer<unsigned>(p[i]); }

// Each kernel decodes `n` consecutive blocks from `src` into `dst` (n x block_size floats). Layouts
// are ggml-common.h's block structs; comments give the element order gguf-py's reshapes produce.

inline void dequant_f16(const std::byte* src, std::size_t n, float* dst) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = gguf_half(src + 2 * i);
}

inline void dequant_bf16(const std::byte* src, std::size_t n, float* dst) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = bfloat16_to_float(gguf_u16(src + 2 * i));
}

// Q4_0 {half d; u8 qs[16]}: element j < 16 is the low nibble of qs[j], element 16 + j the high one; x = d * (q - 8).
inline void dequant_q4_0(const std::byte* src, std::size_t n, float* dst) noexcept {
  GPTA_GGUF_NO_CONTRACT
  for (std::size_t b = 0; b < n; ++b, src += 18, dst += 32) {
    const float d = gguf_half(src);
    for (std::size_t j = 0; j < 16; ++j) {
      const unsigned q = gguf_byte(src + 2, j);
      dst[j] = d * static_cast<float>(static_cast<int>(q & 0xFu) - 8);
      dst[j + 16] = d * static_cast<float>(static_cast<int>(q >> 4) - 8);
    }
  }
}

// Q4_1 {half d; half m; u8 qs[16]}: x = d * q + m.
inline void dequant_q4_1(const std::byte* src, std::size_t n, float* dst) noexcept {
  GPTA_GGUF_NO_CONTRACT
  for (std::size_t b = 0; b < n; ++b, src += 20, dst += 32) {
    const float d = gguf_half(src);
    const float m = gguf_half(src + 2);
    for (std::size_t j = 0; j < 16; ++j) {
      const unsigned q = gguf_byte(src + 4, j);
      const float lo = d * static_cast<float>(q & 0xFu);
      const float hi = d * static_cast<float>(q >> 4);
      dst[j] = lo + m;
      dst[j + 16] = hi + m;
    }
  }
}

// Q5_0 {half d; u32 qh; u8 qs[16]}: the fifth bit of element i is bit i of qh; x = d * (q - 16).
inline void dequant_q5_0(const std::byte* src, std::size_t n, float* dst) noexcept {
  GPTA_GGUF_NO_CONTRACT
  for (std::size_t b = 0; b < n; ++b, src += 22, dst += 32) {
    const float d = gguf_half(src);
    std::uint32_t qh;
    std::memcpy(&qh, src + 2, 4);
    // Two contiguous passes (low nibbles, then high) so each loop vectorises.
    for (std::size_t j = 0; j < 16; ++j) {
      const unsigned q = (gguf_byte(src + 6, j) & 0xFu) | (((qh >> j) & 1u) << 4);
      dst[j] = d * static_cast<float>(static_cast<int>(q) - 16);
    }
    for (std::size_t j = 0; j < 16; ++j) {
      const unsigned q = (gguf_byte(src + 6, j) >> 4) | (((qh >> (j + 16)) & 1u) << 4);
      dst[j + 16] = d * static_cast<float>(static_cast<int>(q) - 16);
    }
  }
}

// Q5_1 {half d; half m; u32 qh; u8 qs[16]}: x = d * q + m.
inline void dequant_q5_1(const std::byte* src, std::size_t n, float* dst) noexcept {
  GPTA_GGUF_NO_CONTRACT
  for (std::size_t b = 0; b < n; ++b, src += 24, dst += 32) {
    const float d = gguf_half(src);
    const float m = gguf_half(src + 2);
    std::uint32_t qh;
    std::memcpy(&qh, src + 4, 4);
    for (std::size_t j = 0; j < 16; ++j) {
      const unsigned q = gguf_byte(src + 8, j);
      const unsigned lo = (q & 0xFu) | (((qh >> j) & 1u) << 4);
      const unsigned hi = (q >> 4) | (((qh >> (j + 16)) & 1u) << 4);
      const float xl = d * static_cast<float>(lo);
      const float xh = d * static_cast<float>(hi);
      dst[j] = xl + m;
      dst[j + 16] = xh + m;
    }
  }
}

// Q8_0 {half d; i8 qs[32]}: x = q * d.
inline void dequant_q8_0(const std::byte* src, std::size_t n, float* dst) noexcept {
  for (std::size_t b = 0; b < n; ++b, src += 34, dst += 32) {
    const float d = gguf_half(src);
    for (std::size_t j = 0; j < 32; ++j) {
      dst[j] = static_cast<float>(static_cast<std::int8_t>(gguf_byte(src + 2, j))) * d;
    }
  }
}

// The 12 scale bytes of Q4_K/Q5_K hold eight 6-bit (scale, min) pairs: pair j < 4 in the low six
// bits of bytes j and 4 + j; pair 4 + j in the nibbles of byte 8 + j plus the top two bits of bytes j and 4 + j.
inline void k_scale_min(const std::byte* s, unsigned (&sc)[8], unsigned (&mn)[8]) noexcept {
  for (std::size_t j = 0; j < 4; ++j) {
    const unsigned a = gguf_byte(s, j), m = gguf_byte(s, 4 + j), md = gguf_byte(s, 8 + j);
    sc[j] = a & 0x3Fu;
    mn[j] = m & 0x3Fu;
    sc[j + 4] = (md & 0x0Fu) | ((a >> 2) & 0x30u);
    mn[j + 4] = (md >> 4) | ((m >> 2) & 0x30u);
  }
}

// Q4_K {half d; half dmin; u8 scales[12]; u8 qs[128]}: eight sub-blocks of 32; sub-block 2c takes
// the low nibbles of qs[32c .. 32c + 31], 2c + 1 the high ones. x = (d * sc) * q - (dmin * m).
inline void dequant_q4_k(const std::byte* src, std::size_t n, float* dst) noexcept {
  GPTA_GGUF_NO_CONTRACT
  for (std::size_t b = 0; b < n; ++b, src += 144, dst += 256) {
    const float d = gguf_half(src);
    const float dmin = gguf_half(src + 2);
    unsigned sc[8], mn[8];
    k_scale_min(src + 4, sc, mn);
    const std::byte* qs = src + 16;
    for (std::size_t s = 0; s < 8; ++s) {
      const float ds = d * static_cast<float>(sc[s]);
      const float dm = dmin * static_cast<float>(mn[s]);
      const unsigned shift = (s & 1u) * 4;
      const std::byte* q = qs + (s / 2) * 32;
      float* out = dst + s * 32;
      for (std::size_t l = 0; l < 32; ++l) {
        const float x = ds * static_cast<float>((gguf_byte(q, l) >> shift) & 0xFu);
        out[l] = x - dm;
      }
    }
  }
}

// Q5_K {half d; half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: as Q4_K, with the fifth bit of
// element l of sub-block s in bit s of qh[l].
inline void dequant_q5_k(const std::byte* src, std::size_t n, float* dst) noexcept {
  GPTA_GGUF_NO_CONTRACT
  for (std::size_t b = 0; b < n; ++b, src += 176, dst += 256) {
    const float d = gguf_half(src);
    const float dmin = gguf_half(src + 2);
    unsigned sc[8], mn[8];
    k_scale_min(src + 4, sc, mn);
    const std::byte* qh = src + 16;
    const std::byte* qs = src + 48;
    for (std::size_t s = 0; s < 8; ++s) {
      const float ds = d * static_cast<float>(sc[s]);
      const float dm = dmin * static_cast<float>(mn[s]);
      const unsigned shift = (s & 1u) * 4;
      const std::byte* q = qs + (s / 2) * 32;
      float* out = dst + s * 32;
      for (std::size_t l = 0; l < 32; ++l) {
        const unsigned v = ((gguf_byte(q, l) >> shift) & 0xFu) | (((gguf_byte(qh, l) >> s) & 1u) << 4);
        const float x = ds * static_cast<float>(v);
        out[l] = x - dm;
      }
    }
  }
}

// Q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; half d}: element e = 128h + 32r + l (h < 2, r < 4,
// l < 32) takes its low four bits from ql[64h + 32(r & 1) + l] (high nibble when r >= 2), its top two
// from bits 2r of qh[32h + l]; scale scales[e / 16]. x = (d * scale) * (q - 32).
inline void dequant_q6_k(const std::byte* src, std::size_t n, float* dst) noexcept {
  GPTA_GGUF_NO_CONTRACT
  for (std::size_t b = 0; b < n; ++b, src += 210, dst += 256) {
    const std::byte* ql = src;
    const std::byte* qh = src + 128;
    const std::byte* scales = src + 192;
    const float d = gguf_half(src + 208);
    float ds[16];
    for (std::size_t g = 0; g < 16; ++g) ds[g] = d * static_cast<float>(static_cast<std::int8_t>(gguf_byte(scales, g)));
    for (std::size_t h = 0; h < 2; ++h) {
      for (std::size_t r = 0; r < 4; ++r) {
        const std::byte* lo_src = ql + 64 * h + 32 * (r & 1u);
        const std::byte* hi_src = qh + 32 * h;
        const unsigned lo_shift = 4 * static_cast<unsigned>(r / 2), hi_shift = 2 * static_cast<unsigned>(r);
        float* out = dst + 128 * h + 32 * r;
        for (std::size_t half = 0; half < 2; ++half) {  // 16 elements share a scale
          const float scale = ds[8 * h + 2 * r + half];
          for (std::size_t l = 16 * half; l < 16 * half + 16; ++l) {
            const unsigned lo = (gguf_byte(lo_src, l) >> lo_shift) & 0xFu;
            const unsigned hi = (gguf_byte(hi_src, l) >> hi_shift) & 0x3u;
            out[l] = scale * static_cast<float>(static_cast<int>(lo | (hi << 4)) - 32);
          }
        }
      }
    }
  }
}

// Q8_K {float d; i8 qs[256]; i16 bsums[16]}: x = d * q (bsums only serve dot products). gguf-py has
// no Q8_K dequantiser; this follows ggml's dequantize_row_q8_K.
inline void dequant_q8_k(const std::byte* src, std::size_t n, float* dst) noexcept {
  for (std::size_t b = 0; b < n; ++b, src += 292, dst += 256) {
    float d;
    std::memcpy(&d, src, 4);
    for (std::size_t j = 0; j < 256; ++j) dst[j] = d * static_cast<float>(static_cast<std::int8_t>(gguf_byte(src + 4, j)));
  }
}

}  // namespace detail

/// Whether dequantize() decodes `t`.
[[nodiscard]] constexpr bool can_dequantize(ggml_type t) noexcept {
  switch (t) {
    case ggml_type::f32:
    case ggml_type::f16:
    case ggml_type::bf16:
    case ggml_type::q4_0:
    case ggml_type::q4_1:
    case ggml_type::q5_0:
    case ggml_type::q5_1:
    case ggml_type::q8_0:
    case ggml_type::q4_k:
    case ggml_type::q5_k:
    case ggml_type::q6_k:
    case ggml_type::q8_k: return true;
    default: return false;
  }
}

/// Decodes dst.size() elements of type `type` from `src`, which must hold exactly their bytes;
/// dst.size() must be a multiple of the block size. Misuse (sizes, a type can_dequantize() rejects)
/// is std::invalid_argument: the file-level overloads below have checked the data already.
inline void dequantize(ggml_type type, std::span<const std::byte> src, std::span<float> dst) {
  const ggml_type_traits tr = ggml_traits(type);
  if (!can_dequantize(type)) {
    throw std::invalid_argument("gpta::nn::dequantize: " + ggml_type_name(type) + " cannot be dequantised");
  }
  if (dst.size() % tr.block_size != 0) {
    throw std::invalid_argument("gpta::nn::dequantize: " + std::to_string(dst.size()) + " elements are not a multiple of the " +
                                std::string(tr.name) + " block size " + std::to_string(tr.block_size));
  }
  const std::size_t blocks = dst.size() / tr.block_size;
  if (src.size() != blocks * tr.type_size) {
    throw std::invalid_argument("gpta::nn::dequantize: " + std::to_string(dst.size()) + " " + std::string(tr.name) +
                                " elements take " + std::to_string(blocks * tr.type_size) + " bytes, got " +
                                std::to_string(src.size()));
  }
  const std::byte* s = src.data();
  float* d = dst.data();
  switch (type) {
    case ggml_type::f32:
      if (blocks) std::memcpy(d, s, blocks * 4);
      break;
    case ggml_type::f16: detail::dequant_f16(s, blocks, d); break;
    case ggml_type::bf16: detail::dequant_bf16(s, blocks, d); break;
    case ggml_type::q4_0: detail::dequant_q4_0(s, blocks, d); break;
    case ggml_type::q4_1: detail::dequant_q4_1(s, blocks, d); break;
    case ggml_type::q5_0: detail::dequant_q5_0(s, blocks, d); break;
    case ggml_type::q5_1: detail::dequant_q5_1(s, blocks, d); break;
    case ggml_type::q8_0: detail::dequant_q8_0(s, blocks, d); break;
    case ggml_type::q4_k: detail::dequant_q4_k(s, blocks, d); break;
    case ggml_type::q5_k: detail::dequant_q5_k(s, blocks, d); break;
    case ggml_type::q6_k: detail::dequant_q6_k(s, blocks, d); break;
    case ggml_type::q8_k: detail::dequant_q8_k(s, blocks, d); break;
    default: break;  // excluded by can_dequantize above
  }
}

namespace detail {

[[noreturn]] inline void gguf_dequant_fail(const gguf_file& f, const gguf_tensor_info& t, const std::string& what) {
  throw data_error(errc::bad_header, f.path(), 0, "tensor '" + t.name + "': " + what);
}

inline void gguf_check_dequantizable(const gguf_file& f, const gguf_tensor_info& t) {
  if (!can_dequantize(t.type)) gguf_dequant_fail(f, t, "type " + ggml_type_name(t.type) + " cannot be dequantised");
}

}  // namespace detail

/// Rows [first_row, first_row + rows) of `t` (a row is shape[0] elements) into dst, which must
/// hold rows x shape[0] floats; only those rows' blocks are read, so an embedding lookup touches
/// one row of a 151,936-row table. A range past the tensor is std::out_of_range; a type that
/// cannot be decoded is a data_error naming the file and tensor.
inline void dequantize_rows(const gguf_file& f, const gguf_tensor_info& t, std::size_t first_row, std::size_t rows,
                            std::span<float> dst) {
  detail::gguf_check_dequantizable(f, t);
  const std::size_t n_rows = t.rows(), row_len = t.row_length();
  if (first_row > n_rows || rows > n_rows - first_row) {
    throw std::out_of_range("gpta::nn::dequantize_rows: rows [" + std::to_string(first_row) + ", +" + std::to_string(rows) +
                            ") of tensor '" + t.name + "', which has " + std::to_string(n_rows));
  }
  if (dst.size() != rows * row_len) {
    throw std::invalid_argument("gpta::nn::dequantize_rows: " + std::to_string(rows) + " rows of tensor '" + t.name + "' are " +
                                std::to_string(rows * row_len) + " floats, the destination holds " + std::to_string(dst.size()));
  }
  const ggml_type_traits tr = ggml_traits(t.type);
  const std::size_t row_bytes = row_len / tr.block_size * tr.type_size;  // the reader checked row_len % block_size
  const std::span<const std::byte> all = f.data(t);
  dequantize(t.type, all.subspan(first_row * row_bytes, rows * row_bytes), dst);
}

[[nodiscard]] inline std::vector<float> dequantize_rows(const gguf_file& f, const gguf_tensor_info& t, std::size_t first_row,
                                                        std::size_t rows) {
  detail::gguf_check_dequantizable(f, t);
  if (first_row > t.rows() || rows > t.rows() - first_row) {
    throw std::out_of_range("gpta::nn::dequantize_rows: rows [" + std::to_string(first_row) + ", +" + std::to_string(rows) +
                            ") of tensor '" + t.name + "', which has " + std::to_string(t.rows()));
  }
  std::vector<float> out(rows * t.row_length());
  dequantize_rows(f, t, first_row, rows, out);
  return out;
}

/// The whole tensor as float, in storage order (shape[0] fastest).
[[nodiscard]] inline std::vector<float> dequantize(const gguf_file& f, const gguf_tensor_info& t) {
  detail::gguf_check_dequantizable(f, t);
  std::vector<float> out(t.elements());
  dequantize(t.type, f.data(t), out);
  return out;
}

}  // namespace gpta::nn

#undef GPTA_GGUF_NO_CONTRACT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
