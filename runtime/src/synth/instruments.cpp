// Note renderers. Control values (pitch, filter cutoff) are updated every
// kBlock samples; oscillators read a 4096-point sine table with a 32-bit phase.
#include "b2m/synth/instruments.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "b2m/synth/random.h"

namespace b2m::synth {
namespace {

constexpr float kFs = static_cast<float>(kSampleRate);
constexpr float kNyquistSafe = 0.45f * kFs;
constexpr int kBlock = 32;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

// ---- oscillators ----------------------------------------------------------

struct SineTable {
  static constexpr int kBits = 12;
  static constexpr int kSize = 1 << kBits;
  std::array<float, kSize + 1> v{};
  SineTable() {
    for (int i = 0; i <= kSize; ++i) v[i] = static_cast<float>(std::sin(kTwoPi * i / kSize));
  }
};

const SineTable& sine_table() {
  static const SineTable table;
  return table;
}

// sin(2 pi phase / 2^32) by linear interpolation.
inline float sine_at(const SineTable& t, std::uint32_t phase) {
  const std::uint32_t index = phase >> (32 - SineTable::kBits);
  const float frac = static_cast<float>(phase & ((1u << (32 - SineTable::kBits)) - 1)) *
                     (1.0f / static_cast<float>(1u << (32 - SineTable::kBits)));
  return t.v[index] + frac * (t.v[index + 1] - t.v[index]);
}

inline std::uint32_t phase_increment(double hz) {
  double cycles = hz / kFs;
  cycles -= std::floor(cycles);
  return static_cast<std::uint32_t>(cycles * 4294967296.0);
}

// Converts a phase offset in radians to the 32-bit phase scale.
inline std::uint32_t phase_offset(float radians) {
  return static_cast<std::uint32_t>(static_cast<std::int64_t>(radians * (4294967296.0f / kTwoPi)));
}

inline float poly_blep(float t, float dt) {
  if (t < dt) {
    t /= dt;
    return t + t - t * t - 1.0f;
  }
  if (t > 1.0f - dt) {
    t = (t - 1.0f) / dt;
    return t * t + t + t + 1.0f;
  }
  return 0.0f;
}

// A band-limited (polyBLEP) oscillator's [0, 1) phase (see osc_sample).
struct Osc {
  float phase = 0.0f;
};

// ---- filters --------------------------------------------------------------

// Topology-preserving state-variable filter (Zavalishin / Simper).
struct Svf {
  float a1 = 0, a2 = 0, a3 = 0, k = 2;
  float ic1 = 0, ic2 = 0;
  float low = 0, band = 0, high = 0;
  void set(float cutoff_hz, float resonance) {
    const float fc = std::clamp(cutoff_hz, 20.0f, kNyquistSafe);
    const float g = std::tan(static_cast<float>(std::numbers::pi) * fc / kFs);
    k = 2.0f - 2.0f * std::clamp(resonance, 0.0f, 0.97f);
    a1 = 1.0f / (1.0f + g * (g + k));
    a2 = g * a1;
    a3 = g * a2;
  }
  void tick(float v0) {
    const float v3 = v0 - ic2;
    const float v1 = a1 * ic1 + a2 * v3;
    const float v2 = ic2 + a2 * ic1 + a3 * v3;
    ic1 = 2.0f * v1 - ic1;
    ic2 = 2.0f * v2 - ic2;
    low = v2;
    band = v1;
    high = v0 - k * v1 - v2;
  }
};

struct OnePole {
  float a = 1.0f, y = 0.0f;
  void set(float cutoff_hz) { a = 1.0f - std::exp(-2.0f * static_cast<float>(std::numbers::pi) * cutoff_hz / kFs); }
  float lp(float x) { return y += a * (x - y); }
};

// ---- envelopes ------------------------------------------------------------

inline float decay_coefficient(float tau_s) { return tau_s > 0 ? std::exp(-1.0f / (tau_s * kFs)) : 0.0f; }

// ADSR: linear attack, exponential decay to sustain, exponential release
// after the gate (time constants in seconds).
struct Adsr {
  float level = 0.0f;
  float attack_step, kd, sustain, kr;
  std::int64_t gate_samples;
  std::int64_t n = 0;
  bool in_attack = true;
  Adsr(const Patch& p, double gate_s)
      : attack_step(1.0f / std::max(1.0f, p.attack * kFs)), kd(decay_coefficient(p.decay)),
        sustain(p.sustain), kr(decay_coefficient(std::max(0.005f, p.release))),
        gate_samples(static_cast<std::int64_t>(gate_s * kFs)) {}
  float next() {
    if (n++ >= gate_samples) {
      level *= kr;
    } else if (in_attack) {
      level += attack_step;
      if (level >= 1.0f) {
        level = 1.0f;
        in_attack = false;
      }
    } else {
      level = sustain + (level - sustain) * kd;
    }
    return level;
  }
};

// Pitch multiplier at time t: glide from `bend` semitones plus delayed vibrato.
inline double pitch_factor(const Patch& p, const Note& note, double t) {
  double semis = 0.0;
  if (note.bend != 0.0f && p.glide > 0.0f) semis += note.bend * std::max(0.0, 1.0 - t / p.glide);
  if (p.vibrato_depth > 0.0f)
    semis += p.vibrato_depth * std::min(1.0, t / 0.35) * std::sin(kTwoPi * p.vibrato_rate * t);
  return semis == 0.0 ? 1.0 : std::exp2(semis / 12.0);
}

inline float tanh_drive(float x, float drive) {
  if (drive <= 0.0f) return x;
  return soft_clip(x * drive) / soft_clip(drive);
}

// ---- drums ----------------------------------------------------------------

[[gnu::noinline]] void kick(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  const float ratio = p.body > 1.0f ? p.body : 3.0f;
  const float sweep = p.glide > 0.0f ? p.glide : 0.03f;
  const float kamp = decay_coefficient(p.decay), ksweep = decay_coefficient(sweep);
  const float kclick = decay_coefficient(0.004f);
  OnePole click_lp;
  click_lp.set(3500.0f);
  float amp = note.velocity, sw = ratio - 1.0f, click = p.tone * note.velocity;
  std::uint32_t phase = 0;
  for (float& y : buf) {
    const float f = note.freq * (1.0f + sw);
    float s = sine_at(table, phase) * amp + click_lp.lp(rng.next()) * click;
    phase += phase_increment(f);
    y = tanh_drive(s, p.drive);
    amp *= kamp;
    sw *= ksweep;
    click *= kclick;
  }
}

[[gnu::noinline]] void snare(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  const bool brush = p.tone > 0.5f;
  Svf noise_filter;
  noise_filter.set(1500.0f + 5000.0f * p.brightness, 0.2f);
  const float tone_tau = std::min(0.06f, 0.5f * p.decay);
  const float kt = decay_coefficient(tone_tau), kn = decay_coefficient(p.decay);
  const float body = brush ? 0.0f : std::clamp(p.body, 0.0f, 1.0f);
  float tone_amp = note.velocity * body, noise_amp = note.velocity * (1.0f - 0.5f * body);
  const float attack = brush ? 0.012f * kFs : 1.0f;
  std::uint32_t ph1 = 0, ph2 = 0;
  const std::uint32_t inc1 = phase_increment(note.freq), inc2 = phase_increment(note.freq * 1.63f);
  std::int64_t n = 0;
  for (float& y : buf) {
    noise_filter.tick(rng.next());
    const float noise = brush ? noise_filter.low : 0.6f * noise_filter.high + 0.8f * noise_filter.band;
    const float ramp = std::min(1.0f, static_cast<float>(++n) / attack);
    y = 1.8f * (ramp * (noise * noise_amp) + tone_amp * (sine_at(table, ph1) + 0.5f * sine_at(table, ph2)));
    ph1 += inc1;
    ph2 += inc2;
    tone_amp *= kt;
    noise_amp *= kn;
  }
  if (p.drive > 0) for (float& y : buf) y = tanh_drive(y, p.drive);
}

[[gnu::noinline]] void clap(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  Svf f;
  f.set(1000.0f + 1500.0f * p.brightness, 0.55f);
  const float kburst = decay_coefficient(0.004f), ktail = decay_coefficient(p.decay);
  float tail = note.velocity;
  for (std::size_t n = 0; n < buf.size(); ++n) {
    const float t = static_cast<float>(n) / kFs;
    float env;
    if (t < 0.03f) {
      const float local = std::fmod(t, 0.0095f);
      env = note.velocity * std::pow(kburst, local * kFs);
    } else {
      env = tail;
      tail *= ktail;
    }
    f.tick(rng.next());
    buf[n] = 3.3f * f.band * env;
  }
}

// 808-style metallic tone: six square waves at inharmonic ratios.
constexpr std::array<float, 6> kMetalRatios{1.0f, 1.483f, 1.8f, 2.546f, 2.63f, 3.897f};

// `level` evens out the voices' loudness (hats are thin and short).
[[gnu::noinline]] void cymbal(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf, float band_hz,
            float high_hz, float attack_s, float level) {
  std::array<float, 6> phase{}, inc{};
  for (int i = 0; i < 6; ++i) inc[i] = note.freq * kMetalRatios[i] / kFs;
  Svf band, high;
  band.set(band_hz, 0.3f);
  high.set(high_hz, 0.0f);
  const float metal = std::clamp(p.brightness, 0.0f, 1.0f);
  const float kd = decay_coefficient(p.decay);
  const float attack = std::max(1.0f, attack_s * kFs);
  float amp = note.velocity;
  const SineTable& table = sine_table();
  // Ride bell: two inharmonic partials.
  std::uint32_t b1 = 0, b2 = 0;
  const std::uint32_t bi1 = phase_increment(note.freq * 2.1f), bi2 = phase_increment(note.freq * 5.3f);
  float bell = p.body * note.velocity;
  const float kbell = decay_coefficient(0.5f * p.decay);
  for (std::size_t n = 0; n < buf.size(); ++n) {
    float m = 0.0f;
    for (int i = 0; i < 6; ++i) {
      m += phase[i] < 0.5f ? 1.0f : -1.0f;
      phase[i] += inc[i];
      if (phase[i] >= 1.0f) phase[i] -= 1.0f;
    }
    const float x = metal * m * (1.0f / 6.0f) + (1.0f - metal) * rng.next();
    band.tick(x);
    high.tick(band.band + 0.3f * x);
    const float ramp = std::min(1.0f, static_cast<float>(n + 1) / attack);
    buf[n] = 1.6f * level * high.high * amp * ramp;
    if (bell > 1e-5f) {
      buf[n] += bell * (sine_at(table, b1) + 0.6f * sine_at(table, b2)) * 0.25f;
      b1 += bi1;
      b2 += bi2;
      bell *= kbell;
    }
    amp *= kd;
  }
}

[[gnu::noinline]] void rim(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  Svf f;
  f.set(note.freq, 0.8f);
  const float kd = decay_coefficient(p.decay);
  float amp = note.velocity;
  std::uint32_t ph = 0;
  const std::uint32_t inc = phase_increment(note.freq * 0.47f);
  for (float& y : buf) {
    f.tick(rng.next());
    y = amp * (2.2f * f.band + 0.9f * sine_at(table, ph));
    ph += inc;
    amp *= kd;
  }
}

[[gnu::noinline]] void shaker(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  Svf f;
  f.set(p.cutoff, 0.1f);
  const float kd = decay_coefficient(p.decay);
  const float attack = std::max(1.0f, p.attack * kFs);
  float amp = note.velocity;
  for (std::size_t n = 0; n < buf.size(); ++n) {
    f.tick(rng.next());
    buf[n] = f.high * amp * std::min(1.0f, static_cast<float>(n + 1) / attack);
    if (static_cast<float>(n) > attack) amp *= kd;
  }
}

// ---- pitched voices -------------------------------------------------------

template <Waveform W>
inline float osc_sample(Osc& o, float dt, const SineTable& table) {
  float y;
  if constexpr (W == Waveform::Saw) {
    y = 2.0f * o.phase - 1.0f - poly_blep(o.phase, dt);
  } else if constexpr (W == Waveform::Square) {
    float t2 = o.phase + 0.5f;
    if (t2 >= 1.0f) t2 -= 1.0f;
    y = (o.phase < 0.5f ? 1.0f : -1.0f) + poly_blep(o.phase, dt) - poly_blep(t2, dt);
  } else if constexpr (W == Waveform::Triangle) {
    y = 4.0f * std::fabs(o.phase - 0.5f) - 1.0f;
  } else {
    y = sine_at(table, static_cast<std::uint32_t>(o.phase * 4294967296.0f));
  }
  o.phase += dt;
  if (o.phase >= 1.0f) o.phase -= 1.0f;
  return y;
}

template <Waveform W>
void subtractive_impl(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  const int unison = std::clamp(p.unison, 1, 3);
  std::array<float, 3> spread{1.0f, 1.0f, 1.0f};
  if (unison > 1)
    for (int i = 0; i < unison; ++i)
      spread[i] = std::exp2(p.detune_cents / 1200.0f * (2.0f * i / (unison - 1) - 1.0f));
  // Oscillator start phases from the note's noise stream (no phase-locked unison).
  std::array<Osc, 9> osc;
  for (auto& o : osc) o.phase = 0.5f * (rng.next() + 1.0f);
  const int partials = p.power_chord ? 3 : 1;
  const int count = unison * partials;
  constexpr std::array<float, 3> kChordRatio{1.0f, 1.4983f, 2.0f};
  constexpr std::array<float, 3> kChordGain{1.0f, 0.8f, 0.55f};
  std::array<float, 9> ratio{}, gain{}, dt{};
  for (int u = 0; u < unison; ++u)
    for (int k = 0; k < partials; ++k) {
      ratio[u * partials + k] = spread[u] * kChordRatio[k];
      gain[u * partials + k] = kChordGain[k] / (unison * (p.power_chord ? 2.35f : 1.0f));
    }
  Adsr env(p, note.duration);
  Svf filter;
  const float kenv = decay_coefficient(std::max(0.01f, p.decay));
  float fenv = p.env_mod * (0.4f + 0.6f * note.velocity);
  const float kenv_block = std::pow(kenv, static_cast<float>(kBlock));
  std::uint32_t sub_phase = 0;
  Svf breath;
  breath.set(std::min(kNyquistSafe, note.freq * 3.0f), 0.3f);
  const float drive_norm = p.drive > 0 ? 1.0f / soft_clip(p.drive) : 1.0f;
  const bool static_pitch = note.bend == 0.0f && p.vibrato_depth == 0.0f;
  bool filter_set = false;
  for (std::size_t b0 = 0; b0 < buf.size(); b0 += kBlock) {
    const double t = static_cast<double>(b0) / kFs;
    const float f = static_pitch ? note.freq : static_cast<float>(note.freq * pitch_factor(p, note, t));
    if (!filter_set || fenv > 1.0f) {
      filter.set(p.cutoff + fenv, p.resonance);
      filter_set = true;
    }
    for (int i = 0; i < count; ++i) dt[i] = std::min(0.49f, f * ratio[i] / kFs);
    const std::uint32_t sub_inc = phase_increment(0.5 * f);
    const std::size_t b1 = std::min(buf.size(), b0 + kBlock);
    for (std::size_t n = b0; n < b1; ++n) {
      float x = 0.0f;
      for (int i = 0; i < count; ++i) x += gain[i] * osc_sample<W>(osc[i], dt[i], table);
      if (p.sub > 0) {
        x += p.sub * sine_at(table, sub_phase);
        sub_phase += sub_inc;
      }
      if (p.noise > 0) {
        breath.tick(rng.next());
        x += p.noise * breath.band;
      }
      const float e = env.next();
      if (p.drive > 0) {
        filter.tick(soft_clip(x * e * p.drive) * drive_norm);
        buf[n] = filter.low * note.velocity;
      } else {
        filter.tick(x);
        buf[n] = filter.low * e * note.velocity;
      }
    }
    fenv *= kenv_block;
  }
}

[[gnu::noinline]] void subtractive(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  switch (p.wave) {
    case Waveform::Saw: subtractive_impl<Waveform::Saw>(p, note, rng, buf); break;
    case Waveform::Square: subtractive_impl<Waveform::Square>(p, note, rng, buf); break;
    case Waveform::Triangle: subtractive_impl<Waveform::Triangle>(p, note, rng, buf); break;
    case Waveform::Sine: subtractive_impl<Waveform::Sine>(p, note, rng, buf); break;
  }
}

// Karplus-Strong string with a fractional delay, pick-position comb, two-tap
// loop filter, bridge "twang" comb and optional drive.
[[gnu::noinline]] void pluck(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const double f_low = note.freq * std::exp2(std::min(0.0f, note.bend) / 12.0 - 0.1);
  std::size_t size = 16;
  while (size < static_cast<std::size_t>(kFs / f_low) + 8) size <<= 1;
  std::vector<float> line(size, 0.0f);
  const std::size_t mask = size - 1;
  const float w = 0.5f + 0.45f * std::clamp(p.brightness, 0.0f, 1.0f);
  // Excitation: low-passed noise with a pick-position notch.
  const int period = std::max(2, static_cast<int>(std::lround(kFs / note.freq)));
  std::vector<float> excite(static_cast<std::size_t>(period));
  OnePole lp;
  lp.set(800.0f + 9000.0f * p.brightness * (0.5f + 0.5f * note.velocity));
  for (float& e : excite) e = lp.lp(rng.next());
  const int pick = std::clamp(static_cast<int>(p.body * period), 1, period - 1);
  for (int i = period - 1; i >= pick; --i) excite[i] -= excite[i - pick];
  const float t60 = std::max(0.05f, p.decay);
  const float loop_gain = std::exp(-6.9078f / (note.freq * t60));
  const std::int64_t gate = static_cast<std::int64_t>(note.duration * kFs);
  const float krel = decay_coefficient(std::max(0.01f, p.release));
  const int twang_delay = std::max(1, static_cast<int>(0.17f * kFs / note.freq));
  Svf body;
  body.set(p.cutoff, 0.1f);
  float rel = 1.0f, prev = 0.0f;
  const float drive_norm = p.drive > 0 ? 1.0f / soft_clip(p.drive) : 1.0f;
  std::size_t pos = 0;
  double delay = kFs / note.freq - (1.0 - w);
  for (std::size_t b0 = 0; b0 < buf.size(); b0 += kBlock) {
    if (note.bend != 0.0f) {
      const double t = static_cast<double>(b0) / kFs;
      delay = kFs / (note.freq * pitch_factor(p, note, t)) - (1.0 - w);
    }
    const int di = static_cast<int>(delay);
    const float frac = static_cast<float>(delay - di);
    const std::size_t b1 = std::min(buf.size(), b0 + kBlock);
    for (std::size_t n = b0; n < b1; ++n) {
      const float d0 = line[(pos - di) & mask], d1 = line[(pos - di - 1) & mask];
      const float v = d0 + frac * (d1 - d0);
      float y = loop_gain * (w * v + (1.0f - w) * prev);
      prev = v;
      if (n < excite.size()) y += excite[n] * note.velocity;
      line[pos & mask] = y;
      float out = y;
      if (p.tone > 0) out -= p.tone * 0.9f * line[(pos - twang_delay) & mask];
      ++pos;
      if (static_cast<std::int64_t>(n) >= gate) rel *= krel;
      if (p.drive > 0) out = soft_clip(out * p.drive) * drive_norm;
      body.tick(out);
      buf[n] = body.low * rel;
    }
  }
}

[[gnu::noinline]] void piano(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  constexpr int kMax = 8;
  constexpr double kInharmonicity = 0.00035;
  std::array<std::uint32_t, kMax> phase{}, inc{};
  std::array<float, kMax> amp{}, kd{};
  const float rolloff = 1.7f - 0.8f * p.brightness - 0.35f * note.velocity;
  const float tau1 = std::clamp(p.decay * std::sqrt(261.6f / note.freq), 0.25f, 8.0f);
  int count = 0;
  for (int k = 1; k <= kMax; ++k) {
    const double fk = note.freq * k * std::sqrt(1.0 + kInharmonicity * k * k);
    if (fk > kNyquistSafe) break;
    phase[count] = static_cast<std::uint32_t>(rng.next() * 2147483648.0f);
    inc[count] = phase_increment(fk);
    amp[count] = note.velocity * std::pow(static_cast<float>(k), -rolloff);
    kd[count] = decay_coefficient(tau1 / (1.0f + 0.45f * (k - 1)));
    ++count;
  }
  const std::int64_t gate = static_cast<std::int64_t>(note.duration * kFs);
  const float krel = decay_coefficient(std::max(0.02f, p.release));
  const float attack = 0.0015f * kFs;
  OnePole thump;
  thump.set(600.0f);
  float thump_amp = 0.15f * note.velocity;
  const float kthump = decay_coefficient(0.012f);
  float rel = 1.0f;
  const float floor = 1e-4f * note.velocity;
  for (std::size_t n = 0; n < buf.size(); ++n) {
    if (n % kBlock == 0)  // drop partials that have decayed below -80 dB
      for (int k = count - 1; k >= 0; --k)
        if (amp[k] < floor) {
          phase[k] = phase[count - 1];
          inc[k] = inc[count - 1];
          amp[k] = amp[count - 1];
          kd[k] = kd[count - 1];
          --count;
        }
    float x = 0.0f;
    for (int k = 0; k < count; ++k) {
      x += amp[k] * sine_at(table, phase[k]);
      phase[k] += inc[k];
      amp[k] *= kd[k];
    }
    x += thump.lp(rng.next()) * thump_amp;
    thump_amp *= kthump;
    if (static_cast<std::int64_t>(n) >= gate) rel *= krel;
    buf[n] = 0.5f * x * rel * std::min(1.0f, static_cast<float>(n + 1) / attack);
  }
}

[[gnu::noinline]] void epiano(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  const float ratio = p.tone > 0 ? p.tone : 1.0f;
  std::uint32_t pc = 0, pm = 0, pt = 0;
  const std::uint32_t ic = phase_increment(note.freq), im = phase_increment(note.freq * ratio),
                      it = phase_increment(std::min(kNyquistSafe, note.freq * 14.0f));
  float index = (p.body > 0 ? p.body : 1.5f) * (0.35f + 0.65f * note.velocity);
  const float kindex = decay_coefficient(0.35f);
  const float tau = std::clamp(p.decay * std::sqrt(261.6f / note.freq), 0.3f, 6.0f);
  const float kamp = decay_coefficient(tau), ktine = decay_coefficient(0.04f);
  float amp = note.velocity, tine = 0.25f * note.velocity * p.brightness;
  const std::int64_t gate = static_cast<std::int64_t>(note.duration * kFs);
  const float krel = decay_coefficient(std::max(0.02f, p.release));
  float rel = 1.0f;
  // Slow tremolo (suitcase Rhodes) when vibrato_depth > 0.
  const std::uint32_t trem_inc = phase_increment(p.vibrato_rate);
  std::uint32_t trem = 0;
  for (std::size_t n = 0; n < buf.size(); ++n) {
    const float mod = index * sine_at(table, pm);
    float x = amp * sine_at(table, pc + phase_offset(mod)) + tine * sine_at(table, pt);
    if (p.vibrato_depth > 0) {
      x *= 1.0f + p.vibrato_depth * sine_at(table, trem);
      trem += trem_inc;
    }
    pc += ic;
    pm += im;
    pt += it;
    index *= kindex;
    amp *= kamp;
    tine *= ktine;
    if (static_cast<std::int64_t>(n) >= gate) rel *= krel;
    buf[n] = 0.6f * x * rel * std::min(1.0f, static_cast<float>(n + 1) / (0.002f * kFs));
  }
  (void)rng;
}

// Drawbar sets (footage 16', 8', 5 1/3', 4', 2 2/3', 2', 1 3/5', 1 1/3', 1').
constexpr std::array<float, 9> kDrawbarRatio{0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 8.0f};
constexpr std::array<std::array<float, 9>, 4> kDrawbars{{
    {1.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},    // jazz / blues 888000000
    {0.8f, 0.8f, 0.6f, 0.6f, 0.4f, 0.4f, 0.3f, 0.3f, 0.3f},    // full / gospel
    {0.0f, 0.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},    // thin reggae bubble
    {0.4f, 1.0f, 0.0f, 0.5f, 0.0f, 0.25f, 0.0f, 0.0f, 0.1f},   // pipe-like
}};

[[gnu::noinline]] void organ(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  const auto& bars = kDrawbars[static_cast<std::size_t>(std::clamp(static_cast<int>(p.tone), 0, 3))];
  std::array<std::uint32_t, 9> phase{}, inc{};
  std::array<float, 9> gain{};
  float total = 0.0f;
  for (int i = 0; i < 9; ++i) {
    const double fi = note.freq * kDrawbarRatio[i];
    gain[i] = fi < kNyquistSafe ? bars[i] : 0.0f;
    total += gain[i];
  }
  if (total <= 0) return;
  for (float& g : gain) g /= std::max(1.0f, total * 0.7f);
  Adsr env(p, note.duration);
  float click = 0.3f * note.velocity;
  const float kclick = decay_coefficient(0.002f);
  for (std::size_t b0 = 0; b0 < buf.size(); b0 += kBlock) {
    const double t = static_cast<double>(b0) / kFs;
    // Leslie: pitch and amplitude wobble.
    const double wob = std::sin(kTwoPi * p.vibrato_rate * t);
    const double factor = std::exp2(p.vibrato_depth * wob / 12.0);
    for (int i = 0; i < 9; ++i) inc[i] = phase_increment(note.freq * kDrawbarRatio[i] * factor);
    const float trem = 1.0f + 0.12f * static_cast<float>(wob) * (p.vibrato_depth > 0 ? 1.0f : 0.0f);
    const std::size_t b1 = std::min(buf.size(), b0 + kBlock);
    for (std::size_t n = b0; n < b1; ++n) {
      float x = 0.0f;
      for (int i = 0; i < 9; ++i) {
        if (gain[i] == 0.0f) continue;
        x += gain[i] * sine_at(table, phase[i]);
        phase[i] += inc[i];
      }
      x += click * rng.next();
      click *= kclick;
      buf[n] = x * env.next() * trem * note.velocity;
    }
  }
}

[[gnu::noinline]] void flute(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  std::uint32_t ph = 0;
  Adsr env(p, note.duration);
  Svf breath;
  breath.set(std::min(kNyquistSafe, note.freq * 2.0f), 0.6f);
  for (std::size_t b0 = 0; b0 < buf.size(); b0 += kBlock) {
    const double t = static_cast<double>(b0) / kFs;
    const std::uint32_t inc = phase_increment(note.freq * pitch_factor(p, note, t));
    const std::size_t b1 = std::min(buf.size(), b0 + kBlock);
    for (std::size_t n = b0; n < b1; ++n) {
      const float x = sine_at(table, ph) + 0.22f * sine_at(table, 2 * ph) + 0.06f * sine_at(table, 3 * ph);
      breath.tick(rng.next());
      buf[n] = (x + p.noise * breath.band) * env.next() * note.velocity * 0.8f;
      ph += inc;
    }
  }
}

[[gnu::noinline]] void bell(const Patch& p, const Note& note, AudioNoise& rng, std::span<float> buf) {
  const SineTable& table = sine_table();
  const float ratio = p.body > 0 ? p.body : 3.5f;
  std::uint32_t pc = 0, pm = 0;
  const std::uint32_t ic = phase_increment(note.freq), im = phase_increment(note.freq * ratio);
  float index = (p.tone > 0 ? p.tone : 2.0f) * note.velocity;
  const float kindex = decay_coefficient(0.3f * p.decay);
  float amp = note.velocity;
  const float kamp = decay_coefficient(p.decay);
  const std::uint32_t trem_inc = phase_increment(p.vibrato_rate);
  std::uint32_t trem = 0;
  for (std::size_t n = 0; n < buf.size(); ++n) {
    float x = amp * sine_at(table, pc + phase_offset(index * sine_at(table, pm)));
    if (p.vibrato_depth > 0) {
      x *= 1.0f + p.vibrato_depth * sine_at(table, trem);
      trem += trem_inc;
    }
    buf[n] = 0.6f * x * std::min(1.0f, static_cast<float>(n + 1) / (0.001f * kFs));
    pc += ic;
    pm += im;
    index *= kindex;
    amp *= kamp;
  }
  (void)rng;
}

}  // namespace

float midi_to_hz(double midi) { return static_cast<float>(440.0 * std::exp2((midi - 69.0) / 12.0)); }

float soft_clip(float x) {
  // Pade approximant of tanh, exact at +-3 where it reaches +-1.
  if (x > 3.0f) return 1.0f;
  if (x < -3.0f) return -1.0f;
  const float x2 = x * x;
  return x * (27.0f + x2) / (27.0f + 9.0f * x2);
}

double note_length_s(const Patch& p, const Note& note) {
  const double gate = note.duration;
  // Exponential tails are cut at -40 dB (4.6 time constants); render_note
  // fades the last 5 ms of every note so that the cut never clicks.
  const double release_tail = gate + 4.6 * std::max(0.005f, p.release);
  switch (p.voice) {
    case Voice::Kick: return 4.6 * p.decay + 0.01;
    case Voice::Snare: return std::max(4.6 * p.decay, 0.2) + (p.tone > 0.5f ? 0.012 : 0.0);
    case Voice::Clap: return 0.03 + 4.6 * p.decay;
    case Voice::HatClosed:
    case Voice::HatOpen:
    case Voice::Ride:
    case Voice::Crash:
    case Voice::Rim: return 4.6 * p.decay + 0.005;
    case Voice::Shaker: return p.attack + 4.6 * p.decay;
    case Voice::Synth:
      return p.sustain > 0.0f ? release_tail
                              : std::min(release_tail, p.attack + 4.6 * std::max(0.01f, p.decay));
    case Voice::Pluck: return std::min<double>(std::max(0.05f, p.decay), release_tail);
    case Voice::Piano: {
      const double tau1 = std::clamp(p.decay * std::sqrt(261.6 / note.freq), 0.25, 8.0);
      return std::min(release_tail, 4.6 * tau1);
    }
    case Voice::EPiano: {
      const double tau = std::clamp(p.decay * std::sqrt(261.6 / note.freq), 0.3, 6.0);
      return std::min(release_tail, 4.6 * tau);
    }
    case Voice::Organ:
    case Voice::Flute: return release_tail;
    case Voice::Bell: return 4.6 * p.decay;
  }
  return release_tail;
}

void render_note(const Patch& patch, const Note& note, std::uint64_t noise_seed, std::int64_t out_start,
                 std::span<float> out) {
  const auto onset = static_cast<std::int64_t>(std::llround(note.start * kSampleRate));
  const auto length = static_cast<std::int64_t>(std::ceil(note_length_s(patch, note) * kSampleRate));
  const std::int64_t out_end = out_start + static_cast<std::int64_t>(out.size());
  if (onset >= out_end || onset + length <= out_start || length <= 0) return;
  // Samples from the onset up to the end of the buffer (or of the note).
  const std::int64_t needed = std::min(length, out_end - onset);
  thread_local std::vector<float> scratch;
  scratch.assign(static_cast<std::size_t>(needed), 0.0f);
  std::span<float> buf(scratch);
  AudioNoise rng(stream_seed(noise_seed, "note", note.id));
  switch (patch.voice) {
    case Voice::Kick: kick(patch, note, rng, buf); break;
    case Voice::Snare: snare(patch, note, rng, buf); break;
    case Voice::Clap: clap(patch, note, rng, buf); break;
    case Voice::HatClosed:
    case Voice::HatOpen: cymbal(patch, note, rng, buf, 7500.0f + 2000.0f * patch.brightness, 6000.0f, 0.001f, 4.0f); break;
    case Voice::Ride: cymbal(patch, note, rng, buf, 5200.0f, 3000.0f, 0.002f, 2.5f); break;
    case Voice::Crash: cymbal(patch, note, rng, buf, 6000.0f, 2500.0f, 0.003f, 2.0f); break;
    case Voice::Rim: rim(patch, note, rng, buf); break;
    case Voice::Shaker: shaker(patch, note, rng, buf); break;
    case Voice::Synth: subtractive(patch, note, rng, buf); break;
    case Voice::Pluck: pluck(patch, note, rng, buf); break;
    case Voice::Piano: piano(patch, note, rng, buf); break;
    case Voice::EPiano: epiano(patch, note, rng, buf); break;
    case Voice::Organ: organ(patch, note, rng, buf); break;
    case Voice::Flute: flute(patch, note, rng, buf); break;
    case Voice::Bell: bell(patch, note, rng, buf); break;
  }
  // A 5 ms fade-out at the end of the note (positions relative to the
  // note's full length, so any window gets the same samples).
  const std::int64_t fade = std::min<std::int64_t>(length, kSampleRate / 200);
  for (std::int64_t n = std::max<std::int64_t>(0, length - fade); n < needed; ++n)
    buf[static_cast<std::size_t>(n)] *= static_cast<float>(length - n) / static_cast<float>(fade);
  const std::int64_t first = std::max<std::int64_t>(0, out_start - onset);
  const float gain = patch.gain;
  for (std::int64_t n = first; n < needed; ++n) out[static_cast<std::size_t>(onset + n - out_start)] += gain * buf[n];
}

}  // namespace b2m::synth
