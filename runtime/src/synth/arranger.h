// Building a track's note list on a bar/beat grid (internal to the composer).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "b2m/synth/music_theory.h"
#include "b2m/synth/random.h"
#include "b2m/synth/track.h"

namespace b2m::synth {

// Straight, swung eighths (shuffle / jazz) or swung sixteenths (hip hop).
enum class Feel { Straight, Swing8, Swing16 };

class Arranger {
 public:
  // swing: where the off-beat falls inside its pair (0.5 straight, 2/3 triplet).
  // humanize_s: standard deviation of timing jitter.
  Arranger(Track& track, Rng& rng, double bpm, int beats_per_bar, Feel feel, double swing,
           double humanize_s);

  Rng& rng() { return rng_; }
  int beats_per_bar() const { return beats_per_bar_; }
  double beat_s() const { return beat_s_; }
  // Bars needed to cover the track (the last one may run past its end).
  int bars() const { return bars_; }
  // Seconds of (bar, beat), beat counted from 0 and possibly beyond the bar.
  double time_at(int bar, double beat) const;

  std::uint16_t add_patch(const Patch& patch);

  // A pitched note: `beats` long (in grid time, so swing is respected).
  void note(std::uint16_t patch, int bar, double beat, double beats, double midi, float velocity,
            float bend = 0.0f);
  // A pitched note at an absolute time (strums, rolls).
  void note_at(std::uint16_t patch, double time_s, double seconds, double midi, float velocity,
               float bend = 0.0f);
  // A drum hit tuned to `tune_hz`.
  void hit(std::uint16_t patch, int bar, double beat, float velocity, float tune_hz);
  // One bar of a drum pattern: a character per step, steps_per_beat steps per
  // beat: 'X' accent, 'x' hit, 'o' ghost, '?' a hit two times in five, '.' rest.
  void pattern(std::uint16_t patch, std::string_view steps, int steps_per_beat, int bar, float tune_hz,
               float velocity = 1.0f);

  // Harmony: chord k of the progression lasts `bars_per_chord` bars (0.5: two per bar).
  void set_harmony(std::vector<Chord> progression, double bars_per_chord);
  const Chord& chord_at(int bar, double beat) const;
  const std::vector<Chord>& progression() const { return progression_; }
  double bars_per_chord() const { return bars_per_chord_; }
  int tonic() const { return track_.tonic_midi; }

 private:
  double jitter();
  float vary(float velocity);
  void push(std::uint16_t patch, double start, double seconds, double midi_or_hz, bool is_hz, float velocity,
            float bend);
  Track& track_;
  Rng& rng_;
  int beats_per_bar_;
  double beat_s_;
  Feel feel_;
  double swing_;
  double humanize_s_;
  int bars_;
  std::vector<Chord> progression_{Chord{}};
  double bars_per_chord_ = 1.0;
};

// A melody whose motif repeats and follows the harmony.
struct MelodySpec {
  std::vector<int> scale;       // semitones above the tonic
  int low = 60, high = 79;      // MIDI range
  double grid = 0.5;            // beats per slot
  double density = 0.5;         // chance that a slot starts a note (strong slots more)
  double legato = 0.9;          // fraction of the gap to the next note that sounds
  double max_beats = 2.0;       // longest note
  double leap = 0.15;           // chance of a leap instead of a step
  double chord_tones = 0.75;    // chance that a strong-slot note is a chord tone
  int motif_bars = 2;
  double bend = 0.0;            // chance of a bend up into a note (blues)
  double chromatic = 0.0;       // chance of a chromatic approach note (bebop)
  float velocity = 0.8f;
};

// Adds the melody over bars [first, last) where plays(bar) is true.
void add_melody(Arranger& arr, std::uint16_t patch, const MelodySpec& spec, int first_bar, int last_bar,
                const std::function<bool(int)>& plays);

// Chords of the harmony as block chords: one chord per (bar, beat) position.
void add_chord(Arranger& arr, std::uint16_t patch, int bar, double beat, double beats, int low,
               double center, float velocity);

}  // namespace b2m::synth
