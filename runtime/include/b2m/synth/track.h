// A synthetic "GTZAN track": 30 s of music in one of the ten genres, composed
// deterministically from (seed, genre, track index) and rendered on demand.
//
//   Track t = compose_track(seed, genre_index("jazz"), 17);
//   std::vector<float> x = render_track(t, 4.21, 19.21);   // one excerpt
//
// Rendering a window gives exactly the samples of that window of the whole
// rendered track (notes are rendered independently; the master bus is a
// stateless soft clipper), so excerpts are "cut" from the 30 s track without
// rendering all of it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "b2m/synth/instruments.h"

namespace b2m::synth {

// Length of a GTZAN track.
inline constexpr double kTrackSeconds = 30.0;

// The ten GTZAN genres in alphabetical order (blues .. rock).
std::span<const std::string> genre_names();
// Index of a genre name (0..9); throws b2m::Error naming the known genres.
int genre_index(std::string_view name);

// The genre's production "sound": low shelf, peak and high shelf (RBJ
// biquads). Applied to every note, which by linearity equals equalising the
// mix (up to the filters' tails after a note ends).
struct MixEq {
  float low_hz = 120.0f, low_db = 0.0f;
  float mid_hz = 1000.0f, mid_db = 0.0f, mid_q = 0.7f;
  float high_hz = 5000.0f, high_db = 0.0f;
};

struct Track {
  int genre = 0;
  int index = 0;
  double length_s = kTrackSeconds;
  double tempo_bpm = 120.0;
  int tonic_midi = 60;
  std::string summary;  // e.g. "jazz: 168 bpm swing, F major, upright bass, piano, tenor sax"
  std::vector<Patch> patches;
  std::vector<Note> notes;  // sorted by start time
  MixEq eq;
  float reverb = 0.0f;  // wet level of the mix reverb (0: dry), e.g. a concert hall for classical
  float master_gain = 1.0f;  // before the soft clipper
  std::uint64_t noise_seed = 0;
};

Track compose_track(std::uint64_t seed, int genre, int track_index, double length_s = kTrackSeconds);

// Samples round(start_s * 22050) .. round(end_s * 22050) - 1 of the track
// (silence beyond its end), after the master soft clipper.
std::vector<float> render_track(const Track& track, double start_s, double end_s);

}  // namespace b2m::synth
