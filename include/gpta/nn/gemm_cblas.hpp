// The host GEMM policy's CBLAS side: a product of dense Eigen operands handed to a CBLAS library
// (OpenBLAS or BLIS) as one sgemm/dgemm call, row-major, no copies.
//
// Chosen at configure time: `-DGPTA_GEMM=openblas|blis` defines GPTA_GEMM_CBLAS (and names the
// library in GPTA_GEMM_LIBRARY), adds the library's cblas.h and links it; nn::gemm_rows then
// sends every product it can map here and keeps Eigen for the rest (an operand that is an
// expression, not memory: a scaled matrix, a product). `GPTA_GEMM=eigen` (the default) never
// includes this header, so consumers without a BLAS see no cblas.h.
//
// The library threads the product itself (the OpenMP builds of both share the program's OpenMP
// runtime; called inside a parallel region they run serially).
#pragma once

#include <algorithm>
#include <type_traits>

#include <Eigen/Core>

#include <cblas.h>

namespace gpta::nn {

namespace detail {

/// An operand CBLAS can read in place: an expression with direct access to its memory (a
/// matrix, Map, Ref, block or transpose of one), of the GEMM's scalar. Eigen's flag, not a
/// requires-expression: its wrappers declare data() even where instantiating it fails.
template <class Expr, class Scalar>
concept cblas_operand = std::is_same_v<typename Expr::Scalar, Scalar> &&
                        (static_cast<unsigned>(Eigen::internal::traits<Expr>::Flags) & Eigen::DirectAccessBit) != 0;

/// Row-major view of an operand: a column-major one is the transpose of a row-major one.
template <class Expr>
bool cblas_view(const Expr& e, CBLAS_TRANSPOSE& trans, Eigen::Index& ld) {
  if (e.innerStride() != 1 && e.size() > 1) return false;
  const bool row_major = static_cast<bool>(Expr::IsRowMajor);
  trans = row_major ? CblasNoTrans : CblasTrans;
  ld = std::max<Eigen::Index>(e.outerStride(), 1);
  return ld >= std::max<Eigen::Index>(row_major ? e.cols() : e.rows(), 1);
}

}  // namespace detail

/// dst = lhs * rhs (or dst += with `accumulate`) by one CBLAS call. Returns false, touching
/// nothing, when an operand is not memory CBLAS can read in place (the caller then uses Eigen).
/// `dst` must not alias an operand (the products of a network's layers never do).
template <class Scalar, class Dst, class Lhs, class Rhs>
bool cblas_gemm(Dst&& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
  using D = std::remove_cvref_t<Dst>;
  if constexpr (!(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>) ||
                !detail::cblas_operand<Lhs, Scalar> || !detail::cblas_operand<Rhs, Scalar>) {
    (void)dst, (void)lhs, (void)rhs, (void)accumulate;
    return false;
  } else {
    static_assert(D::IsRowMajor, "gpta::nn::cblas_gemm: the destination must be row-major (activations are)");
    CBLAS_TRANSPOSE ta{}, tb{};
    Eigen::Index lda = 0, ldb = 0;
    if (!detail::cblas_view(lhs, ta, lda) || !detail::cblas_view(rhs, tb, ldb)) return false;
    if (dst.innerStride() != 1 && dst.size() > 1) return false;
    const Eigen::Index m = dst.rows(), n = dst.cols(), k = lhs.cols();
    if (m == 0 || n == 0) return true;
    if (k == 0) {
      if (!accumulate) dst.setZero();
      return true;
    }
    const Eigen::Index ldc = std::max<Eigen::Index>(dst.outerStride(), std::max<Eigen::Index>(n, 1));
    const Scalar beta = accumulate ? Scalar(1) : Scalar(0);
    if constexpr (std::is_same_v<Scalar, float>)
      cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f,
                  lhs.data(), static_cast<int>(lda), rhs.data(), static_cast<int>(ldb), beta, dst.data(),
                  static_cast<int>(ldc));
    else
      cblas_dgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0,
                  lhs.data(), static_cast<int>(lda), rhs.data(), static_cast<int>(ldb), beta, dst.data(),
                  static_cast<int>(ldc));
    return true;
  }
}

}  // namespace gpta::nn
