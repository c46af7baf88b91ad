// exp and erf over arrays, 16 lanes at a time, for the softmax of attention
// and the GELU of the transformer stages. A decode step of Bark's size calls
// them ~40,000 times each; the scalar libm calls took about 4% of a BF16 step.
// Every element goes through the same arithmetic (tails use masked loads), so
// results do not depend on where an array starts or on the thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "b2m/runtime/avx512.h"

namespace b2m::gen::detail {

#if defined(__AVX512F__)
// Cephes expf: exp(x) = 2^n exp(r), r = x - n ln2 in [-ln2/2, ln2/2], a degree-6
// polynomial for exp(r); within 2 ulp of libm. Below -104 the result is 0.
inline __m512 exp16(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(88.72f));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

// erf to within 1.5e-7 absolute (Abramowitz & Stegun 7.1.26), odd symmetry.
inline __m512 erf16(__m512 x) {
  __m512 a = _mm512_abs_ps(x);
  __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
  __m512 p = _mm512_set1_ps(1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
  p = _mm512_mul_ps(p, t);
  __m512 y = _mm512_fnmadd_ps(p, exp16(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a)), _mm512_set1_ps(1.0f));
  // copy the sign of x
  return _mm512_castsi512_ps(_mm512_or_si512(
      _mm512_castps_si512(y), _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(int(0x80000000u)))));
}

inline __mmask16 tail_mask(std::size_t remaining) {
  return remaining >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << remaining) - 1u);
}
#endif

// x[i] = exp(x[i] - max) / sum_j exp(x[j] - max), in place (n >= 1).
inline void softmax(float* x, std::size_t n) {
#if defined(__AVX512F__)
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  for (std::size_t j = 0; j < n; j += 16) {
    __mmask16 m = tail_mask(n - j);
    vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_maskz_loadu_ps(m, x + j));
  }
  __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
  __m512 vsum = _mm512_setzero_ps();
  for (std::size_t j = 0; j < n; j += 16) {
    __mmask16 m = tail_mask(n - j);
    __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), mx));
    _mm512_mask_storeu_ps(x + j, m, e);
    vsum = _mm512_mask_add_ps(vsum, m, vsum, e);
  }
  __m512 sum = _mm512_set1_ps(_mm512_reduce_add_ps(vsum));
  for (std::size_t j = 0; j < n; j += 16) {
    __mmask16 m = tail_mask(n - j);
    _mm512_mask_storeu_ps(x + j, m, _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + j), sum));
  }
#else
  float max_value = -INFINITY;
  for (std::size_t j = 0; j < n; ++j) max_value = std::max(max_value, x[j]);
  float sum = 0.0f;
  for (std::size_t j = 0; j < n; ++j) {
    x[j] = std::exp(x[j] - max_value);
    sum += x[j];
  }
  for (std::size_t j = 0; j < n; ++j) x[j] /= sum;
#endif
}

// Exact-form GELU, 0.5 x (1 + erf(x / sqrt 2)), in place.
inline void gelu(float* x, std::size_t n) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
#if defined(__AVX512F__)
  for (std::size_t i = 0; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    __m512 e = erf16(_mm512_mul_ps(v, _mm512_set1_ps(kInvSqrt2)));
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v),
                                                  _mm512_add_ps(_mm512_set1_ps(1.0f), e)));
  }
#else
  for (std::size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
#endif
}

}  // namespace b2m::gen::detail
