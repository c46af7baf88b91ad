// The matrix-vector kernels against a float64 reference, for every precision,
// odd widths (vector tails), several activation rows, with and without bias,
// and bit-identical results at 1 and 2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "b2m/gen/linear.h"
#include "b2m/gen/sampling.h"
#include "b2m/io/half.h"
#include "b2m/runtime/thread_pool.h"

using namespace b2m::gen;

namespace {

std::vector<float> random_values(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform() * 2 - 1);
  return v;
}

// y = W x + b in double, with W as the kernel sees it (after rounding to its precision).
std::vector<double> reference(const LinearWeight& w, const std::vector<float>& bias, const std::vector<float>& x,
                              std::size_t rows, bool round_x_to_bf16) {
  std::vector<double> y(rows * w.out());
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t o = 0; o < w.out(); ++o) {
      double sum = bias.empty() ? 0.0 : bias[o];
      for (std::size_t i = 0; i < w.in(); ++i) {
        float xi = x[r * w.in() + i];
        if (round_x_to_bf16) xi = b2m::io::bf16_to_float(b2m::io::float_to_bf16(xi));
        sum += double(w.weight(o, i)) * xi;
      }
      y[r * w.out() + o] = sum;
    }
  return y;
}

}  // namespace

TEST(Linear, MatchesFloat64ReferenceForEveryPrecisionAndShape) {
#if defined(__AVX512BF16__)
  const bool bf16_activations = true;
#else
  const bool bf16_activations = false;
#endif
  for (auto precision : {WeightPrecision::f32, WeightPrecision::bf16, WeightPrecision::f16}) {
    for (std::size_t in : {1u, 15u, 16u, 17u, 33u, 100u, 257u}) {
      for (std::size_t out : {1u, 5u, 64u}) {
        for (std::size_t rows : {1u, 3u}) {
          auto wv = random_values(out * in, in * 1000 + out);
          auto x = random_values(rows * in, in + 7);
          LinearWeight w(out, in, wv, precision);
          std::vector<float> y(rows * out);
          w.apply(x.data(), rows, in, y.data(), out);
          bool rounds_x = precision == WeightPrecision::bf16 && bf16_activations;
          auto ref = reference(w, {}, x, rows, rounds_x);
          // float accumulation of `in` products of magnitude <= 1
          double tol = 1e-6 * double(in) + 1e-6;
          for (std::size_t k = 0; k < y.size(); ++k)
            ASSERT_NEAR(y[k], ref[k], tol) << weight_precision_name(precision) << " in=" << in << " out=" << out
                                           << " rows=" << rows;
        }
      }
    }
  }
}

TEST(Linear, HalfPrecisionWeightsStayCloseToFloat) {
  const std::size_t out = 32, in = 768;
  auto wv = random_values(out * in, 3);
  auto x = random_values(in, 4);
  LinearWeight exact(out, in, wv, WeightPrecision::f32);
  std::vector<float> y_exact(out);
  exact.apply(x.data(), 1, in, y_exact.data(), out);
  for (auto precision : {WeightPrecision::bf16, WeightPrecision::f16}) {
    LinearWeight w(out, in, wv, precision);
    std::vector<float> y(out);
    w.apply(x.data(), 1, in, y.data(), out);
    double rms = 0;
    for (float v : y_exact) rms += double(v) * v;
    rms = std::sqrt(rms / out);
    double bound = precision == WeightPrecision::bf16 ? 0.02 : 0.002;  // relative to the output scale
    for (std::size_t o = 0; o < out; ++o) EXPECT_NEAR(y[o], y_exact[o], bound * rms) << weight_precision_name(precision);
  }
}

TEST(Linear, BiasIsAdded) {
  std::vector<float> wv = {1, 2, 3, 4, 5, 6};
  LinearWeight w(2, 3, wv, WeightPrecision::f32);
  std::vector<float> x = {1, 1, 1}, y(2);
  w.apply(x.data(), 1, 3, y.data(), 2);
  EXPECT_EQ(y, (std::vector<float>{6, 15}));
}

TEST(Linear, SameBitsAtOneAndTwoThreadsAndForBatchedRows) {
  const std::size_t out = 3000, in = 300;
  auto wv = random_values(out * in, 11);
  auto x = random_values(2 * in, 12);
  for (auto precision : {WeightPrecision::f32, WeightPrecision::bf16, WeightPrecision::f16}) {
    LinearWeight w(out, in, wv, precision);
    std::vector<float> one(out), two(out), batch(2 * out);
    b2m::ThreadPool::set_num_threads(1);
    w.apply(x.data(), 1, in, one.data(), out);
    b2m::ThreadPool::set_num_threads(2);
    w.apply(x.data(), 1, in, two.data(), out);
    w.apply(x.data(), 2, in, batch.data(), out);
    b2m::ThreadPool::set_num_threads(0);
    EXPECT_EQ(0, std::memcmp(one.data(), two.data(), out * sizeof(float))) << weight_precision_name(precision);
    EXPECT_EQ(0, std::memcmp(one.data(), batch.data(), out * sizeof(float))) << weight_precision_name(precision);
  }
}
