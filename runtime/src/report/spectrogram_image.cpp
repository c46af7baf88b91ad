#include "b2m/report/spectrogram_image.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "b2m/report/colormap.h"
#include "b2m/report/png_writer.h"
#include "b2m/runtime/error.h"

namespace b2m::report {

SpectrogramImage spectrogram_png(const RowMatrixF& log_mel, double dynamic_range, int row_scale) {
  const int frames = int(log_mel.rows()), mels = int(log_mel.cols());
  if (frames == 0 || mels == 0) fail("spectrogram image: empty spectrogram ({} frames x {} mels)", frames, mels);
  row_scale = std::max(1, row_scale);
  double top = -1e300;
  for (int f = 0; f < frames; ++f)
    for (int m = 0; m < mels; ++m)
      if (std::isfinite(log_mel(f, m))) top = std::max(top, double(log_mel(f, m)));
  if (top == -1e300) top = 0.0;
  const double floor = top - dynamic_range;

  SpectrogramImage image;
  image.width = frames;
  image.height = mels * row_scale;
  std::vector<std::uint8_t> rgb(std::size_t(image.width) * image.height * 3);
  for (int m = 0; m < mels; ++m) {
    int row0 = (mels - 1 - m) * row_scale;  // low mel bands at the bottom
    for (int f = 0; f < frames; ++f) {
      double v = log_mel(f, m);
      Rgb c = viridis(std::isfinite(v) ? (v - floor) / dynamic_range : 0.0);
      for (int k = 0; k < row_scale; ++k) {
        std::size_t at = (std::size_t(row0 + k) * image.width + f) * 3;
        rgb[at] = c.r, rgb[at + 1] = c.g, rgb[at + 2] = c.b;
      }
    }
  }
  image.png = encode_png_rgb(image.width, image.height, rgb);
  return image;
}

}  // namespace b2m::report
