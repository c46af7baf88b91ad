#include "b2m/gen/linear.h"

#include <algorithm>
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12 reports its own _mm512_undefined_* placeholders inside the masked
// intrinsics as uninitialised (a false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

#include "b2m/io/half.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::gen {

WeightPrecision parse_weight_precision(const std::string& name) {
  if (name == "f32") return WeightPrecision::f32;
  if (name == "bf16") return WeightPrecision::bf16;
  if (name == "f16") return WeightPrecision::f16;
  fail("unknown weight precision '{}' (expected f32, bf16 or f16)", name);
}

const char* weight_precision_name(WeightPrecision precision) {
  switch (precision) {
    case WeightPrecision::f32: return "f32";
    case WeightPrecision::bf16: return "bf16";
    case WeightPrecision::f16: return "f16";
  }
  return "?";
}

LinearWeight::LinearWeight(std::size_t out, std::size_t in, const std::vector<float>& values,
                           WeightPrecision precision)
    : out_(out), in_(in), precision_(precision) {
  if (values.size() != out * in) fail("LinearWeight: {} values for a {}x{} matrix", values.size(), out, in);
  if (precision == WeightPrecision::f32) {
    f32_ = values;
  } else {
    half_.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      half_[i] = precision == WeightPrecision::bf16 ? io::float_to_bf16(values[i]) : io::float_to_half(values[i]);
  }
}

LinearWeight LinearWeight::load(const Weights& weights, const std::string& name, std::size_t out,
                                std::size_t in, WeightPrecision precision, bool with_bias,
                                const std::string& bias_name) {
  const TensorView& view = weights.view(name, {out, in});
  LinearWeight result;
  result.out_ = out;
  result.in_ = in;
  result.precision_ = precision;
  // Keep half-precision files as they are when that precision is asked for:
  // no rounding happens twice and loading is a copy.
  bool same_half = (precision == WeightPrecision::bf16 && view.dtype == TensorDType::bf16) ||
                   (precision == WeightPrecision::f16 && view.dtype == TensorDType::f16);
  if (same_half) {
    result.half_.resize(out * in);
    std::memcpy(result.half_.data(), view.bytes.data(), out * in * 2);
    std::vector<float> check = weights.file().to_f32(view);
    check_finite(weights.path(), view.name, check);
  } else {
    Tensor t = weights.get(name, {out, in});
    result = LinearWeight(out, in, t.values, precision);
  }
  if (with_bias) result.bias_ = weights.get(bias_name.empty() ? name + ".bias" : bias_name, {out}).values;
  return result;
}

std::size_t LinearWeight::weight_bytes() const {
  return precision_ == WeightPrecision::f32 ? f32_.size() * 4 : half_.size() * 2;
}

float LinearWeight::weight(std::size_t o, std::size_t i) const {
  std::size_t k = o * in_ + i;
  switch (precision_) {
    case WeightPrecision::f32: return f32_[k];
    case WeightPrecision::bf16: return io::bf16_to_float(half_[k]);
    case WeightPrecision::f16: return io::half_to_float(half_[k]);
  }
  return 0.0f;
}

namespace {

// --- dot products of one weight row with one activation row, in a fixed order ---

#if defined(__AVX512F__)
// One accumulator and the same masked 16-wide steps as dot4_f32, so that a
// row gives bit-identical results whichever kernel computes it.
inline float dot_f32(const float* w, const float* x, std::size_t n) {
  __m512 acc = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1u);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, x + i), acc);
  }
  return _mm512_reduce_add_ps(acc);
}

