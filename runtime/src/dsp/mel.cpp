// STFT power spectra through Eigen's FFT module (kissfft backend: no extra
// dependency), projected on a Slaney mel filterbank.
#include "b2m/dsp/mel.h"

#include <cmath>
#include <complex>
#include <numbers>
#include <unsupported/Eigen/FFT>

#include "b2m/runtime/error.h"

namespace b2m::dsp {

namespace {

void check(const MelSpec& s) {
  if (s.sample_rate <= 0) fail("log-mel: sample rate must be positive, got {}", s.sample_rate);
  if (s.n_fft < 16 || (s.n_fft & (s.n_fft - 1)) != 0) fail("log-mel: n_fft must be a power of two >= 16, got {}", s.n_fft);
  if (s.hop <= 0) fail("log-mel: hop must be positive, got {}", s.hop);
  if (s.n_mels <= 0 || s.n_mels > s.n_fft / 2) fail("log-mel: n_mels must be in 1..{}, got {}", s.n_fft / 2, s.n_mels);
  double fmax = s.f_max > 0 ? s.f_max : s.sample_rate / 2.0;
  if (s.f_min < 0 || s.f_min >= fmax || fmax > s.sample_rate / 2.0 + 1e-9)
    fail("log-mel: need 0 <= f_min < f_max <= sample_rate/2, got {} and {}", s.f_min, fmax);
}

// Slaney scale: linear (3 mel per 200 Hz... i.e. 200/3 Hz per mel) below 1 kHz,
// logarithmic above with 27 mels per factor 6.4.
constexpr double kLinearHzPerMel = 200.0 / 3.0;
constexpr double kBreakHz = 1000.0;
constexpr double kBreakMel = kBreakHz / kLinearHzPerMel;  // 15
const double kLogStep = std::log(6.4) / 27.0;

}  // namespace

std::int64_t num_frames(std::int64_t samples, const MelSpec& spec) {
  return samples < spec.n_fft ? 0 : 1 + (samples - spec.n_fft) / spec.hop;
}

double hz_to_mel(double hz) {
  return hz < kBreakHz ? hz / kLinearHzPerMel : kBreakMel + std::log(hz / kBreakHz) / kLogStep;
}

double mel_to_hz(double mel) {
  return mel < kBreakMel ? mel * kLinearHzPerMel : kBreakHz * std::exp(kLogStep * (mel - kBreakMel));
}

RowMatrixF mel_filterbank(const MelSpec& spec) {
  check(spec);
  const int bins = spec.n_fft / 2 + 1;
  const double fmax = spec.f_max > 0 ? spec.f_max : spec.sample_rate / 2.0;
  const double m0 = hz_to_mel(spec.f_min), m1 = hz_to_mel(fmax);
  std::vector<double> edges(spec.n_mels + 2);
  for (int i = 0; i < spec.n_mels + 2; ++i) edges[i] = mel_to_hz(m0 + (m1 - m0) * i / (spec.n_mels + 1));
  RowMatrixF fb = RowMatrixF::Zero(spec.n_mels, bins);
  for (int m = 0; m < spec.n_mels; ++m) {
    const double lo = edges[m], mid = edges[m + 1], hi = edges[m + 2];
    const double norm = 2.0 / (hi - lo);
    for (int k = 0; k < bins; ++k) {
      double f = static_cast<double>(k) * spec.sample_rate / spec.n_fft;
      double w = std::min((f - lo) / (mid - lo), (hi - f) / (hi - mid));
      if (w > 0) fb(m, k) = static_cast<float>(w * norm);
    }
  }
  return fb;
}

RowMatrixF power_spectrogram(std::span<const float> audio, const MelSpec& spec) {
  check(spec);
  const std::int64_t frames = num_frames(static_cast<std::int64_t>(audio.size()), spec);
  const int n = spec.n_fft, bins = n / 2 + 1;
  std::vector<float> window(n);
  for (int i = 0; i < n; ++i) window[i] = static_cast<float>(0.5 - 0.5 * std::cos(2 * std::numbers::pi * i / n));
  RowMatrixF power(frames, bins);
  Eigen::FFT<float> fft;
  std::vector<float> frame(n);
  std::vector<std::complex<float>> spectrum;
  for (std::int64_t f = 0; f < frames; ++f) {
    const float* x = audio.data() + f * spec.hop;
    for (int i = 0; i < n; ++i) frame[i] = x[i] * window[i];
    fft.fwd(spectrum, frame);
    for (int k = 0; k < bins; ++k) power(f, k) = std::norm(spectrum[k]);
  }
  return power;
}

RowMatrixF log_mel(std::span<const float> audio, const MelSpec& spec, const RowMatrixF& filterbank) {
  if (filterbank.rows() != spec.n_mels || filterbank.cols() != spec.n_fft / 2 + 1)
    fail("log-mel: the filterbank is {}x{}, the spec needs {}x{}", filterbank.rows(), filterbank.cols(), spec.n_mels,
         spec.n_fft / 2 + 1);
  RowMatrixF power = power_spectrogram(audio, spec);
  RowMatrixF mel = power * filterbank.transpose();
  return (mel.array() + 1e-10f).log().matrix();
}

RowMatrixF log_mel(std::span<const float> audio, const MelSpec& spec) {
  return log_mel(audio, spec, mel_filterbank(spec));
}

}  // namespace b2m::dsp
