#include "b2m/gen/linear.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "b2m/runtime/avx512.h"

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

std::size_t LinearWeight::packed_index(std::size_t o, std::size_t i) const {
  const std::size_t width = chunk_width();
  return (((o / 4) * chunks() + i / width) * 4 + o % 4) * width + i % width;
}

template <typename T>
void LinearWeight::pack(const T* row_major, std::vector<T>& packed) const {
  packed.assign(groups() * chunks() * 4 * chunk_width(), T{});
  for (std::size_t o = 0; o < out_; ++o)
    for (std::size_t i = 0; i < in_; ++i) packed[packed_index(o, i)] = row_major[o * in_ + i];
}

LinearWeight::LinearWeight(std::size_t out, std::size_t in, const std::vector<float>& values,
                           WeightPrecision precision)
    : out_(out), in_(in), precision_(precision) {
  if (values.size() != out * in) fail("LinearWeight: {} values for a {}x{} matrix", values.size(), out, in);
  if (precision == WeightPrecision::f32) {
    pack(values.data(), f32_);
  } else {
    std::vector<std::uint16_t> bits(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      bits[i] = precision == WeightPrecision::bf16 ? io::float_to_bf16(values[i]) : io::float_to_half(values[i]);
    pack(bits.data(), half_);
  }
}

LinearWeight LinearWeight::load(const Weights& weights, const std::string& name, std::size_t out,
                                std::size_t in, WeightPrecision precision, bool with_bias,
                                const std::string& bias_name) {
  const TensorView& view = weights.view(name, {out, in});
  LinearWeight result;
  // Keep half-precision files as they are when that precision is asked for:
  // no rounding happens twice.
  bool same_half = (precision == WeightPrecision::bf16 && view.dtype == TensorDType::bf16) ||
                   (precision == WeightPrecision::f16 && view.dtype == TensorDType::f16);
  if (same_half) {
    check_finite(weights.path(), view.name, weights.file().to_f32(view));
    result.out_ = out;
    result.in_ = in;
    result.precision_ = precision;
    std::vector<std::uint16_t> bits(out * in);
    std::memcpy(bits.data(), view.bytes.data(), out * in * 2);
    result.pack(bits.data(), result.half_);
  } else {
    Tensor t = weights.get(name, {out, in});
    result = LinearWeight(out, in, t.values, precision);
  }
  if (with_bias) result.bias_ = weights.get(bias_name.empty() ? name + ".bias" : bias_name, {out}).values;
  return result;
}

std::size_t LinearWeight::weight_bytes() const {
  return out_ * in_ * (precision_ == WeightPrecision::f32 ? 4 : 2);
}

float LinearWeight::weight(std::size_t o, std::size_t i) const {
  std::size_t k = packed_index(o, i);
  switch (precision_) {
    case WeightPrecision::f32: return f32_[k];
    case WeightPrecision::bf16: return io::bf16_to_float(half_[k]);
    case WeightPrecision::f16: return io::half_to_float(half_[k]);
  }
  return 0.0f;
}

namespace {

// --- one group of four packed rows against one zero-padded activation row ---
// Each kernel walks the group's chunks in order (one sequential stream),
// prefetching about 2 KiB ahead, and reduces the four accumulators at the end.

#if defined(__AVX512F__)
// Non-temporal hint: each weight is used once per step, and a decode step
// streams hundreds of MB; T0 prefetches evicted the KV cache and activations
// from L2/L3 and measured 10-25% slower on this Zen 4 VM (NTA: 41-43 GB/s from
// one thread, T0: 28-42 GB/s, no prefetch: 37-42 GB/s).
inline void prefetch_ahead(const void* p) {
  const char* c = static_cast<const char*>(p) + 2048;
  _mm_prefetch(c, _MM_HINT_NTA);
  _mm_prefetch(c + 64, _MM_HINT_NTA);
  _mm_prefetch(c + 128, _MM_HINT_NTA);
  _mm_prefetch(c + 192, _MM_HINT_NTA);
}

inline void group_f32(const float* w, const float* x, std::size_t chunks, float* out) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  for (std::size_t c = 0; c < chunks; ++c, w += 64) {
    prefetch_ahead(w);
    __m512 xv = _mm512_loadu_ps(x + 16 * c);
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w), xv, a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + 16), xv, a1);
    a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w + 32), xv, a2);
    a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w + 48), xv, a3);
  }
  out[0] = _mm512_reduce_add_ps(a0);
  out[1] = _mm512_reduce_add_ps(a1);
  out[2] = _mm512_reduce_add_ps(a2);
  out[3] = _mm512_reduce_add_ps(a3);
}

