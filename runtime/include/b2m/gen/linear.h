// Dense layers y = W x + b for the transformer stages, tuned for the decode
// step where a handful of activation rows meet a large weight matrix. The
// weights are packed in groups of four output rows: for each 64-byte column
// chunk, the four rows' chunks follow each other, so one group is a single
// sequential stream and the whole matrix is read from memory exactly once per
// call, whatever the number of activation rows (a CFG pair, a prefill block).
// Groups are split over the thread pool in chunks whose boundaries depend only
// on the shape, and each output is computed by one thread in a fixed order:
// results are bit-identical at any thread count and for any number of rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "b2m/gen/weights.h"

namespace b2m::gen {

// How a weight matrix is kept in memory for the matrix-vector kernels.
enum class WeightPrecision {
  f32,   // float32
  bf16,  // bfloat16: half the bytes; activations are rounded to bf16 on AVX-512 BF16
  f16,   // IEEE half: half the bytes; converted to float in registers (F16C)
};

WeightPrecision parse_weight_precision(const std::string& name);  // "f32" | "bf16" | "f16"
const char* weight_precision_name(WeightPrecision precision);

class LinearWeight {
 public:
  LinearWeight() = default;
  // From float values [out, in]; converted to `precision`.
  LinearWeight(std::size_t out, std::size_t in, const std::vector<float>& values,
               WeightPrecision precision);

  // Reads `name` ([out, in]) and, when with_bias, `bias_name` ([out]), checked.
  static LinearWeight load(const Weights& weights, const std::string& name, std::size_t out,
                           std::size_t in, WeightPrecision precision, bool with_bias,
                           const std::string& bias_name = "");

  std::size_t out() const { return out_; }
  std::size_t in() const { return in_; }
  WeightPrecision precision() const { return precision_; }
  bool has_bias() const { return !bias_.empty(); }
  std::size_t weight_bytes() const;
  // Weight value (out_index, in_index) as float (for tests and references).
  float weight(std::size_t o, std::size_t i) const;

  // y[r, o] = bias[o] + sum_i W[o, i] * x[r, i] for rows r < rows.
  // x is rows x in (stride x_stride), y is rows x out (stride y_stride).
  void apply(const float* x, std::size_t rows, std::size_t x_stride, float* y,
             std::size_t y_stride) const;

  // Products touching fewer weight bytes than this run on the calling thread
  // (default 4 MiB; environment B2M_GEN_PARALLEL_MIN_KB overrides, for tuning).
  static std::size_t parallel_min_bytes();

 private:
  std::size_t out_ = 0, in_ = 0;
  WeightPrecision precision_ = WeightPrecision::f32;
  template <typename T>
  void pack(const T* row_major, std::vector<T>& packed) const;
  std::size_t packed_index(std::size_t o, std::size_t i) const;
  std::size_t chunk_width() const { return precision_ == WeightPrecision::f32 ? 16 : 32; }
  std::size_t chunks() const { return (in_ + chunk_width() - 1) / chunk_width(); }
  std::size_t groups() const { return (out_ + 3) / 4; }
  std::vector<float> f32_;           // packed, zero-padded
  std::vector<std::uint16_t> half_;  // bf16 or f16 bits, packed, zero-padded
  std::vector<float> bias_;
};

}  // namespace b2m::gen