// Four weight rows against one activation row: four independent memory
// streams in flight and each activation load shared by four FMAs.
inline void dot4_f32(const float* w, std::size_t stride, const float* x, std::size_t n, float* out) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  const float *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
  for (std::size_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1u);
    __m512 xv = _mm512_maskz_loadu_ps(m, x + i);
    // The next four rows, one cache line each per step: the hardware
    // prefetcher alone restarts its streams at every group of rows.
    _mm_prefetch(reinterpret_cast<const char*>(w3 + stride + i), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w3 + 2 * stride + i), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w3 + 3 * stride + i), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w3 + 4 * stride + i), _MM_HINT_T0);
    a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w0 + i), xv, a0);
    a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w1 + i), xv, a1);
    a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w2 + i), xv, a2);
    a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w3 + i), xv, a3);
  }
  out[0] = _mm512_reduce_add_ps(a0);
  out[1] = _mm512_reduce_add_ps(a1);
  out[2] = _mm512_reduce_add_ps(a2);
  out[3] = _mm512_reduce_add_ps(a3);
}

inline __m512 widen_bf16(__m256i bits) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}

inline float dot_f16(const std::uint16_t* w, const float* x, std::size_t n) {
  __m512 acc0 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1u);
    __m512 wv = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w + i));
    acc0 = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, x + i), acc0);
  }
  return _mm512_reduce_add_ps(acc0);
}

#if defined(__AVX512BF16__)
// x is given already rounded to bf16: 32 products per instruction. Same
// steps as dot4_bf16 (bit-identical per row).
inline float dot_bf16(const std::uint16_t* w, const std::uint16_t* x, std::size_t n) {
  __m512 acc = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n; i += 32) {
    __mmask32 m = n - i >= 32 ? __mmask32(0xFFFFFFFFu) : __mmask32((1ull << (n - i)) - 1u);
    acc = _mm512_dpbf16_ps(acc, (__m512bh)_mm512_maskz_loadu_epi16(m, w + i), (__m512bh)_mm512_maskz_loadu_epi16(m, x + i));
  }
  return _mm512_reduce_add_ps(acc);
}

inline void dot4_bf16(const std::uint16_t* w, std::size_t stride, const std::uint16_t* x, std::size_t n, float* out) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  const std::uint16_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
  for (std::size_t i = 0; i < n; i += 32) {
    __mmask32 m = n - i >= 32 ? __mmask32(0xFFFFFFFFu) : __mmask32((1ull << (n - i)) - 1u);
    __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(m, x + i);
    _mm_prefetch(reinterpret_cast<const char*>(w3 + stride + i), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w3 + 2 * stride + i), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w3 + 3 * stride + i), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w3 + 4 * stride + i), _MM_HINT_T0);
    a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_maskz_loadu_epi16(m, w0 + i), xv);
    a1 = _mm512_dpbf16_ps(a1, (__m512bh)_mm512_maskz_loadu_epi16(m, w1 + i), xv);
    a2 = _mm512_dpbf16_ps(a2, (__m512bh)_mm512_maskz_loadu_epi16(m, w2 + i), xv);
    a3 = _mm512_dpbf16_ps(a3, (__m512bh)_mm512_maskz_loadu_epi16(m, w3 + i), xv);
  }
  out[0] = _mm512_reduce_add_ps(a0);
  out[1] = _mm512_reduce_add_ps(a1);
  out[2] = _mm512_reduce_add_ps(a2);
  out[3] = _mm512_reduce_add_ps(a3);
}
#else
inline float dot_bf16(const std::uint16_t* w, const float* x, std::size_t n) {
  __m512 acc0 = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1u);
    acc0 = _mm512_fmadd_ps(widen_bf16(_mm256_maskz_loadu_epi16(m, w + i)), _mm512_maskz_loadu_ps(m, x + i), acc0);
  }
  return _mm512_reduce_add_ps(acc0);
}
#endif

