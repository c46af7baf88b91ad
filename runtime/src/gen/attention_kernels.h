// The two inner loops of attention over a KV cache (layout: KvCache in
// b2m/gen/transformer.h), for float32 or bfloat16 storage. Keys come in tiles
// of 16 positions, [head_size][16], so the scores of 16 positions are the 16
// lanes of one vector accumulated over the head dimension, and a head's keys
// are one sequential stream (the previous [head_size][capacity] layout read 64
// rows 4 KiB apart: a TLB miss per row). Values are [position][head_size].
// Each result element is summed in a fixed order, whatever the thread count;
// bfloat16 elements are widened exactly, so storage precision is the only
// difference between the two variants.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "b2m/io/half.h"

#include "b2m/runtime/avx512.h"

namespace b2m::gen::detail {

constexpr std::size_t kKeyTile = 16;  // positions per key tile

inline float widen(float v) { return v; }
inline float widen(std::uint16_t v) { return io::bf16_to_float(v); }

#if defined(__AVX512F__)
inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load16(const std::uint16_t* p) {
  __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
inline __m512 maskz_load16(__mmask16 m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
inline __m512 maskz_load16(__mmask16 m, const std::uint16_t* p) {
  __m256i bits = _mm256_maskz_loadu_epi16(m, p);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
// The cache of one head is a short stream (tens of KiB) that the hardware
// prefetcher barely ramps up on: fetch a few lines ahead explicitly.
inline void prefetch_lines(const void* p, std::size_t bytes) {
  const char* c = static_cast<const char*>(p);
  for (std::size_t b = 0; b < bytes; b += 64) _mm_prefetch(c + b, _MM_HINT_T0);
}
inline __mmask16 lanes(std::size_t remaining) {
  return remaining >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << remaining) - 1u);
}
#endif

// scores[j] = scale * sum_i q[i] * key(i, j) for j < visible, the sum running
// over i in increasing order. `keys` points at a head's first tile.
template <typename T>
inline void attention_scores(const float* q, const T* keys, std::size_t hs, std::size_t visible, float scale,
                             float* scores) {
  const std::size_t tile = hs * kKeyTile;
  std::size_t j = 0;
#if defined(__AVX512F__)
  // Four tiles at a time: four independent accumulation chains (one chain
  // would wait on FMA latency), each still summed over i in order.
  for (; j + 4 * kKeyTile <= visible; j += 4 * kKeyTile) {
    const T* k = keys + (j / kKeyTile) * tile;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    const char* ahead = reinterpret_cast<const char*>(k + 4 * tile);  // the next four tiles
    const std::size_t ahead_step = 4 * kKeyTile * sizeof(T);           // bytes per i
    for (std::size_t i = 0; i < hs; ++i) {
      prefetch_lines(ahead + i * ahead_step, ahead_step);
      __m512 qi = _mm512_set1_ps(q[i]);
      a0 = _mm512_fmadd_ps(qi, load16(k + i * kKeyTile), a0);
      a1 = _mm512_fmadd_ps(qi, load16(k + tile + i * kKeyTile), a1);
      a2 = _mm512_fmadd_ps(qi, load16(k + 2 * tile + i * kKeyTile), a2);
      a3 = _mm512_fmadd_ps(qi, load16(k + 3 * tile + i * kKeyTile), a3);
    }
    __m512 s = _mm512_set1_ps(scale);
    _mm512_storeu_ps(scores + j, _mm512_mul_ps(a0, s));
    _mm512_storeu_ps(scores + j + 16, _mm512_mul_ps(a1, s));
    _mm512_storeu_ps(scores + j + 32, _mm512_mul_ps(a2, s));
    _mm512_storeu_ps(scores + j + 48, _mm512_mul_ps(a3, s));
  }
  for (; j < visible; j += kKeyTile) {
    const T* k = keys + (j / kKeyTile) * tile;
    __m512 acc = _mm512_setzero_ps();
    for (std::size_t i = 0; i < hs; ++i) acc = _mm512_fmadd_ps(_mm512_set1_ps(q[i]), load16(k + i * kKeyTile), acc);
    _mm512_mask_storeu_ps(scores + j, lanes(visible - j), _mm512_mul_ps(acc, _mm512_set1_ps(scale)));
  }
#else
  for (; j < visible; ++j) {
    const T* k = keys + (j / kKeyTile) * tile + j % kKeyTile;
    float acc = 0.0f;
    for (std::size_t i = 0; i < hs; ++i) acc = std::fma(q[i], widen(k[i * kKeyTile]), acc);
    scores[j] = acc * scale;
  }
#endif
}

#if defined(__AVX512F__)
// Dimensions [i, i + 16 V) of the weighted sum, V accumulators kept in
// registers over one pass through the positions.
template <int V, typename T>
inline void weighted_values_block(const float* weights, const T* values, std::size_t hs, std::size_t i,
                                  std::size_t count, float* out) {
  __m512 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm512_setzero_ps();
  for (std::size_t j = 0; j < count; ++j) {
    __m512 w = _mm512_set1_ps(weights[j]);
    const T* row = values + j * hs + i;
    if (j + 8 < count) prefetch_lines(row + 8 * hs, 16 * V * sizeof(T));
    for (int v = 0; v < V; ++v) {
      std::size_t d = i + 16 * v;
      __m512 x = hs - d >= 16 ? load16(row + 16 * v) : maskz_load16(lanes(hs - d), row + 16 * v);
      acc[v] = _mm512_fmadd_ps(w, x, acc[v]);
    }
  }
  for (int v = 0; v < V; ++v) _mm512_mask_storeu_ps(out + i + 16 * v, lanes(hs - i - 16 * v), acc[v]);
}
#endif

// out[i] = sum_j weights[j] * value(j, i), j in increasing order; `values`
// points at a head's position 0, rows of hs elements.
template <typename T>
inline void weighted_values(const float* weights, const T* values, std::size_t hs, std::size_t count, float* out) {
#if defined(__AVX512F__)
  // Up to 128 dimensions per pass over the positions: each value row is read
  // once for heads of 64 or 128 (the previous kernel made one pass per 16).
  for (std::size_t i = 0; i < hs; i += 128) {
    switch ((std::min<std::size_t>(hs - i, 128) + 15) / 16) {
      case 1: weighted_values_block<1>(weights, values, hs, i, count, out); break;
      case 2: weighted_values_block<2>(weights, values, hs, i, count, out); break;
      case 3: weighted_values_block<3>(weights, values, hs, i, count, out); break;
      case 4: weighted_values_block<4>(weights, values, hs, i, count, out); break;
      case 5: weighted_values_block<5>(weights, values, hs, i, count, out); break;
      case 6: weighted_values_block<6>(weights, values, hs, i, count, out); break;
      case 7: weighted_values_block<7>(weights, values, hs, i, count, out); break;
      default: weighted_values_block<8>(weights, values, hs, i, count, out); break;
    }
  }
#else
  for (std::size_t i = 0; i < hs; ++i) {
    float acc = 0.0f;
    for (std::size_t j = 0; j < count; ++j) acc = std::fma(weights[j], widen(values[j * hs + i]), acc);
    out[i] = acc;
  }
#endif
}

}  // namespace b2m::gen::detail
