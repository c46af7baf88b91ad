// Log-mel front end against float64 references: a direct O(n^2) DFT for the
// power spectrum, the Slaney scale's defining points, and the filterbank's
// unit-area normalisation.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "b2m/dsp/mel.h"
#include "b2m/runtime/error.h"

namespace b2m::dsp {
namespace {

TEST(Mel, SlaneyScaleDefiningPoints) {
  EXPECT_NEAR(hz_to_mel(0), 0.0, 1e-12);
  EXPECT_NEAR(hz_to_mel(200.0 / 3.0), 1.0, 1e-12);  // linear part: 200/3 Hz per mel
  EXPECT_NEAR(hz_to_mel(1000), 15.0, 1e-12);        // the break
  EXPECT_NEAR(hz_to_mel(6400), 42.0, 1e-9);          // 27 mels per factor 6.4
  for (double hz : {10.0, 500.0, 999.0, 1001.0, 4000.0, 11025.0}) EXPECT_NEAR(mel_to_hz(hz_to_mel(hz)), hz, 1e-9 * hz);
}

TEST(Mel, PowerSpectrogramMatchesDirectDft) {
  MelSpec spec;
  spec.n_fft = 256;
  spec.hop = 100;
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  std::vector<float> x(1000);
  for (float& v : x) v = g(rng);
  RowMatrixF p = power_spectrogram(x, spec);
  ASSERT_EQ(p.rows(), num_frames(1000, spec));
  ASSERT_EQ(p.rows(), 1 + (1000 - 256) / 100);
  for (Eigen::Index f = 0; f < p.rows(); ++f)
    for (int k = 0; k <= spec.n_fft / 2; ++k) {
      double re = 0, im = 0;
      for (int i = 0; i < spec.n_fft; ++i) {
        double w = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * i / spec.n_fft);
        double v = w * x[f * spec.hop + i];
        re += v * std::cos(2 * std::numbers::pi * k * i / spec.n_fft);
        im -= v * std::sin(2 * std::numbers::pi * k * i / spec.n_fft);
      }
      double ref = re * re + im * im;
      EXPECT_NEAR(p(f, k), ref, 1e-4 * (ref + 1.0)) << "frame " << f << " bin " << k;
    }
}

TEST(Mel, FilterbankTrianglesHaveUnitAreaInHz) {
  MelSpec spec;
  spec.n_fft = 4096;  // fine bins, so the Riemann sum is close to the integral
  spec.n_mels = 40;
  RowMatrixF fb = mel_filterbank(spec);
  double df = static_cast<double>(spec.sample_rate) / spec.n_fft;
  for (int m = 0; m < spec.n_mels; ++m) {
    double area = fb.row(m).cast<double>().sum() * df;
    EXPECT_NEAR(area, 1.0, 0.05) << "band " << m;
    EXPECT_GE(fb.row(m).minCoeff(), 0.0f);
  }
}

TEST(Mel, SinePeaksInTheBandOfItsFrequency) {
  MelSpec spec;
  for (double hz : {220.0, 880.0, 3000.0}) {
    std::vector<float> x(spec.sample_rate);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(2 * std::numbers::pi * hz * i / spec.sample_rate);
    RowMatrixF lm = log_mel(x, spec);
    Eigen::Index best;
    lm.colwise().mean().maxCoeff(&best);
    // Band centres are equally spaced in mel between 0 and mel(sr/2).
    double centre_mel = hz_to_mel(spec.sample_rate / 2.0) * (best + 1) / (spec.n_mels + 1);
    EXPECT_NEAR(hz_to_mel(hz), centre_mel, 1.0) << hz << " Hz peaked in band " << best;
  }
}

TEST(Mel, LogMelIsLogOfFilterbankTimesPower) {
  MelSpec spec;
  spec.n_fft = 512;
  spec.hop = 256;
  spec.n_mels = 32;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(4096);
  for (float& v : x) v = u(rng);
  RowMatrixF p = power_spectrogram(x, spec), fb = mel_filterbank(spec), lm = log_mel(x, spec);
  for (Eigen::Index f = 0; f < lm.rows(); ++f)
    for (int m = 0; m < spec.n_mels; ++m) {
      double ref = std::log(p.row(f).cast<double>().dot(fb.row(m).cast<double>()) + 1e-10);
      EXPECT_NEAR(lm(f, m), ref, 1e-4 * std::abs(ref) + 1e-4);
    }
}

TEST(Mel, BadSpecsAreRefused) {
  std::vector<float> x(100);
  MelSpec s;
  s.n_fft = 1000;
  EXPECT_THROW(log_mel(x, s), Error);
  s = MelSpec{};
  s.n_mels = 0;
  EXPECT_THROW(mel_filterbank(s), Error);
  s = MelSpec{};
  s.f_max = 20000;
  EXPECT_THROW(mel_filterbank(s), Error);
  s = MelSpec{};
  EXPECT_EQ(log_mel(x, s).rows(), 0);  // shorter than one window: no frames
}

}  // namespace
}  // namespace b2m::dsp
