#include "b2m/synth/excerpt.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "b2m/runtime/error.h"
#include "b2m/synth/track.h"

namespace b2m::synth {

namespace {
constexpr float kKnee = 0.9f;

float limit(float x) {
  const float a = std::fabs(x);
  if (a <= kKnee) return x;
  const float over = (a - kKnee) / (1.0f - kKnee);
  const float y = kKnee + (1.0f - kKnee) * soft_clip(over);
  return x < 0 ? -y : y;
}

double rms(const std::vector<float>& x) {
  double s = 0.0;
  for (float v : x) s += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : std::sqrt(s / static_cast<double>(x.size()));
}
}  // namespace

float fade_gain(std::size_t i, std::size_t n, int sample_rate) {
  const double fade = kFadeSeconds * sample_rate;
  const double from_start = static_cast<double>(i) + 0.5;
  const double to_end = static_cast<double>(n - i) - 0.5;
  const double x = std::min({1.0, from_start / fade, to_end / fade});
  if (x >= 1.0) return 1.0f;
  return static_cast<float>(std::sin(0.5 * std::numbers::pi * std::max(0.0, x)));
}

void finish_excerpt(std::vector<float>& audio, int sample_rate) {
  const std::size_t n = audio.size();
  for (std::size_t i = 0; i < n; ++i) audio[i] *= fade_gain(i, n, sample_rate);
  const double r0 = rms(audio);
  if (r0 <= 1e-12) fail("cannot normalise a silent excerpt ({} samples) to RMS {}", n, kClipRms);
  const std::vector<float> faded = audio;
  double gain = kClipRms / r0;
  for (int iteration = 0; iteration < 8; ++iteration) {
    bool limited = false;
    for (std::size_t i = 0; i < n; ++i) {
      const float v = static_cast<float>(gain * faded[i]);
      audio[i] = limit(v);
      limited |= std::fabs(v) > kKnee;
    }
    const double r = rms(audio);
    if (!limited || std::fabs(r / kClipRms - 1.0) < 1e-4) break;
    gain *= kClipRms / r;
  }
}

std::vector<float> synthesize_excerpt(std::uint64_t seed, const ExcerptSpec& spec) {
  if (!(spec.end_s > spec.start_s))
    fail("excerpt of {}.{:05d}: end {} s is not after start {} s", genre_names()[static_cast<std::size_t>(spec.genre)],
         spec.track, spec.end_s, spec.start_s);
  const Track track = compose_track(seed, spec.genre, spec.track);
  std::vector<float> audio = render_track(track, spec.start_s, spec.end_s);
  finish_excerpt(audio, kSampleRate);
  return audio;
}

}  // namespace b2m::synth
