// A log-mel spectrogram (frames x mels, natural log of power, from
// b2m/dsp/mel.h) as a PNG heatmap: time left to right, low frequencies at the
// bottom, viridis colours over the top `dynamic_range` nats (18.42 nats = 80 dB).
#pragma once

#include <cstddef>
#include <vector>

#include "b2m/ridge/matrix.h"

namespace b2m::report {

struct SpectrogramImage {
  int width = 0, height = 0;  // width = frames, height = mels * row_scale
  std::vector<std::byte> png;
};

SpectrogramImage spectrogram_png(const RowMatrixF& log_mel, double dynamic_range = 18.42, int row_scale = 2);

}  // namespace b2m::report
