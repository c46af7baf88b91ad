// A float dot product in a fixed summation order (16 lanes, lanes reduced,
// then the tail added in order): AVX-512 when available, else the same order in
// plain C++. Shared by the attention scores; results do not depend on threads.
#pragma once

#include <cstddef>

#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12's _mm512_reduce_add_ps reads a placeholder it reports as
// uninitialised (a false positive). Internal header: only our .cpp include it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace b2m::gen::detail {

inline float dot16(const float* a, const float* b, std::size_t n) {
#if defined(__AVX512F__)
  __m512 acc = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
  float sum = _mm512_reduce_add_ps(acc);
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
#else
  float lanes[16] = {};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (std::size_t k = 0; k < 16; ++k) lanes[k] += a[i + k] * b[i + k];
  float sum = 0.0f;
  for (float l : lanes) sum += l;
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
#endif
}

}  // namespace b2m::gen::detail
