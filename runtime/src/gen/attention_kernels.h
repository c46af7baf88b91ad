// The two inner loops of attention over a KV cache, vectorised along the
// positions (scores) and along the head dimension (weighted sum). Each result
// element is summed in a fixed order, independent of threads.
#pragma once

#include <cmath>
#include <cstddef>

#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12 reports placeholders inside its masked intrinsics as uninitialised
// (a false positive). Internal header: only our .cpp files include it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace b2m::gen::detail {

// scores[j] = scale * sum_i q[i] * keys[i * stride + j] for j < visible, the
// sum running over i in increasing order.
inline void attention_scores(const float* q, const float* keys, std::size_t hs, std::size_t stride,
                             std::size_t visible, float scale, float* scores) {
  std::size_t j = 0;
#if defined(__AVX512F__)
  for (; j < visible; j += 16) {
    __mmask16 m = visible - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (visible - j)) - 1u);
    __m512 acc = _mm512_setzero_ps();
    for (std::size_t i = 0; i < hs; ++i)
      acc = _mm512_fmadd_ps(_mm512_set1_ps(q[i]), _mm512_maskz_loadu_ps(m, keys + i * stride + j), acc);
    _mm512_mask_storeu_ps(scores + j, m, _mm512_mul_ps(acc, _mm512_set1_ps(scale)));
  }
#endif
  for (; j < visible; ++j) {
    float acc = 0.0f;
    for (std::size_t i = 0; i < hs; ++i) acc = std::fma(q[i], keys[i * stride + j], acc);
    scores[j] = acc * scale;
  }
}

// out[i] = sum_j weights[j] * rows[j * hs + i], j in increasing order.
inline void weighted_rows(const float* weights, const float* rows, std::size_t hs, std::size_t count, float* out) {
  std::size_t i = 0;
#if defined(__AVX512F__)
  for (; i < hs; i += 16) {
    __mmask16 m = hs - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (hs - i)) - 1u);
    __m512 acc = _mm512_setzero_ps();
    for (std::size_t j = 0; j < count; ++j)
      acc = _mm512_fmadd_ps(_mm512_set1_ps(weights[j]), _mm512_maskz_loadu_ps(m, rows + j * hs + i), acc);
    _mm512_mask_storeu_ps(out + i, m, acc);
  }
#endif
  for (; i < hs; ++i) {
    float acc = 0.0f;
    for (std::size_t j = 0; j < count; ++j) acc = std::fma(weights[j], rows[j * hs + i], acc);
    out[i] = acc;
  }
}

}  // namespace b2m::gen::detail