#else  // portable: 8 partial sums the compiler can vectorise
inline float dot_f32(const float* w, const float* x, std::size_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += w[i + k] * x[i + k];
  for (; i < n; ++i) acc[i % 8] += w[i] * x[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
inline float dot_f16(const std::uint16_t* w, const float* x, std::size_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < n; ++i) acc[i % 8] += io::half_to_float(w[i]) * x[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
inline float dot_bf16(const std::uint16_t* w, const float* x, std::size_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < n; ++i) acc[i % 8] += io::bf16_to_float(w[i]) * x[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
#endif

constexpr bool kBf16Activations =
#if defined(__AVX512F__) && defined(__AVX512BF16__)
    true;
#else
    false;
#endif

// Rows per parallel chunk: about 64 KiB of weights, from the shape alone.
std::size_t rows_per_chunk(std::size_t in, std::size_t element_bytes) {
  std::size_t row_bytes = std::max<std::size_t>(1, in * element_bytes);
  return std::max<std::size_t>(4, (std::size_t(64) << 10) / row_bytes);
}

}  // namespace

void LinearWeight::apply(const float* x, std::size_t rows, std::size_t x_stride, float* y,
                         std::size_t y_stride) const {
  if (rows == 0 || out_ == 0) return;
  const float* bias = bias_.empty() ? nullptr : bias_.data();
  std::size_t in = in_;
  if (precision_ == WeightPrecision::f32) {
    parallel_for(out_, rows_per_chunk(in, 4), [&](std::size_t begin, std::size_t end) {
      std::size_t o = begin;
#if defined(__AVX512F__)
      if (rows == 1) {  // the decode step: four weight rows at a time
        for (; o + 4 <= end; o += 4) {
          dot4_f32(f32_.data() + o * in, in, x, in, y + o);
          for (int k = 0; k < 4; ++k) y[o + k] += bias ? bias[o + k] : 0.0f;
        }
      }
#endif
      for (; o < end; ++o) {
        const float* w = f32_.data() + o * in;
        for (std::size_t r = 0; r < rows; ++r)
          y[r * y_stride + o] = dot_f32(w, x + r * x_stride, in) + (bias ? bias[o] : 0.0f);
      }
    });
  } else if (precision_ == WeightPrecision::f16) {
    parallel_for(out_, rows_per_chunk(in, 2), [&](std::size_t begin, std::size_t end) {
      for (std::size_t o = begin; o < end; ++o) {
        const std::uint16_t* w = half_.data() + o * in;
        for (std::size_t r = 0; r < rows; ++r)
          y[r * y_stride + o] = dot_f16(w, x + r * x_stride, in) + (bias ? bias[o] : 0.0f);
      }
    });
  } else if constexpr (kBf16Activations) {
#if defined(__AVX512F__) && defined(__AVX512BF16__)
    std::vector<std::uint16_t> xb(rows * in);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t i = 0; i < in; ++i) xb[r * in + i] = io::float_to_bf16(x[r * x_stride + i]);
    parallel_for(out_, rows_per_chunk(in, 2), [&](std::size_t begin, std::size_t end) {
      std::size_t o = begin;
      if (rows == 1) {
        for (; o + 4 <= end; o += 4) {
          dot4_bf16(half_.data() + o * in, in, xb.data(), in, y + o);
          for (int k = 0; k < 4; ++k) y[o + k] += bias ? bias[o + k] : 0.0f;
        }
      }
      for (; o < end; ++o) {
        const std::uint16_t* w = half_.data() + o * in;
        for (std::size_t r = 0; r < rows; ++r)
          y[r * y_stride + o] = dot_bf16(w, xb.data() + r * in, in) + (bias ? bias[o] : 0.0f);
      }
    });
#endif
  } else {
#if !(defined(__AVX512F__) && defined(__AVX512BF16__))
    parallel_for(out_, rows_per_chunk(in, 2), [&](std::size_t begin, std::size_t end) {
      for (std::size_t o = begin; o < end; ++o) {
        const std::uint16_t* w = half_.data() + o * in;
        for (std::size_t r = 0; r < rows; ++r)
          y[r * y_stride + o] = dot_bf16(w, x + r * x_stride, in) + (bias ? bias[o] : 0.0f);
      }
    });
#endif
  }
}

}  // namespace b2m::gen
