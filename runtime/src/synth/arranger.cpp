#include "arranger.h"

#include <algorithm>
#include <cmath>

namespace b2m::synth {

Arranger::Arranger(Track& track, Rng& rng, double bpm, int beats_per_bar, Feel feel, double swing,
                   double humanize_s)
    : track_(track), rng_(rng), beats_per_bar_(beats_per_bar), beat_s_(60.0 / bpm), feel_(feel),
      swing_(swing), humanize_s_(humanize_s) {
  bars_ = static_cast<int>(std::ceil(track.length_s / (beat_s_ * beats_per_bar))) + 1;
}

double Arranger::time_at(int bar, double beat) const {
  const double absolute = bar * beats_per_bar_ + beat;
  const double whole = std::floor(absolute);
  double frac = absolute - whole;
  auto swing_pair = [this](double f) {  // f in [0, 1): position inside a swung pair
    return f < 0.5 ? f * (swing_ / 0.5) : swing_ + (f - 0.5) * ((1.0 - swing_) / 0.5);
  };
  if (feel_ == Feel::Swing8) {
    frac = swing_pair(frac);
  } else if (feel_ == Feel::Swing16) {
    const double half = frac < 0.5 ? 0.0 : 0.5;
    frac = half + 0.5 * swing_pair((frac - half) * 2.0);
  }
  return (whole + frac) * beat_s_;
}

std::uint16_t Arranger::add_patch(const Patch& patch) {
  track_.patches.push_back(patch);
  return static_cast<std::uint16_t>(track_.patches.size() - 1);
}

double Arranger::jitter() {
  if (humanize_s_ <= 0) return 0.0;
  return std::clamp(rng_.normal(), -2.5, 2.5) * humanize_s_;
}

float Arranger::vary(float velocity) {
  return static_cast<float>(std::clamp(velocity * (1.0 + 0.08 * std::clamp(rng_.normal(), -2.5, 2.5)), 0.05, 1.0));
}

void Arranger::push(std::uint16_t patch, double start, double seconds, double pitch, bool is_hz, float velocity,
                    float bend) {
  start = std::max(0.0, start + jitter());
  const float vel = vary(velocity);
  if (start >= track_.length_s || seconds <= 0.0) return;
  Note n;
  n.start = start;
  n.duration = static_cast<float>(seconds);
  n.freq = is_hz ? static_cast<float>(pitch) : midi_to_hz(pitch);
  n.velocity = vel;
  n.bend = bend;
  n.patch = patch;
  n.id = static_cast<std::uint32_t>(track_.notes.size());
  track_.notes.push_back(n);
}

void Arranger::note(std::uint16_t patch, int bar, double beat, double beats, double midi, float velocity,
                    float bend) {
  const double t0 = time_at(bar, beat), t1 = time_at(bar, beat + beats);
  push(patch, t0, t1 - t0, midi, false, velocity, bend);
}

void Arranger::note_at(std::uint16_t patch, double time_s, double seconds, double midi, float velocity,
                       float bend) {
  push(patch, time_s, seconds, midi, false, velocity, bend);
}

void Arranger::hit(std::uint16_t patch, int bar, double beat, float velocity, float tune_hz) {
  push(patch, time_at(bar, beat), 0.05, tune_hz, true, velocity, 0.0f);
}

void Arranger::pattern(std::uint16_t patch, std::string_view steps, int steps_per_beat, int bar, float tune_hz,
                       float velocity) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    float v = 0.0f;
    switch (steps[i]) {
      case 'X': v = 1.0f; break;
      case 'x': v = 0.78f; break;
      case 'o': v = 0.4f; break;
      case '?': v = rng_.chance(0.4) ? 0.6f : 0.0f; break;
      default: break;
    }
    if (v > 0.0f) hit(patch, bar, static_cast<double>(i) / steps_per_beat, v * velocity, tune_hz);
  }
}

void Arranger::set_harmony(std::vector<Chord> progression, double bars_per_chord) {
  progression_ = std::move(progression);
  bars_per_chord_ = bars_per_chord;
}

const Chord& Arranger::chord_at(int bar, double beat) const {
  const double position = (bar + beat / beats_per_bar_) / bars_per_chord_;
  const auto k = static_cast<std::size_t>(std::max(0.0, std::floor(position + 1e-9)));
  return progression_[k % progression_.size()];
}

void add_chord(Arranger& arr, std::uint16_t patch, int bar, double beat, double beats, int low, double center,
               float velocity) {
  const Chord& chord = arr.chord_at(bar, beat);
  for (int p : voice_chord(chord, arr.tonic(), low, center)) arr.note(patch, bar, beat, beats, p, velocity);
}

