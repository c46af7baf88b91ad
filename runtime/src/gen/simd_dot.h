// A float dot product in a fixed summation order (16 lanes, masked tail,
// lanes reduced at the end): AVX-512 when available, else the same order in
// plain C++. Shared by the attention scores; results do not depend on threads.
#pragma once

#include <cstddef>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace b2m::gen::detail {

inline float dot16(const float* a, const float* b, std::size_t n) {
#if defined(__AVX512F__)
  __m512 acc = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1u);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), acc);
  }
  return _mm512_reduce_add_ps(acc);
#else
  float lanes[16] = {};
  for (std::size_t i = 0; i < n; ++i) lanes[i % 16] += a[i] * b[i];
  float sum = 0.0f;
  for (float l : lanes) sum += l;
  return sum;
#endif
}

}  // namespace b2m::gen::detail