inline void group_f16(const std::uint16_t* w, const float* x, std::size_t chunks, float* out) {
  __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  for (std::size_t c = 0; c < chunks; ++c, w += 128) {
    prefetch_ahead(w);
    __m512 x_lo = _mm512_loadu_ps(x + 32 * c), x_hi = _mm512_loadu_ps(x + 32 * c + 16);
    for (int k = 0; k < 4; ++k) {
      const __m256i* row = reinterpret_cast<const __m256i*>(w + 32 * k);
      a[k] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256(row)), x_lo, a[k]);
      a[k] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256(row + 1)), x_hi, a[k]);
    }
  }
  for (int k = 0; k < 4; ++k) out[k] = _mm512_reduce_add_ps(a[k]);
}

#if defined(__AVX512BF16__)
// x already rounded to bf16: 32 products per instruction.
inline void group_bf16(const std::uint16_t* w, const std::uint16_t* x, std::size_t chunks, float* out) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  for (std::size_t c = 0; c < chunks; ++c, w += 128) {
    prefetch_ahead(w);
    __m512bh xv = (__m512bh)_mm512_loadu_si512(x + 32 * c);
    a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_loadu_si512(w), xv);
    a1 = _mm512_dpbf16_ps(a1, (__m512bh)_mm512_loadu_si512(w + 32), xv);
    a2 = _mm512_dpbf16_ps(a2, (__m512bh)_mm512_loadu_si512(w + 64), xv);
    a3 = _mm512_dpbf16_ps(a3, (__m512bh)_mm512_loadu_si512(w + 96), xv);
  }
  out[0] = _mm512_reduce_add_ps(a0);
  out[1] = _mm512_reduce_add_ps(a1);
  out[2] = _mm512_reduce_add_ps(a2);
  out[3] = _mm512_reduce_add_ps(a3);
}
#else
inline __m512 widen_bf16(__m256i bits) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
inline void group_bf16(const std::uint16_t* w, const float* x, std::size_t chunks, float* out) {
  __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  for (std::size_t c = 0; c < chunks; ++c, w += 128) {
    prefetch_ahead(w);
    __m512 x_lo = _mm512_loadu_ps(x + 32 * c), x_hi = _mm512_loadu_ps(x + 32 * c + 16);
    for (int k = 0; k < 4; ++k) {
      const __m256i* row = reinterpret_cast<const __m256i*>(w + 32 * k);
      a[k] = _mm512_fmadd_ps(widen_bf16(_mm256_loadu_si256(row)), x_lo, a[k]);
      a[k] = _mm512_fmadd_ps(widen_bf16(_mm256_loadu_si256(row + 1)), x_hi, a[k]);
    }
  }
  for (int k = 0; k < 4; ++k) out[k] = _mm512_reduce_add_ps(a[k]);
}
#endif

#else  // portable: the same chunk order, 16 partial sums per row
template <typename W, typename Widen>
inline void group_portable(const W* w, const float* x, std::size_t chunks, std::size_t width, float* out,
                           Widen widen) {
  for (int k = 0; k < 4; ++k) {
    float lanes[16] = {};
    for (std::size_t c = 0; c < chunks; ++c)
      for (std::size_t e = 0; e < width; ++e)
        lanes[e % 16] += widen(w[(c * 4 + k) * width + e]) * x[c * width + e];
    float sum = 0.0f;
    for (float l : lanes) sum += l;
    out[k] = sum;
  }
}
inline void group_f32(const float* w, const float* x, std::size_t chunks, float* out) {
  group_portable(w, x, chunks, 16, out, [](float v) { return v; });
}
inline void group_f16(const std::uint16_t* w, const float* x, std::size_t chunks, float* out) {
  group_portable(w, x, chunks, 32, out, [](std::uint16_t v) { return io::half_to_float(v); });
}
inline void group_bf16(const std::uint16_t* w, const float* x, std::size_t chunks, float* out) {
  group_portable(w, x, chunks, 32, out, [](std::uint16_t v) { return io::bf16_to_float(v); });
}
#endif