namespace {

struct MotifNote {
  double beat;   // from the start of the motif
  double beats;  // length
  int step;      // contour: scale steps from the motif's anchor
  bool strong;
};

std::vector<MotifNote> make_motif(Rng& rng, const MelodySpec& s, int beats_per_bar) {
  const double length = static_cast<double>(s.motif_bars * beats_per_bar);
  std::vector<double> onsets;
  for (double b = 0.0; b < length - 1e-9; b += s.grid) {
    const bool strong = std::fabs(b - std::round(b)) < 1e-9;
    const double p = std::min(1.0, s.density * (strong ? 1.3 : 0.8));
    if (rng.chance(p)) onsets.push_back(b);
  }
  if (onsets.size() < 2) onsets = {0.0, std::min(length - s.grid, 1.0 + s.grid)};
  std::vector<MotifNote> motif;
  int step = 0;
  for (std::size_t i = 0; i < onsets.size(); ++i) {
    const double next = i + 1 < onsets.size() ? onsets[i + 1] : length;
    const double gap = next - onsets[i];
    const double beats = std::max(s.grid * 0.5, std::min(s.max_beats, gap * s.legato));
    if (i > 0) {
      if (rng.chance(s.leap)) step += (rng.chance(0.5) ? 1 : -1) * rng.integer(3, 5);
      else step += rng.pick(std::vector<int>{-2, -1, -1, 1, 1, 2, 0});
      step = std::clamp(step, -6, 6);
    }
    motif.push_back({onsets[i], beats, step, std::fabs(onsets[i] - std::round(onsets[i])) < 1e-9});
  }
  return motif;
}

}  // namespace

void add_melody(Arranger& arr, std::uint16_t patch, const MelodySpec& s, int first_bar, int last_bar,
                const std::function<bool(int)>& plays) {
  Rng& rng = arr.rng();
  const int bpb = arr.beats_per_bar();
  const std::vector<MotifNote> a = make_motif(rng, s, bpb);
  const std::vector<MotifNote> b = make_motif(rng, s, bpb);
  const int tonic = arr.tonic();
  const int center = (s.low + s.high) / 2;
  int occurrence = 0;
  for (int bar = first_bar; bar < last_bar; bar += s.motif_bars, ++occurrence) {
    if (!plays(bar)) continue;
    const auto& motif = (occurrence % 4 == 2) ? b : a;
    // Anchor: a chord tone of the first chord near the middle of the range.
    const Chord& first = arr.chord_at(bar, 0.0);
    const int anchor_pitch = nearest_pitch(tonic, first.root + first.tones[rng.integer(0, static_cast<int>(std::min<std::size_t>(3, first.tones.size())) - 1)], center + rng.integer(-3, 3));
    const int anchor = nearest_degree(s.scale, tonic, anchor_pitch);
    const bool vary = occurrence % 4 == 3;
    int previous = -1;
    for (const MotifNote& m : motif) {
      const int b_bar = bar + static_cast<int>(m.beat) / bpb;
      if (b_bar >= last_bar) break;
      const double beat = std::fmod(m.beat, static_cast<double>(bpb));
      int step = m.step + (vary && rng.chance(0.35) ? rng.integer(-2, 2) : 0);
      int pitch = scale_pitch(s.scale, tonic, anchor + step);
      if (m.strong && rng.chance(s.chord_tones)) {
        const Chord& c = arr.chord_at(b_bar, beat);
        int best = pitch, best_d = 99;
        for (int t : c.tones) {
          const int p = nearest_pitch(tonic, c.root + t, pitch);
          if (std::abs(p - pitch) < best_d) {
            best_d = std::abs(p - pitch);
            best = p;
          }
        }
        pitch = best;
      }
      while (pitch > s.high) pitch -= 12;
      while (pitch < s.low) pitch += 12;
      float bend = 0.0f;
      if (s.bend > 0 && rng.chance(s.bend)) bend = rng.chance(0.5) ? -2.0f : -1.0f;
      if (s.chromatic > 0 && previous >= 0 && m.beat >= s.grid && rng.chance(s.chromatic)) {
        // A short chromatic approach from a semitone below or above, just before the note.
        const int approach = pitch + (rng.chance(0.5) ? -1 : 1);
        arr.note(patch, b_bar, beat - s.grid * 0.5, s.grid * 0.5, approach, s.velocity * 0.8f);
      }
      const float accent = m.strong ? 1.0f : 0.85f;
      arr.note(patch, b_bar, beat, m.beats, pitch, s.velocity * accent, bend);
      previous = pitch;
    }
  }
}

}  // namespace b2m::synth
