// Instruments of the music simulator: each note is rendered on its own, from
// its onset, with its own state and noise stream, and added into a buffer.
// Because no state is shared between notes (and the master bus is a
// stateless soft clipper), rendering any window of a track gives exactly the
// samples that rendering the whole track and cutting that window would give.
//
// Voices are small classic synthesis recipes, chosen to sound like the
// instruments of the ten GTZAN genres rather than like noise:
//   drums      kick (sine sweep + click), snare (tone + filtered noise, or
//              brush), clap, closed/open hat and ride/crash (808-style
//              metallic squares + noise), rim click, shaker;
//   synth      subtractive: saw/square/triangle/sine oscillators (polyBLEP),
//              unison detune, ADSR, resonant state-variable low-pass with an
//              envelope, vibrato, drive (tanh), optional power chord
//              (root + fifth + octave): bass, strings, brass, leads,
//              distorted guitars;
//   pluck      Karplus-Strong string (guitar, banjo, upright bass, harp) with
//              pick position, brightness, twang (bridge pickup) and drive;
//   piano      additive, slightly inharmonic partials with per-partial decay;
//   epiano     two-operator FM (Rhodes-like);
//   organ      additive drawbars with Leslie-like vibrato and key click;
//   flute      sine + weak harmonics + breath noise;
//   bell       FM bell / vibraphone.
#pragma once

#include <cstdint>
#include <span>

namespace b2m::synth {

// Sample rate of every simulated clip (GTZAN's).
inline constexpr int kSampleRate = 22050;

enum class Voice : std::uint8_t {
  Kick, Snare, Clap, HatClosed, HatOpen, Ride, Crash, Rim, Shaker,
  Synth, Pluck, Piano, EPiano, Organ, Flute, Bell,
};

enum class Waveform : std::uint8_t { Saw, Square, Triangle, Sine };

// How an instrument sounds. Fields not used by a voice are ignored; the
// meaning of `body` and `tone` depends on the voice (see instruments.cpp).
struct Patch {
  Voice voice = Voice::Synth;
  float gain = 1.0f;
  Waveform wave = Waveform::Saw;
  float attack = 0.005f;  // s
  float decay = 0.3f;     // s (time constant of the decay stage; drums: of the hit)
  float sustain = 0.8f;   // level 0..1
  float release = 0.1f;   // s after the gate closes
  float cutoff = 4000.0f;  // Hz, low-pass
  float resonance = 0.0f;  // 0..0.95
  float env_mod = 0.0f;    // Hz added to the cutoff at the onset, decaying with `decay`
  float drive = 0.0f;      // 0 = clean; > 0: tanh overdrive gain
  float vibrato_depth = 0.0f;  // semitones
  float vibrato_rate = 5.0f;   // Hz
  float detune_cents = 0.0f;   // spread of unison voices
  int unison = 1;              // 1..3 oscillators
  bool power_chord = false;    // add the fifth and the octave (distorted guitars)
  float sub = 0.0f;            // sine one octave below (synth)
  float noise = 0.0f;          // breath / bow noise mix
  float glide = 0.06f;         // s, pitch glide of Note::bend
  float brightness = 0.5f;     // 0..1: pluck damping, piano hammer, cymbal tone
  float body = 0.0f;
  float tone = 0.0f;
};

struct Note {
  double start = 0.0;     // s from the start of the track
  float duration = 0.1f;  // gate length, s
  float freq = 440.0f;    // Hz (drums: tuning)
  float velocity = 1.0f;  // 0..1
  float bend = 0.0f;      // semitones: the pitch starts here and glides to freq
  std::uint16_t patch = 0;  // index into the track's patches
  std::uint32_t id = 0;     // per-note noise stream
};

// Seconds of sound the note produces (gate + release or decay tail).
double note_length_s(const Patch& patch, const Note& note);

// Adds the note into `out`, where out[0] is sample `out_start` of the track
// (samples counted from 0 at kSampleRate). Samples of the note outside the
// buffer are computed (state runs from the onset) but not written.
void render_note(const Patch& patch, const Note& note, std::uint64_t noise_seed,
                 std::int64_t out_start, std::span<float> out);

// MIDI note number -> Hz (A4 = 69 = 440 Hz).
float midi_to_hz(double midi);

// A smooth saturator: ~x for small x, bounded by +-1.
float soft_clip(float x);

}  // namespace b2m::synth