constexpr bool kBf16Activations =
#if defined(__AVX512F__) && defined(__AVX512BF16__)
    true;
#else
    false;
#endif

}  // namespace

void LinearWeight::apply(const float* x, std::size_t rows, std::size_t x_stride, float* y,
                         std::size_t y_stride) const {
  if (rows == 0 || out_ == 0) return;
  const std::size_t width = chunk_width(), n_chunks = chunks(), padded = n_chunks * width;
  const std::size_t group_elements = n_chunks * 4 * width;
  // Activations copied into zero-padded rows (and rounded to bf16 for the BF16
  // instructions), so the kernels never need masks.
  std::vector<float> xf;
  std::vector<std::uint16_t> xb;
  const bool bf16_x = precision_ == WeightPrecision::bf16 && kBf16Activations;
  if (bf16_x) {
    xb.assign(rows * padded, 0);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t i = 0; i < in_; ++i) xb[r * padded + i] = io::float_to_bf16(x[r * x_stride + i]);
  } else {
    xf.assign(rows * padded, 0.0f);
    for (std::size_t r = 0; r < rows; ++r) std::copy_n(x + r * x_stride, in_, xf.data() + r * padded);
  }
  const std::size_t element_bytes = precision_ == WeightPrecision::f32 ? 4 : 2;
  // About 64 KiB of weights per parallel chunk, from the shape alone.
  const std::size_t grain = std::max<std::size_t>(1, (std::size_t(64) << 10) / std::max<std::size_t>(1, group_elements * element_bytes));
  auto body = [&](std::size_t begin, std::size_t end) {
    float dots[4];
    for (std::size_t g = begin; g < end; ++g) {
      for (std::size_t r = 0; r < rows; ++r) {
        switch (precision_) {
          case WeightPrecision::f32:
            group_f32(f32_.data() + g * group_elements, xf.data() + r * padded, n_chunks, dots);
            break;
          case WeightPrecision::f16:
            group_f16(half_.data() + g * group_elements, xf.data() + r * padded, n_chunks, dots);
            break;
          case WeightPrecision::bf16:
            if constexpr (kBf16Activations) {
#if defined(__AVX512F__) && defined(__AVX512BF16__)
              group_bf16(half_.data() + g * group_elements, xb.data() + r * padded, n_chunks, dots);
#endif
            } else {
#if !(defined(__AVX512F__) && defined(__AVX512BF16__))
              group_bf16(half_.data() + g * group_elements, xf.data() + r * padded, n_chunks, dots);
#endif
            }
            break;
        }
        for (std::size_t k = 0; k < 4 && g * 4 + k < out_; ++k) {
          std::size_t o = g * 4 + k;
          y[r * y_stride + o] = dots[k] + (bias_.empty() ? 0.0f : bias_[o]);
        }
      }
    }
  };
  // Waking the pool costs tens of microseconds, and one core nearly saturates
  // memory: small matrices are faster on the calling thread. Either way each
  // output is computed by the same code in the same order (same bits).
  if (weight_bytes() * rows < parallel_min_bytes()) {
    body(0, groups());
  } else {
    parallel_for(groups(), grain, body);
  }
}

std::size_t LinearWeight::parallel_min_bytes() {
  static const std::size_t bytes = [] {
    const char* v = std::getenv("B2M_GEN_PARALLEL_MIN_KB");
    return v ? std::strtoull(v, nullptr, 10) << 10 : std::size_t(4) << 20;
  }();
  return bytes;
}

}  // namespace b2m::gen
