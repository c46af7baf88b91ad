// The vectorised softmax and GELU of the transformer stages against float64
// libm, over arrays whose lengths leave partial vectors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "vector_math.h"

namespace {

TEST(VectorMath, SoftmaxMatchesFloat64) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  for (std::size_t n : {1u, 5u, 16u, 17u, 100u, 291u}) {
    std::vector<float> x(n);
    for (auto& v : x) v = normal(rng);
    x[n / 2] = -200.0f;  // underflows to 0 in float
    std::vector<double> ref(n), arg(n);
    double mx = -INFINITY, sum = 0.0;
    for (float v : x) mx = std::max(mx, double(v));
    for (std::size_t j = 0; j < n; ++j) {
      arg[j] = double(x[j]) - mx;
      sum += ref[j] = std::exp(arg[j]);
    }
    b2m::gen::detail::softmax(x.data(), n);
    // Relative error: a few float roundings, plus the rounding of x - max in
    // float (half an ulp of |x - max|, amplified by exp).
    for (std::size_t j = 0; j < n; ++j)
      ASSERT_NEAR(x[j], ref[j] / sum, (4e-7 + 1.2e-7 * std::abs(arg[j])) * (ref[j] / sum) + 1e-38) << n << " " << j;
  }
}

TEST(VectorMath, GeluMatchesFloat64Erf) {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 0.001953125f) x.push_back(v);
  x.push_back(1e-30f);
  x.push_back(-1e-30f);
  std::vector<float> y = x;
  b2m::gen::detail::gelu(y.data(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    double v = x[i], ref = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    // erf within 1.5e-7 (plus float rounding) scaled by 0.5|x|, plus rounding of the result
    ASSERT_NEAR(y[i], ref, 2.5e-7 * 0.5 * std::abs(v) + 2e-7 * std::abs(ref) + 1e-37) << v;
  }
}

}  // namespace
