// ggml's tensor element encodings (the ids GGUF files store) and their block geometry: what the
// GGUF reader checks sizes against and what dequantisation dispatches on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gpta::nn {

/// Tensor element encodings (ggml's ids, stored in the file). Ids 4, 5, 31-33 and 36-38 belonged to
/// encodings ggml has removed; a file using them, or any id not listed, is rejected when opened.
enum class ggml_type : std::uint32_t {
  f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9,
  q2_k = 10, q3_k = 11, q4_k = 12, q5_k = 13, q6_k = 14, q8_k = 15,
  iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23,
  i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35, mxfp4 = 39
};

/// How a ggml_type packs elements: `block_size` elements take `type_size` bytes. Zeros for an unknown id.
struct ggml_type_traits {
  std::string_view name;
  std::size_t block_size = 0;
  std::size_t type_size = 0;
};

/// Block geometry of every type ggml defines (ggml-common.h's block structs; block_q8_1 holds two
/// halves, 36 bytes, although gguf-py's table still says 40).
[[nodiscard]] constexpr ggml_type_traits ggml_traits(ggml_type t) noexcept {
  constexpr std::size_t qk_k = 256;
  switch (t) {
    case ggml_type::f32: return {"F32", 1, 4};
    case ggml_type::f16: return {"F16", 1, 2};
    case ggml_type::q4_0: return {"Q4_0", 32, 2 + 16};
    case ggml_type::q4_1: return {"Q4_1", 32, 2 + 2 + 16};
    case ggml_type::q5_0: return {"Q5_0", 32, 2 + 4 + 16};
    case ggml_type::q5_1: return {"Q5_1", 32, 2 + 2 + 4 + 16};
    case ggml_type::q8_0: return {"Q8_0", 32, 2 + 32};
    case ggml_type::q8_1: return {"Q8_1", 32, 2 + 2 + 32};
    case ggml_type::q2_k: return {"Q2_K", qk_k, 2 + 2 + qk_k / 16 + qk_k / 4};
    case ggml_type::q3_k: return {"Q3_K", qk_k, 2 + qk_k / 4 + qk_k / 8 + 12};
    case ggml_type::q4_k: return {"Q4_K", qk_k, 2 + 2 + qk_k / 2 + 12};
    case ggml_type::q5_k: return {"Q5_K", qk_k, 2 + 2 + qk_k / 2 + qk_k / 8 + 12};
    case ggml_type::q6_k: return {"Q6_K", qk_k, 2 + qk_k / 2 + qk_k / 4 + qk_k / 16};
    case ggml_type::q8_k: return {"Q8_K", qk_k, 4 + qk_k + qk_k / 8};
    case ggml_type::iq2_xxs: return {"IQ2_XXS", qk_k, 2 + qk_k / 4};
    case ggml_type::iq2_xs: return {"IQ2_XS", qk_k, 2 + qk_k / 4 + qk_k / 32};
    case ggml_type::iq3_xxs: return {"IQ3_XXS", qk_k, 2 + qk_k / 4 + qk_k / 8};
    case ggml_type::iq1_s: return {"IQ1_S", qk_k, 2 + qk_k / 8 + qk_k / 16};
    case ggml_type::iq4_nl: return {"IQ4_NL", 32, 2 + 16};
    case ggml_type::iq3_s: return {"IQ3_S", qk_k, 2 + qk_k / 4 + qk_k / 8 + qk_k / 32 + 4};
    case ggml_type::iq2_s: return {"IQ2_S", qk_k, 2 + qk_k / 4 + qk_k / 16};
    case ggml_type::iq4_xs: return {"IQ4_XS", qk_k, 2 + 2 + qk_k / 2 + qk_k / 64};
    case ggml_type::i8: return {"I8", 1, 1};
    case ggml_type::i16: return {"I16", 1, 2};
    case ggml_type::i32: return {"I32", 1, 4};
    case ggml_type::i64: return {"I64", 1, 8};
    case ggml_type::f64: return {"F64", 1, 8};
    case ggml_type::iq1_m: return {"IQ1_M", qk_k, qk_k / 8 + qk_k / 16 + qk_k / 32};
    case ggml_type::bf16: return {"BF16", 1, 2};
    case ggml_type::tq1_0: return {"TQ1_0", qk_k, 2 + 4 * 13};
    case ggml_type::tq2_0: return {"TQ2_0", qk_k, 2 + 64};
    case ggml_type::mxfp4: return {"MXFP4", 32, 1 + 16};
  }
  return {};
}

/// "Q4_K", or "type 31" for an id ggml_traits does not know.
[[nodiscard]] inline std::string ggml_type_name(ggml_type t) {
  const ggml_type_traits tr = ggml_traits(t);
  if (!tr.name.empty()) return std::string(tr.name);
  return "type " + std::to_string(static_cast<std::uint32_t>(t));
}

}  // namespace gpta::nn
