#include <samplerate.h>

#include <cmath>

#include "b2m/io/audio.h"
#include "b2m/runtime/error.h"

namespace b2m::io {

Audio resample(const Audio& audio, int target_rate, ResampleQuality quality) {
  if (audio.sample_rate <= 0 || target_rate <= 0)
    fail("resample: invalid sample rates {} -> {}", audio.sample_rate, target_rate);
  if (audio.channels <= 0) fail("resample: invalid channel count {}", audio.channels);
  if (target_rate == audio.sample_rate) return audio;
  double ratio = double(target_rate) / double(audio.sample_rate);
  if (ratio > 256.0 || ratio < 1.0 / 256.0)
    fail("resample: ratio {} -> {} is outside libsamplerate's 1/256..256", audio.sample_rate,
         target_rate);
  int converter = SRC_SINC_BEST_QUALITY;
  switch (quality) {
    case ResampleQuality::sinc_best: converter = SRC_SINC_BEST_QUALITY; break;
    case ResampleQuality::sinc_medium: converter = SRC_SINC_MEDIUM_QUALITY; break;
    case ResampleQuality::sinc_fastest: converter = SRC_SINC_FASTEST; break;
    case ResampleQuality::linear: converter = SRC_LINEAR; break;
  }
  Audio out;
  out.sample_rate = target_rate;
  out.channels = audio.channels;
  std::size_t frames_out = static_cast<std::size_t>(std::llround(double(audio.frames()) * ratio));
  out.samples.assign(frames_out * static_cast<std::size_t>(audio.channels), 0.0f);
  if (audio.frames() == 0) return out;

  SRC_DATA data{};
  data.data_in = audio.samples.data();
  data.input_frames = static_cast<long>(audio.frames());
  data.data_out = out.samples.data();
  data.output_frames = static_cast<long>(frames_out);
  data.src_ratio = ratio;
  data.end_of_input = 1;
  int error = src_simple(&data, converter, audio.channels);
  if (error != 0) fail("resample: {}", src_strerror(error));
  // src_simple may produce a frame or two fewer than requested; the rest stays 0.
  return out;
}

}  // namespace b2m::io
