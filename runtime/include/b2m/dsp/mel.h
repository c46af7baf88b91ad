// Log-mel spectrograms: the audio front end of the built-in music embedding
// (music.default_embedding), of the simulator's stimulus features and of the
// report's spectrograms.
//
// Conventions follow librosa's defaults so that numbers can be checked against
// the tools users know: a periodic Hann window, |STFT|^2 power, Slaney-style
// mel scale (linear below 1 kHz, logarithmic above) with Slaney area
// normalisation of each triangle. Frames are not centred: frame f covers
// samples [f*hop, f*hop + n_fft), so frame times are exact multiples of the hop
// and a window of audio maps to a whole range of frames.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "b2m/ridge/matrix.h"

namespace b2m::dsp {

struct MelSpec {
  int sample_rate = 22050;
  int n_fft = 1024;
  int hop = 512;
  int n_mels = 64;
  double f_min = 0.0;
  double f_max = 0.0;  // 0: sample_rate / 2
};

// Frames of `samples` audio samples (0 when shorter than one window).
std::int64_t num_frames(std::int64_t samples, const MelSpec& spec);

// Hz <-> mel on the Slaney scale (librosa htk=False).
double hz_to_mel(double hz);
double mel_to_hz(double mel);

// The mel filterbank: n_mels x (n_fft/2 + 1), triangles between n_mels + 2
// points equally spaced in mel from f_min to f_max, each scaled by
// 2 / (upper edge - lower edge) in Hz.
RowMatrixF mel_filterbank(const MelSpec& spec);

// Power spectrogram: frames x (n_fft/2 + 1), |rfft(hann * frame)|^2.
RowMatrixF power_spectrogram(std::span<const float> audio, const MelSpec& spec);

// log(mel power + 1e-10): frames x n_mels. Fails on a bad spec.
RowMatrixF log_mel(std::span<const float> audio, const MelSpec& spec);

// The same with a filterbank computed once by the caller (for many clips).
RowMatrixF log_mel(std::span<const float> audio, const MelSpec& spec, const RowMatrixF& filterbank);

}  // namespace b2m::dsp
