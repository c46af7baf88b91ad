#include "patches.h"

namespace b2m::synth::patches {

namespace {
float u(Rng& rng, double lo, double hi) { return static_cast<float>(rng.uniform(lo, hi)); }
Patch make(Voice voice) {
  Patch p;
  p.voice = voice;
  return p;
}
}  // namespace

// ---- drums -----------------------------------------------------------------

Patch kick_acoustic(Rng& rng) {
  Patch p = make(Voice::Kick);
  p.body = u(rng, 2.4, 3.2);
  p.glide = u(rng, 0.03, 0.04);
  p.decay = u(rng, 0.11, 0.17);
  p.tone = u(rng, 0.3, 0.6);
  p.drive = 1.2f;
  return p;
}
Patch kick_808(Rng& rng) {
  Patch p = make(Voice::Kick);
  p.body = u(rng, 2.0, 2.6);
  p.glide = u(rng, 0.04, 0.06);
  p.decay = u(rng, 0.3, 0.45);
  p.tone = u(rng, 0.1, 0.3);
  p.drive = u(rng, 1.3, 2.0);
  return p;
}
Patch kick_metal(Rng& rng) {
  Patch p = make(Voice::Kick);
  p.body = u(rng, 3.2, 4.0);
  p.glide = 0.02f;
  p.decay = u(rng, 0.06, 0.085);
  p.tone = u(rng, 0.9, 1.3);
  p.drive = 2.0f;
  return p;
}
Patch kick_disco(Rng& rng) {
  Patch p = make(Voice::Kick);
  p.body = u(rng, 2.6, 3.0);
  p.glide = 0.04f;
  p.decay = u(rng, 0.15, 0.2);
  p.tone = u(rng, 0.3, 0.5);
  p.drive = 1.0f;
  return p;
}
Patch kick_jazz(Rng& rng) {
  Patch p = make(Voice::Kick);
  p.body = u(rng, 1.6, 2.0);
  p.glide = 0.03f;
  p.decay = u(rng, 0.15, 0.22);
  p.tone = 0.15f;
  return p;
}
Patch snare_acoustic(Rng& rng) {
  Patch p = make(Voice::Snare);
  p.decay = u(rng, 0.11, 0.16);
  p.body = u(rng, 0.35, 0.55);
  p.brightness = u(rng, 0.45, 0.7);
  p.drive = 1.0f;
  return p;
}
Patch snare_fat(Rng& rng) {
  Patch p = make(Voice::Snare);
  p.decay = u(rng, 0.16, 0.22);
  p.body = u(rng, 0.45, 0.6);
  p.brightness = u(rng, 0.3, 0.45);
  p.drive = u(rng, 1.3, 1.8);
  return p;
}
Patch snare_metal(Rng& rng) {
  Patch p = make(Voice::Snare);
  p.decay = u(rng, 0.08, 0.11);
  p.body = u(rng, 0.3, 0.4);
  p.brightness = u(rng, 0.75, 0.9);
  p.drive = 1.5f;
  return p;
}
Patch snare_brush(Rng& rng) {
  Patch p = make(Voice::Snare);
  p.tone = 1.0f;
  p.decay = u(rng, 0.18, 0.28);
  p.brightness = u(rng, 0.5, 0.7);
  return p;
}
Patch clap(Rng& rng) {
  Patch p = make(Voice::Clap);
  p.decay = u(rng, 0.1, 0.16);
  p.brightness = u(rng, 0.3, 0.7);
  return p;
}
Patch hat_closed(Rng& rng) {
  Patch p = make(Voice::HatClosed);
  p.decay = u(rng, 0.022, 0.04);
  p.brightness = u(rng, 0.55, 0.8);
  return p;
}
Patch hat_open(Rng& rng) {
  Patch p = make(Voice::HatOpen);
  p.decay = u(rng, 0.2, 0.32);
  p.brightness = u(rng, 0.55, 0.8);
  return p;
}
Patch ride(Rng& rng) {
  Patch p = make(Voice::Ride);
  p.decay = u(rng, 0.35, 0.6);
  p.brightness = u(rng, 0.6, 0.8);
  p.body = u(rng, 0.25, 0.5);
  return p;
}
Patch crash(Rng& rng) {
  Patch p = make(Voice::Crash);
  p.decay = u(rng, 0.7, 1.0);
  p.brightness = u(rng, 0.3, 0.5);
  return p;
}
Patch rim(Rng& rng) {
  Patch p = make(Voice::Rim);
  p.decay = u(rng, 0.02, 0.035);
  return p;
}
Patch shaker(Rng& rng) {
  Patch p = make(Voice::Shaker);
  p.cutoff = u(rng, 4500, 7000);
  p.attack = 0.012f;
  p.decay = u(rng, 0.03, 0.05);
  return p;
}

// ---- basses ----------------------------------------------------------------

Patch upright_bass(Rng& rng) {
  Patch p = make(Voice::Pluck);
  p.brightness = u(rng, 0.12, 0.28);
  p.decay = u(rng, 1.4, 2.4);
  p.body = u(rng, 0.2, 0.3);
  p.cutoff = u(rng, 1100, 1700);
  p.release = 0.06f;
  return p;
}
Patch electric_bass(Rng& rng) {
  Patch p = make(Voice::Pluck);
  p.brightness = u(rng, 0.3, 0.5);
  p.decay = u(rng, 2.2, 3.2);
  p.body = u(rng, 0.15, 0.25);
  p.cutoff = u(rng, 1800, 2800);
  p.release = 0.04f;
  return p;
}
Patch synth_bass(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = rng.chance(0.7) ? Waveform::Saw : Waveform::Square;
  p.attack = 0.003f;
  p.decay = u(rng, 0.1, 0.18);
  p.sustain = 0.5f;
  p.release = 0.05f;
  p.cutoff = u(rng, 250, 420);
  p.env_mod = u(rng, 1200, 2600);
  p.resonance = u(rng, 0.3, 0.5);
  p.sub = 0.3f;
  return p;
}
Patch sub_808(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Sine;
  p.attack = 0.004f;
  p.decay = u(rng, 0.6, 1.0);
  p.sustain = 0.55f;
  p.release = 0.12f;
  p.cutoff = 900.0f;
  p.drive = u(rng, 1.4, 2.4);
  p.glide = u(rng, 0.05, 0.09);
  return p;
}
Patch reggae_bass(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = rng.chance(0.5) ? Waveform::Sine : Waveform::Triangle;
  p.attack = 0.008f;
  p.decay = u(rng, 0.3, 0.5);
  p.sustain = 0.7f;
  p.release = 0.06f;
  p.cutoff = u(rng, 450, 700);
  p.drive = 1.2f;
  return p;
}
Patch distorted_bass(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.attack = 0.002f;
  p.decay = 0.2f;
  p.sustain = 0.6f;
  p.release = 0.05f;
  p.drive = u(rng, 2.5, 4.0);
  p.cutoff = u(rng, 700, 1000);
  return p;
}
Patch cello(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.unison = 2;
  p.detune_cents = 6.0f;
  p.attack = u(rng, 0.1, 0.18);
  p.decay = 1.0f;
  p.sustain = 0.9f;
  p.release = 0.25f;
  p.cutoff = u(rng, 1000, 1400);
  p.vibrato_depth = 0.12f;
  p.vibrato_rate = 5.0f;
  p.noise = 0.02f;
  return p;
}

// ---- chords and pads ---------------------------------------------------------

Patch strings(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.unison = 3;
  p.detune_cents = u(rng, 9, 16);
  p.attack = u(rng, 0.2, 0.45);
  p.decay = 1.0f;
  p.sustain = 0.9f;
  p.release = u(rng, 0.35, 0.6);
  p.cutoff = u(rng, 2000, 3000);
  p.vibrato_depth = 0.1f;
  p.vibrato_rate = u(rng, 5.0, 6.0);
  p.noise = 0.02f;
  return p;
}
Patch disco_strings(Rng& rng) {
  Patch p = strings(rng);
  p.attack = u(rng, 0.04, 0.1);
  p.release = 0.25f;
  p.cutoff = u(rng, 4000, 5500);
  return p;
}
Patch piano(Rng& rng) {
  Patch p = make(Voice::Piano);
  p.brightness = u(rng, 0.4, 0.65);
  p.decay = u(rng, 1.5, 2.5);
  p.release = 0.15f;
  return p;
}
Patch bright_piano(Rng& rng) {
  Patch p = piano(rng);
  p.brightness = u(rng, 0.8, 1.0);
  return p;
}
Patch epiano(Rng& rng) {
  Patch p = make(Voice::EPiano);
  p.body = u(rng, 1.0, 2.0);
  p.tone = 1.0f;
  p.decay = u(rng, 1.2, 1.8);
  p.brightness = u(rng, 0.3, 0.7);
  p.release = 0.15f;
  p.vibrato_depth = rng.chance(0.5) ? 0.15f : 0.0f;
  p.vibrato_rate = 4.0f;
  return p;
}
Patch organ(Rng& rng, int drawbars) {
  Patch p = make(Voice::Organ);
  p.tone = static_cast<float>(drawbars);
  p.vibrato_depth = drawbars == 3 ? 0.0f : u(rng, 0.04, 0.08);
  p.vibrato_rate = u(rng, 5.5, 6.8);
  p.attack = drawbars == 3 ? 0.04f : 0.005f;
  p.sustain = 1.0f;
  p.release = drawbars == 3 ? 0.2f : 0.04f;
  return p;
}
Patch harp(Rng& rng) {
  Patch p = make(Voice::Pluck);
  p.brightness = u(rng, 0.6, 0.75);
  p.decay = u(rng, 2.0, 3.0);
  p.body = 0.5f;
  p.cutoff = 5000.0f;
  p.release = 0.5f;
  return p;
}
Patch acoustic_guitar(Rng& rng) {
  Patch p = make(Voice::Pluck);
  p.brightness = u(rng, 0.55, 0.72);
  p.decay = u(rng, 2.0, 3.0);
  p.body = u(rng, 0.15, 0.25);
  p.cutoff = u(rng, 4500, 6500);
  p.release = 0.1f;
  return p;
}
Patch banjo(Rng& rng) {
  Patch p = make(Voice::Pluck);
  p.brightness = u(rng, 0.9, 1.0);
  p.decay = u(rng, 0.6, 0.9);
  p.body = 0.1f;
  p.tone = 0.4f;
  p.cutoff = 7000.0f;
  p.release = 0.1f;
  return p;
}
Patch skank_guitar(Rng& rng) {
  Patch p = make(Voice::Pluck);
  p.brightness = u(rng, 0.75, 0.9);
  p.decay = 0.5f;
  p.body = 0.15f;
  p.cutoff = u(rng, 3500, 5000);
  p.release = 0.025f;
  p.tone = 0.2f;
  return p;
}
Patch scratch_guitar(Rng& rng) {
  Patch p = skank_guitar(rng);
  p.decay = 0.25f;
  p.release = 0.015f;
  p.tone = 0.35f;
  p.cutoff = 5500.0f;
  return p;
}
Patch metal_guitar(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = rng.chance(0.6) ? Waveform::Saw : Waveform::Square;
  p.power_chord = true;
  p.unison = 2;
  p.detune_cents = u(rng, 6, 12);
  p.drive = u(rng, 12, 25);
  p.cutoff = u(rng, 3200, 4500);
  p.resonance = 0.25f;
  p.attack = 0.002f;
  p.decay = 0.15f;
  p.sustain = 0.7f;
  p.release = 0.05f;
  return p;
}
Patch rock_guitar(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.power_chord = true;
  p.unison = 2;
  p.detune_cents = u(rng, 4, 8);
  p.drive = u(rng, 3.0, 5.5);
  p.cutoff = u(rng, 2600, 3500);
  p.resonance = 0.15f;
  p.attack = 0.003f;
  p.decay = 0.4f;
  p.sustain = 0.75f;
  p.release = 0.08f;
  return p;
}
Patch pop_pad(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.unison = 3;
  p.detune_cents = u(rng, 16, 26);
  p.cutoff = u(rng, 5000, 7500);
  p.attack = 0.02f;
  p.decay = 0.6f;
  p.sustain = 0.75f;
  p.release = 0.2f;
  return p;
}
Patch pop_pluck(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = rng.chance(0.5) ? Waveform::Square : Waveform::Saw;
  p.attack = 0.002f;
  p.decay = u(rng, 0.08, 0.15);
  p.sustain = 0.0f;
  p.release = 0.05f;
  p.cutoff = u(rng, 1500, 2500);
  p.env_mod = u(rng, 4000, 6000);
  return p;
}
Patch brass(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.unison = 3;
  p.detune_cents = 10.0f;
  p.cutoff = u(rng, 1000, 1500);
  p.env_mod = u(rng, 2500, 4000);
  p.decay = 0.15f;
  p.attack = 0.015f;
  p.sustain = 0.7f;
  p.release = 0.1f;
  return p;
}

// ---- leads -------------------------------------------------------------------

Patch violin(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.attack = u(rng, 0.05, 0.1);
  p.decay = 1.0f;
  p.sustain = 0.9f;
  p.release = 0.15f;
  p.cutoff = u(rng, 2800, 4000);
  p.resonance = 0.2f;
  p.vibrato_depth = u(rng, 0.18, 0.3);
  p.vibrato_rate = u(rng, 5.5, 6.3);
  p.noise = 0.04f;
  return p;
}
Patch fiddle(Rng& rng) {
  Patch p = violin(rng);
  p.attack = 0.03f;
  p.cutoff = u(rng, 4000, 5000);
  p.vibrato_rate = 6.5f;
  p.glide = 0.08f;
  return p;
}
Patch flute(Rng& rng) {
  Patch p = make(Voice::Flute);
  p.attack = u(rng, 0.04, 0.08);
  p.decay = 1.0f;
  p.sustain = 0.9f;
  p.release = 0.1f;
  p.vibrato_depth = u(rng, 0.1, 0.2);
  p.vibrato_rate = 5.0f;
  p.noise = u(rng, 0.2, 0.4);
  return p;
}
Patch twang_guitar(Rng& rng) {
  Patch p = make(Voice::Pluck);
  p.brightness = u(rng, 0.8, 0.92);
  p.decay = u(rng, 1.3, 2.0);
  p.body = 0.12f;
  p.tone = u(rng, 0.5, 0.7);
  p.drive = 0.8f;
  p.cutoff = 6000.0f;
  p.release = 0.08f;
  p.glide = 0.1f;
  return p;
}
Patch pedal_steel(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Triangle;
  p.attack = u(rng, 0.06, 0.12);
  p.decay = 1.5f;
  p.sustain = 0.8f;
  p.release = 0.3f;
  p.cutoff = 3000.0f;
  p.vibrato_depth = 0.15f;
  p.vibrato_rate = 4.5f;
  p.glide = u(rng, 0.2, 0.3);
  return p;
}
Patch blues_guitar(Rng& rng) {
  Patch p = make(Voice::Pluck);
  p.brightness = u(rng, 0.7, 0.85);
  p.decay = u(rng, 2.0, 3.0);
  p.body = 0.2f;
  p.drive = u(rng, 1.5, 2.5);
  p.tone = 0.2f;
  p.cutoff = u(rng, 3500, 4500);
  p.release = 0.08f;
  p.glide = u(rng, 0.1, 0.15);
  return p;
}
Patch harmonica(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Square;
  p.cutoff = u(rng, 1800, 2300);
  p.resonance = 0.3f;
  p.attack = 0.03f;
  p.decay = 0.5f;
  p.sustain = 0.8f;
  p.release = 0.08f;
  p.vibrato_depth = 0.15f;
  p.vibrato_rate = 5.5f;
  p.noise = 0.1f;
  p.glide = 0.1f;
  return p;
}
Patch sax(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.cutoff = u(rng, 1800, 2500);
  p.resonance = 0.35f;
  p.env_mod = 800.0f;
  p.decay = 0.2f;
  p.attack = 0.03f;
  p.sustain = 0.85f;
  p.release = 0.06f;
  p.vibrato_depth = 0.18f;
  p.vibrato_rate = 5.2f;
  p.noise = 0.08f;
  return p;
}
Patch trumpet(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.cutoff = u(rng, 1300, 1800);
  p.env_mod = u(rng, 2000, 3000);
  p.decay = 0.08f;
  p.attack = 0.02f;
  p.sustain = 0.8f;
  p.release = 0.06f;
  p.resonance = 0.2f;
  p.vibrato_depth = 0.1f;
  p.vibrato_rate = 5.5f;
  return p;
}
Patch vibes(Rng& rng) {
  Patch p = make(Voice::Bell);
  p.body = 1.0f;
  p.tone = 1.0f;
  p.decay = u(rng, 1.0, 1.5);
  p.vibrato_depth = 0.25f;
  p.vibrato_rate = 5.0f;
  return p;
}
Patch glockenspiel(Rng& rng) {
  Patch p = make(Voice::Bell);
  p.body = 3.5f;
  p.tone = u(rng, 1.5, 2.5);
  p.decay = u(rng, 0.5, 0.9);
  return p;
}
Patch lead_guitar(Rng& rng, float drive) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Saw;
  p.drive = drive;
  p.cutoff = u(rng, 3200, 4500);
  p.resonance = 0.2f;
  p.attack = 0.003f;
  p.decay = 0.6f;
  p.sustain = 0.8f;
  p.release = 0.08f;
  p.vibrato_depth = 0.25f;
  p.vibrato_rate = 6.0f;
  p.glide = 0.08f;
  return p;
}
Patch pop_lead(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = rng.chance(0.5) ? Waveform::Square : Waveform::Saw;
  p.unison = 2;
  p.detune_cents = 8.0f;
  p.cutoff = u(rng, 4500, 7000);
  p.resonance = 0.15f;
  p.attack = 0.01f;
  p.decay = 0.3f;
  p.sustain = 0.8f;
  p.release = 0.1f;
  p.vibrato_depth = 0.12f;
  p.vibrato_rate = 5.5f;
  return p;
}
Patch melodica(Rng& rng) {
  Patch p = make(Voice::Synth);
  p.wave = Waveform::Square;
  p.cutoff = u(rng, 2200, 2800);
  p.attack = 0.03f;
  p.decay = 0.5f;
  p.sustain = 0.9f;
  p.release = 0.06f;
  p.vibrato_depth = 0.08f;
  p.noise = 0.05f;
  return p;
}

}  // namespace b2m::synth::patches
