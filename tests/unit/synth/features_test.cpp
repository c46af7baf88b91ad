// Stimulus features per scan: silence, tones in known bands, scan
// boundaries, variability and flux, standardization.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "b2m/dsp/mel.h"
#include "b2m/synth/features.h"

namespace b2m::synth {
namespace {

std::vector<float> tone(double hz, double seconds, double amplitude = 0.3) {
  std::vector<float> x(static_cast<std::size_t>(seconds * 22050));
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / 22050.0));
  return x;
}

TEST(Features, NamesAndCount) {
  FeatureSpec spec;
  const auto names = feature_names(spec);
  ASSERT_EQ(static_cast<int>(names.size()), num_features(spec));
  EXPECT_EQ(names.size(), 41u);
  EXPECT_EQ(names.front(), "logmel_00");
  EXPECT_EQ(names[32], "logmel_sd_0");
  EXPECT_EQ(names.back(), "spectral_flux");
}

TEST(Features, SilenceIsTheLogFloorWithNoVariabilityOrFlux) {
  FeatureSpec spec;
  const std::vector<float> silence(22050 * 6, 0.0f);
  const RowMatrixF f = scan_features(silence, 1.5, 4, spec);
  ASSERT_EQ(f.rows(), 4);
  for (int k = 0; k < 4; ++k) {
    for (int b = 0; b < 32; ++b) EXPECT_NEAR(f(k, b), std::log(1e-10), 1e-3);
    for (int b = 32; b < 41; ++b) EXPECT_NEAR(f(k, b), 0.0, 1e-6);
  }
  // Audio shorter than the scans is padded with silence.
  const RowMatrixF g = scan_features(std::vector<float>(100, 0.0f), 1.5, 2, spec);
  EXPECT_NEAR(g(1, 0), std::log(1e-10), 1e-3);
}

TEST(Features, AToneLightsUpItsMelBandInItsScanOnly) {
  FeatureSpec spec;
  const double tr = 1.5;
  const auto scan = static_cast<std::size_t>(std::llround(tr * 22050));
  std::vector<float> audio(3 * scan, 0.0f);
  const std::vector<float> t = tone(1000.0, 2.0);
  for (std::size_t i = 0; i < scan; ++i) audio[scan + i] = t[i];
  const RowMatrixF f = scan_features(audio, tr, 3, spec);
  // The mel filter that weighs the 1 kHz bin most, merged pairwise.
  const RowMatrixF fb = dsp::mel_filterbank(spec.mel);
  const int bin = static_cast<int>(std::lround(1000.0 * spec.mel.n_fft / 22050.0));
  Eigen::Index mel = 0;
  fb.col(bin).maxCoeff(&mel);
  Eigen::Index band = 0;
  f.row(1).head(32).maxCoeff(&band);
  EXPECT_EQ(band, mel / 2);
  EXPECT_GT(f(1, band), f(0, band) + 10.0f);
  EXPECT_NEAR(f(0, band), std::log(1e-10), 1e-3);  // scan 0 silent
  EXPECT_NEAR(f(2, band), std::log(1e-10), 1e-3);  // scan 2 silent
}

TEST(Features, ClicksHaveMoreFluxAndVariabilityThanASteadyTone) {
  FeatureSpec spec;
  std::vector<float> steady = tone(440.0, 1.5);
  std::vector<float> clicks(steady.size(), 0.0f);
  for (std::size_t i = 0; i < clicks.size(); i += 4410)
    for (std::size_t j = 0; j < 200 && i + j < clicks.size(); ++j) clicks[i + j] = (j % 2 ? 0.5f : -0.5f);
  const RowMatrixF a = scan_features(steady, 1.5, 1, spec);
  const RowMatrixF b = scan_features(clicks, 1.5, 1, spec);
  EXPECT_GT(b(0, 40), 5 * a(0, 40));
  EXPECT_GT(b.row(0).segment(32, 8).sum(), 5 * a.row(0).segment(32, 8).sum());
}

TEST(Features, StandardizationGivesZeroMeanUnitSd) {
  RowMatrixF a(3, 2), b(2, 2);
  a << 1, 5, 2, 5, 3, 5;
  b << 4, 5, 5, 5;
  std::vector<RowMatrixF> blocks{a, b};
  const Standardization s = standardization_of(blocks);
  EXPECT_NEAR(s.mean[0], 3.0, 1e-12);
  EXPECT_NEAR(s.sd[0], std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(s.sd[1], 0.0, 1e-12);
  standardize(a, s);
  EXPECT_NEAR(a(0, 0), -2.0 / std::sqrt(2.0), 1e-6);
  EXPECT_EQ(a(1, 1), 0.0f);  // constant column -> 0
}

}  // namespace
}  // namespace b2m::synth
