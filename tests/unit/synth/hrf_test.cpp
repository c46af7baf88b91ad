// The canonical HRF against a closed-form double gamma written out here with
// factorials (shape 6 and 16, scale 1: t^5 e^-t / 5! - t^15 e^-t / (6 * 15!)),
// and the causal convolution against a direct sum.
#include <gtest/gtest.h>

#include <cmath>

#include "b2m/synth/hrf.h"

namespace b2m::synth {
namespace {

double factorial(int n) {
  double f = 1.0;
  for (int i = 2; i <= n; ++i) f *= i;
  return f;
}

double reference_hrf(double t) {
  if (t <= 0) return 0.0;
  return std::pow(t, 5) * std::exp(-t) / factorial(5) - std::pow(t, 15) * std::exp(-t) / (6.0 * factorial(15));
}

TEST(Hrf, MatchesTheClosedFormDoubleGamma) {
  for (double t = 0.0; t <= 32.0; t += 0.25)
    EXPECT_NEAR(double_gamma_hrf(t), reference_hrf(t), 1e-12 + 1e-10 * std::fabs(reference_hrf(t))) << "t = " << t;
  EXPECT_EQ(double_gamma_hrf(-1.0), 0.0);
}

TEST(Hrf, PeaksAtFiveSecondsAndUndershootsAfterwards) {
  // The gamma(6, 1) mode is (6 - 1) * 1 = 5 s; the undershoot's minimum is near 15 s.
  double best_t = 0, best = -1, worst_t = 0, worst = 1;
  for (double t = 0.0; t <= 32.0; t += 0.01) {
    const double h = double_gamma_hrf(t);
    if (h > best) best = h, best_t = t;
    if (h < worst) worst = h, worst_t = t;
  }
  EXPECT_NEAR(best_t, 5.0, 0.1);
  EXPECT_GT(worst_t, 13.0);
  EXPECT_LT(worst_t, 17.0);
  EXPECT_LT(worst, 0.0);
}

TEST(Hrf, KernelIsSampledAtTheRepetitionTimeWithUnitSum) {
  const std::vector<double> k = hrf_kernel(1.5);
  ASSERT_EQ(k.size(), 22u);  // 0, 1.5, ..., 31.5 s
  double sum = 0.0, ref_sum = 0.0;
  for (std::size_t i = 0; i < k.size(); ++i) {
    sum += k[i];
    ref_sum += reference_hrf(1.5 * static_cast<double>(i));
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  for (std::size_t i = 0; i < k.size(); ++i) EXPECT_NEAR(k[i], reference_hrf(1.5 * i) / ref_sum, 1e-12);
  EXPECT_THROW(hrf_kernel(0.0), std::exception);
}

TEST(Hrf, ConvolutionIsCausalAndMatchesADirectSum) {
  const std::vector<double> k = hrf_kernel(1.5);
  RowMatrixF x = RowMatrixF::Zero(60, 2);
  x(10, 0) = 1.0f;  // an impulse: the response is the kernel from scan 10
  for (int t = 0; t < 60; ++t) x(t, 1) = static_cast<float>(std::sin(0.3 * t) + 0.1 * t);
  const RowMatrixF y = convolve_hrf(x, k);
  for (int t = 0; t < 60; ++t) {
    const double impulse = t >= 10 && t - 10 < static_cast<int>(k.size()) ? k[t - 10] : 0.0;
    EXPECT_NEAR(y(t, 0), impulse, 1e-7);
    double direct = 0.0;
    for (int j = 0; j <= t && j < static_cast<int>(k.size()); ++j) direct += k[j] * x(t - j, 1);
    EXPECT_NEAR(y(t, 1), direct, 1e-5);
  }
}

}  // namespace
}  // namespace b2m::synth
