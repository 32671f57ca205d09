// Portability layer for kernels that g++ compiles for Thrust's CPP/OMP systems and nvcc for CUDA.
// Kernels are functors (never lambdas) marked GPTA_HD, so nvcc needs no --extended-lambda.
#pragma once

#include <float.h>  // FLT_MAX/DBL_MAX: plain constants, usable in device code without relaxed constexpr
#include <math.h>   // the C names (expf, erff...) that CUDA also declares __host__ __device__

#include <cstdint>

#if defined(__CUDACC__)
#define GPTA_HD __host__ __device__
#else
#define GPTA_HD
#endif

namespace gpta::backend {

/// Signed 64-bit: [batch*heads*L x L] attention scores overflow 32 bits at long sequences.
using index_t = std::int64_t;

/// Overloads on float/double: std:: math is not uniformly callable from device code, and the C
/// float names keep float arithmetic in float (as the host kernels do) on every system.
namespace math {
GPTA_HD inline float exp(float x) { return ::expf(x); }
GPTA_HD inline double exp(double x) { return ::exp(x); }
GPTA_HD inline float log(float x) { return ::logf(x); }
GPTA_HD inline double log(double x) { return ::log(x); }
GPTA_HD inline float sqrt(float x) { return ::sqrtf(x); }
GPTA_HD inline double sqrt(double x) { return ::sqrt(x); }
GPTA_HD inline float erf(float x) { return ::erff(x); }
GPTA_HD inline double erf(double x) { return ::erf(x); }
GPTA_HD inline float abs(float x) { return ::fabsf(x); }
GPTA_HD inline double abs(double x) { return ::fabs(x); }
/// Most negative finite value: anything below it is -infinity (a fully masked attention row).
template <class T>
GPTA_HD inline T lowest();
template <>
GPTA_HD inline float lowest<float>() {
  return -FLT_MAX;
}
template <>
GPTA_HD inline double lowest<double>() {
  return -DBL_MAX;
}
template <class T>
GPTA_HD inline T max(T a, T b) {
  return a < b ? b : a;
}
}  // namespace math

}  // namespace gpta::backend
