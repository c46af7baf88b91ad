// AR(1) noise statistics, drift shape, and the random streams.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <numbers>
#include <set>
#include <vector>

#include "b2m/synth/noise.h"
#include "b2m/synth/random.h"

namespace b2m::synth {
namespace {

double autocorrelation(const std::vector<float>& x, int lag) {
  double m = 0;
  for (float v : x) m += v;
  m /= static_cast<double>(x.size());
  double num = 0, den = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    den += (x[t] - m) * (x[t] - m);
    if (t >= static_cast<std::size_t>(lag)) num += (x[t] - m) * (x[t - lag] - m);
  }
  return num / den;
}

TEST(Ar1Noise, HasTheRequestedVarianceAndAutocorrelation) {
  for (double phi : {0.0, 0.3, 0.6, 0.9}) {
    Rng rng(7, "test-ar1", static_cast<std::uint64_t>(phi * 10));
    std::vector<float> x(400000);
    ar1_noise(rng, phi, 3.0, x);
    double m = 0, v = 0;
    for (float a : x) m += a;
    m /= static_cast<double>(x.size());
    for (float a : x) v += (a - m) * (a - m);
    v /= static_cast<double>(x.size());
    // Standard errors grow with phi (effective sample size n (1 - phi) / (1 + phi)).
    const double neff = static_cast<double>(x.size()) * (1 - phi) / (1 + phi);
    EXPECT_NEAR(m, 0.0, 5 * 3.0 / std::sqrt(neff)) << "phi " << phi;
    EXPECT_NEAR(v, 9.0, 9.0 * 5 * std::sqrt(2.0 / neff)) << "phi " << phi;
    EXPECT_NEAR(autocorrelation(x, 1), phi, 0.01) << "phi " << phi;
    EXPECT_NEAR(autocorrelation(x, 2), phi * phi, 0.015) << "phi " << phi;
  }
}

TEST(Ar1Noise, IsStationaryFromTheFirstSample) {
  // Across many short series, the first value already has variance sd^2.
  double s2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    Rng rng(1, "test-first", static_cast<std::uint64_t>(i));
    std::vector<float> x(3);
    ar1_noise(rng, 0.8, 2.0, x);
    s2 += x[0] * x[0];
  }
  EXPECT_NEAR(s2 / n, 4.0, 0.15);
}

TEST(Drift, IsALinearTrendPlusThreeSlowCosines) {
  Rng rng(3, "test-drift");
  const int n = 410;
  std::vector<float> d(n, 0.0f);
  add_drift(rng, 2.0, 5.0, d);
  // Regress on [1, t, cos k=1..3]: the residual is zero (float rounding).
  Eigen::MatrixXd basis(n, 5);
  for (int t = 0; t < n; ++t) {
    basis(t, 0) = 1.0;
    basis(t, 1) = t;
    for (int k = 1; k <= 3; ++k) basis(t, 1 + k) = std::cos(std::numbers::pi * k * (t + 0.5) / n);
  }
  Eigen::VectorXd y(n);
  for (int t = 0; t < n; ++t) y[t] = d[t];
  const Eigen::VectorXd beta = basis.colPivHouseholderQr().solve(y);
  EXPECT_LT((basis * beta - y).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_GT(y.cwiseAbs().maxCoeff(), 0.5);  // not trivially zero
}

TEST(Random, StreamsAreDeterministicAndDistinct) {
  Rng a(5, "voxel", 1, 2), b(5, "voxel", 1, 2), c(5, "voxel", 2, 1), d(6, "voxel", 1, 2), e(5, "noise", 1, 2);
  const std::uint64_t first = a.next();
  EXPECT_EQ(first, b.next());
  std::set<std::uint64_t> others{c.next(), d.next(), e.next()};
  EXPECT_EQ(others.size(), 3u);
  EXPECT_FALSE(others.count(first));
}

TEST(Random, NormalHasUnitVarianceAndUniformIsInRange) {
  Rng rng(11, "test-normal");
  double s = 0, s2 = 0, s4 = 0;
  const int n = 400000;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    s += z;
    s2 += z * z;
    s4 += z * z * z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.01);
  EXPECT_NEAR(s4 / n, 3.0, 0.05);  // Gaussian kurtosis
  for (int i = 0; i < 10000; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    const int k = rng.integer(-2, 3);
    ASSERT_GE(k, -2);
    ASSERT_LE(k, 3);
  }
}

}  // namespace
}  // namespace b2m::synth
