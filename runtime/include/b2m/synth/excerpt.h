// Stimulus excerpts as the Music Genre fMRI dataset presented them: a 15 s
// window cut from a 30 s track at the events' start/end offsets, 2 s fade-in
// and fade-out, RMS-normalised to the mean RMS of the presented stimuli.
#pragma once

#include <cstdint>
#include <cstddef>
#include <vector>

namespace b2m::synth {

inline constexpr double kClipRms = 0.1321;
inline constexpr double kFadeSeconds = 2.0;

// One excerpt: track `track` of genre `genre`, seconds [start_s, end_s).
struct ExcerptSpec {
  int genre = 0;
  int track = 0;
  double start_s = 0.0;
  double end_s = 15.0;
};

// Quarter-sine fade gain of sample i of n (fade-in over the first
// kFadeSeconds, fade-out over the last; 1 in between).
float fade_gain(std::size_t i, std::size_t n, int sample_rate);

// Applies the fades, scales to RMS kClipRms and softly limits peaks above 0.9
// so that every sample stays within [-1, 1] (re-scaling until the RMS is
// kClipRms again; the limiter only touches samples above 0.9).
void finish_excerpt(std::vector<float>& audio, int sample_rate);

// compose_track + render_track + finish_excerpt.
std::vector<float> synthesize_excerpt(std::uint64_t seed, const ExcerptSpec& spec);

}  // namespace b2m::synth
