// The ten genre recipes: tempo, feel, harmony, drum patterns, bass lines,
// accompaniment and lead, each with per-track random choices (key, tempo
// within the genre's range, instrument variants, patterns, melody, density).
#include "genres.h"

#include <array>
#include <cmath>
#include <fmt/format.h>

#include "arranger.h"
#include "patches.h"

namespace b2m::synth {
namespace {

namespace P = patches;

const char* kPitchNames[] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};

// Tonic in the second octave (C2 = 36 .. B2 = 47) from pitch classes.
int pick_tonic(Rng& rng, std::initializer_list<int> pitch_classes) {
  std::vector<int> pcs(pitch_classes);
  return 36 + rng.pick(pcs);
}

Patch with_gain(Patch p, float gain) {
  p.gain = gain;
  return p;
}

// The genre's mix EQ, each gain varied by +-1.5 dB per track.
void set_eq(Track& t, Rng& rng, float low_hz, float low_db, float mid_hz, float mid_db, float high_hz, float high_db) {
  auto vary = [&rng](float db) { return db + static_cast<float>(rng.uniform(-1.5, 1.5)); };
  t.eq.low_hz = low_hz;
  t.eq.low_db = vary(low_db);
  t.eq.mid_hz = mid_hz;
  t.eq.mid_db = vary(mid_db);
  t.eq.high_hz = high_hz;
  t.eq.high_db = vary(high_db);
}

// Master gains (t.master_gain) put each genre's mix at an RMS of ~0.15
// (classical, jazz) to ~0.3 (metal) before the soft clipper: clean for the
// acoustic genres, some saturation on the peaks of the loud ones.
struct Recipe {
  Track& track;
  Rng& rng;
  std::vector<std::string> parts;
  std::string key;
  void describe(const std::string& genre, const std::string& feel) {
    std::string list;
    for (const auto& p : parts) list += (list.empty() ? "" : ", ") + p;
    track.summary = fmt::format("{}: {:.0f} bpm {}, {}, {}", genre, track.tempo_bpm, feel, key, list);
  }
};

// A strummed chord: strings staggered by `spread_s`, low to high on a down stroke.
void strum(Arranger& arr, std::uint16_t patch, int bar, double beat, bool down, double seconds, int low,
           double center, float velocity, double spread_s) {
  std::vector<int> pitches = voice_chord(arr.chord_at(bar, beat), arr.tonic(), low, center);
  if (down) {
    pitches.insert(pitches.begin(), pitches.front() - 12);
  } else {
    pitches.erase(pitches.begin());
    velocity *= 0.7f;
  }
  const double t0 = arr.time_at(bar, beat);
  for (std::size_t i = 0; i < pitches.size(); ++i) {
    const std::size_t k = down ? i : pitches.size() - 1 - i;
    arr.note_at(patch, t0 + static_cast<double>(i) * spread_s, seconds, pitches[k], velocity);
  }
}

int bass_pitch(const Arranger& arr, int bar, double beat, int interval, double center) {
  const Chord& c = arr.chord_at(bar, beat);
  return nearest_pitch(arr.tonic(), c.root, center) + interval;
}

// The chord's third (3 or 4) and fifth-ish tones for bass lines.
int third_of(const Chord& c) {
  for (int t : c.tones)
    if (t == 3 || t == 4) return t;
  return 7;
}

// Walking bass: root on beat 1, chord / scale tones, and a chromatic
// approach to the next bar's root on beat 4.
void walking_bar(Arranger& arr, std::uint16_t patch, int bar, double center, float velocity) {
  Rng& rng = arr.rng();
  const int root = bass_pitch(arr, bar, 0, 0, center);
  const int next = bass_pitch(arr, bar + 1, 0, 0, center);
  const Chord& c = arr.chord_at(bar, 0);
  const int third = root + third_of(c);
  const int fifth = root + 7;
  std::array<int, 4> line{root, rng.chance(0.5) ? third : root + 2, rng.chance(0.6) ? fifth : third,
                          next + (rng.chance(0.5) ? -1 : 1)};
  if (arr.beats_per_bar() == 3) line[2] = next + (rng.chance(0.5) ? -1 : 1);
  for (int b = 0; b < arr.beats_per_bar(); ++b) arr.note(patch, bar, b, 0.95, line[static_cast<std::size_t>(std::min(b, 3))], velocity * (b % 2 ? 0.85f : 1.0f));
}

void drum_kit_crash(Arranger& arr, std::uint16_t crash, int bar, int every, float tune) {
  if (bar % every == 0) arr.hit(crash, bar, 0.0, 0.8f, tune);
}

// ---- blues -----------------------------------------------------------------

void blues(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 150, 2, 700, 6, 4500, -1);  // warm, mid-forward, vintage
  t.tempo_bpm = rng.uniform(68, 108);
  t.tonic_midi = pick_tonic(rng, {4, 9, 7, 0, 10, 2});
  const bool minor = rng.chance(0.25);
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Swing8, rng.uniform(0.62, 0.68), 0.008);
  r.key = fmt::format("{} {}", kPitchNames[t.tonic_midi % 12], minor ? "minor blues" : "12-bar blues");
  const bool quick_change = rng.chance(0.5);
  arr.set_harmony(parse_progression(minor ? "i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7"
                                    : quick_change ? "I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"
                                                   : "I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"),
                  1.0);
  const bool brushes = false;  // stick shuffle (brushes are jazz's here)
  const auto kick = arr.add_patch(with_gain(P::kick_jazz(rng), 0.6f));
  const auto snare = arr.add_patch(with_gain(brushes ? P::snare_brush(rng) : P::snare_acoustic(rng), 0.4f));
  const bool ride_hat = false;  // shuffle on the hi-hat (the ride belongs to jazz here)
  const auto hat = arr.add_patch(with_gain(ride_hat ? P::ride(rng) : P::hat_closed(rng), ride_hat ? 0.18f : 0.28f));
  const auto crash = arr.add_patch(with_gain(P::crash(rng), 0.15f));
  const bool upright = rng.chance(0.6);
  const auto bass = arr.add_patch(with_gain(upright ? P::upright_bass(rng) : P::electric_bass(rng), 0.95f));
  const bool boogie = rng.chance(0.5);
  const int comp_kind = rng.integer(0, 2);
  Patch riff_guitar = P::rock_guitar(rng);
  riff_guitar.power_chord = false;
  riff_guitar.drive = static_cast<float>(rng.uniform(0.8, 1.3));  // a warm, barely broken-up tone
  riff_guitar.cutoff = static_cast<float>(rng.uniform(1600, 2200));
  Patch comp_patch = comp_kind == 0 ? P::piano(rng) : comp_kind == 1 ? P::organ(rng, 0) : riff_guitar;
  const auto comp = arr.add_patch(with_gain(comp_patch, comp_kind == 1 ? 0.22f : 0.4f));
  const bool harp = rng.chance(0.65);
  const auto lead = arr.add_patch(with_gain(harp ? P::harmonica(rng) : P::blues_guitar(rng), harp ? 0.35f : 0.8f));
  r.parts = {brushes ? "brushed drums" : "shuffle drums", upright ? "upright bass" : "electric bass",
             comp_kind == 0 ? "piano" : comp_kind == 1 ? "organ" : "boogie rhythm guitar", harp ? "harmonica" : "electric blues guitar"};
  const std::string kick_pat = rng.chance(0.5) ? "x...x..." : "x..ox...";
  for (int bar = 0; bar < arr.bars(); ++bar) {
    arr.pattern(kick, kick_pat, 2, bar, 58.0f, 0.8f);
    arr.pattern(snare, brushes ? "x.X.x.X." : "..X...X.", 2, bar, 190.0f);
    arr.pattern(hat, ride_hat ? "x.xXx.xX" : "XxXxXxXx", 2, bar, 330.0f, 0.8f);
    drum_kit_crash(arr, crash, bar, 12, 360.0f);
    const Chord& c = arr.chord_at(bar, 0);
    if (boogie) {
      const int third = third_of(c);
      const std::array<int, 8> line{0, third, 7, 9, 10, 9, 7, third};
      for (int i = 0; i < 8; ++i) arr.note(bass, bar, 0.5 * i, 0.45, bass_pitch(arr, bar, 0, 0, 40) + line[i], 0.85f);
    } else {
      walking_bar(arr, bass, bar, 40, 0.9f);
    }
    if (comp_kind == 0) {
      for (double beat : {1.0, 3.0}) add_chord(arr, comp, bar, beat, 0.4, 55, 62, 0.6f);
      if (rng.chance(0.5)) add_chord(arr, comp, bar, 2.5, 0.4, 55, 64, 0.45f);
    } else if (comp_kind == 1) {
      add_chord(arr, comp, bar, 0.0, 3.9, 53, 60, 0.6f);
    } else {
      // Two-note shuffle riff: root + fifth, root + sixth.
      const int root = bass_pitch(arr, bar, 0, 0, 52);
      for (int i = 0; i < 8; ++i) {
        arr.note(comp, bar, 0.5 * i, 0.45, root, 0.6f);
        arr.note(comp, bar, 0.5 * i, 0.45, root + ((i / 2) % 2 ? 9 : 7), 0.55f);
      }
    }
  }
  MelodySpec m;
  m.scale = scales::blues;
  m.low = harp ? 60 : 57;
  m.high = harp ? 84 : 79;
  m.grid = 0.5;
  m.density = rng.uniform(0.35, 0.55);
  m.legato = 0.85;
  m.bend = 0.3;
  m.chord_tones = 0.6;
  add_melody(arr, lead, m, 0, arr.bars(), [](int bar) { return (bar / 2) % 2 == 0; });
  t.master_gain = 0.57f;
  r.describe("blues", "shuffle");
}

// ---- classical ---------------------------------------------------------------

void classical(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 80, -3, 500, 2, 3500, -9);  // dark hall
  const bool waltz = rng.chance(0.3);
  t.tempo_bpm = waltz ? rng.uniform(84, 132) : rng.uniform(60, 100);
  t.tonic_midi = pick_tonic(rng, {0, 2, 4, 5, 7, 9, 10, 3});
  const bool minor = rng.chance(0.4);
  Arranger arr(t, rng, t.tempo_bpm, waltz ? 3 : 4, Feel::Straight, 0.5, 0.012);
  r.key = fmt::format("{} {}{}", kPitchNames[t.tonic_midi % 12], minor ? "minor" : "major", waltz ? ", 3/4" : "");
  static const std::vector<std::string> kMajor{"I IV V I", "I vi IV V", "I V vi iii IV I IV V", "I ii V I", "I IV ii V"};
  static const std::vector<std::string> kMinor{"i iv V i", "i bVI iv V", "i v bVI bIII iv i iv V"};
  arr.set_harmony(parse_progression(minor ? rng.pick(kMinor) : rng.pick(kMajor)), 1.0);
  const int ensemble = rng.weighted(std::array<double, 4>{0.4, 0.2, 0.3, 0.1});
  const std::vector<int>& scale = minor ? scales::harmonic_minor : scales::major;
  const int bpb = arr.beats_per_bar();
  MelodySpec m;
  m.scale = scale;
  m.grid = rng.chance(0.5) ? 0.5 : 1.0;
  m.density = rng.uniform(0.35, 0.55);
  m.legato = 0.97;
  m.max_beats = 3.0;
  m.leap = 0.1;
  m.velocity = 0.7f;
  if (ensemble == 0 || ensemble == 2) {
    const auto pad = arr.add_patch(with_gain(P::strings(rng), 0.3f));
    const auto low = arr.add_patch(with_gain(P::cello(rng), 0.45f));
    const bool flute = ensemble == 2;
    const auto lead = arr.add_patch(with_gain(flute ? P::flute(rng) : P::violin(rng), flute ? 0.4f : 0.35f));
    std::uint16_t harp = 0;
    if (ensemble == 2) harp = arr.add_patch(with_gain(P::harp(rng), 0.6f));
    r.parts = ensemble == 0 ? std::vector<std::string>{"string ensemble", "cello", "solo violin"}
                            : std::vector<std::string>{"strings", "cello", "harp", "flute"};
    for (int bar = 0; bar < arr.bars(); ++bar) {
      add_chord(arr, pad, bar, 0.0, bpb, 55, 63, 0.6f);
      const int root = bass_pitch(arr, bar, 0, 0, 43);
      if (rng.chance(0.5)) {
        arr.note(low, bar, 0.0, bpb, root, 0.7f);
      } else {
        arr.note(low, bar, 0.0, bpb / 2.0, root, 0.7f);
        arr.note(low, bar, bpb / 2.0, bpb / 2.0, root + 7 - 12 * (root + 7 > 50), 0.6f);
      }
      if (ensemble == 2) {
        const std::vector<int> tones = voice_chord(arr.chord_at(bar, 0), arr.tonic(), 55, 62);
        for (int i = 0; i < 2 * bpb; ++i) {
          const std::size_t k = static_cast<std::size_t>(i) % (tones.size() + 1);
          const int p = k < tones.size() ? tones[k] : tones.front() + 12;
          arr.note(harp, bar, 0.5 * i, 1.0, p + (i >= bpb ? 12 : 0), 0.55f);
        }
      }
    }
    m.low = flute ? 67 : 64;
    m.high = flute ? 91 : 88;
    add_melody(arr, lead, m, 0, arr.bars(), [](int) { return true; });
  } else if (ensemble == 1) {
    const auto lh = arr.add_patch(with_gain(P::piano(rng), 0.45f));
    const auto rh = arr.add_patch(with_gain(P::piano(rng), 0.55f));
    const auto pad = arr.add_patch(with_gain(P::strings(rng), 0.2f));
    r.parts = {"piano", "string ensemble"};
    const bool alberti = rng.chance(0.6);
    for (int bar = 0; bar < arr.bars(); ++bar) {
      const std::vector<int> v = voice_chord(arr.chord_at(bar, 0), arr.tonic(), 48, 54);
      const int root = bass_pitch(arr, bar, 0, 0, 43);
      add_chord(arr, pad, bar, 0.0, bpb, 55, 64, 0.5f);
      if (alberti && v.size() >= 3) {
        const std::array<int, 4> order{0, 2, 1, 2};
        for (int i = 0; i < 2 * bpb; ++i) arr.note(lh, bar, 0.5 * i, 0.5, v[static_cast<std::size_t>(order[i % 4])], i % 4 ? 0.45f : 0.6f);
      } else {
        arr.note(lh, bar, 0.0, bpb, root, 0.6f);
        for (int i = 1; i < 2 * bpb; ++i) arr.note(lh, bar, 0.5 * i, 0.5, v[static_cast<std::size_t>(i) % v.size()], 0.45f);
      }
    }
    m.low = 62;
    m.high = 86;
    m.grid = 0.5;
    add_melody(arr, rh, m, 0, arr.bars(), [](int) { return true; });
  } else {
    const auto organ = arr.add_patch(with_gain(P::organ(rng, 3), 0.35f));
    const auto pedal = arr.add_patch(with_gain(P::organ(rng, 3), 0.35f));
    const auto lead = arr.add_patch(with_gain(P::flute(rng), 0.4f));
    r.parts = {"pipe organ", "flute"};
    for (int bar = 0; bar < arr.bars(); ++bar) {
      add_chord(arr, organ, bar, 0.0, bpb, 55, 64, 0.6f);
      arr.note(pedal, bar, 0.0, bpb, bass_pitch(arr, bar, 0, 0, 38), 0.6f);
    }
    m.low = 67;
    m.high = 91;
    add_melody(arr, lead, m, 0, arr.bars(), [](int bar) { return bar >= 1; });
  }
  t.reverb = static_cast<float>(rng.uniform(0.5, 0.8));  // a concert hall
  t.master_gain = 0.45f;
  r.describe("classical", waltz ? "waltz" : "straight");
}

// ---- country -----------------------------------------------------------------

void country(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 120, -4, 3000, 3, 7000, 5);  // bright twang
  t.tempo_bpm = rng.uniform(92, 138);
  t.tonic_midi = pick_tonic(rng, {7, 0, 2, 9, 4});
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Straight, 0.5, 0.006);
  r.key = fmt::format("{} major", kPitchNames[t.tonic_midi % 12]);
  static const std::vector<std::string> kProg{"I IV I V", "I IV V I", "I I IV IV V V I I", "I V IV I", "I IV I V I IV V I"};
  arr.set_harmony(parse_progression(rng.pick(kProg)), 1.0);
  const bool train = rng.chance(0.5);
  const auto kick = arr.add_patch(with_gain(P::kick_acoustic(rng), 0.4f));
  const auto snare = arr.add_patch(with_gain(train && rng.chance(0.5) ? P::snare_brush(rng) : P::snare_acoustic(rng), train ? 0.14f : 0.22f));
  const auto hat = arr.add_patch(with_gain(P::hat_closed(rng), 0.15f));
  const auto bass = arr.add_patch(with_gain(rng.chance(0.5) ? P::upright_bass(rng) : P::electric_bass(rng), 1.0f));
  Patch steel_strings = P::acoustic_guitar(rng);
  steel_strings.brightness = static_cast<float>(rng.uniform(0.75, 0.9));
  steel_strings.cutoff = 7500.0f;
  steel_strings.tone = 0.3f;  // a little bridge twang
  const auto guitar = arr.add_patch(with_gain(steel_strings, 0.5f));
  const bool banjo = rng.chance(0.75);
  const auto roll = arr.add_patch(with_gain(P::banjo(rng), 0.35f));
  const int lead_kind = rng.weighted(std::array<double, 3>{0.4, 0.35, 0.25});
  const Patch lead_patch = lead_kind == 0 ? P::twang_guitar(rng) : lead_kind == 1 ? P::fiddle(rng) : P::pedal_steel(rng);
  const auto lead = arr.add_patch(with_gain(lead_patch, lead_kind == 0 ? 0.5f : 0.35f));
  const char* lead_name = lead_kind == 0 ? "twangy telecaster" : lead_kind == 1 ? "fiddle" : "pedal steel";
  r.parts = {train ? "train beat" : "boom-chick drums", "root-fifth bass", "strummed acoustic guitar"};
  if (banjo) r.parts.push_back("banjo rolls");
  r.parts.push_back(lead_name);
  const std::string strum_pattern = rng.chance(0.5) ? "D.DU.UDU" : "D.D.DUDU";
  for (int bar = 0; bar < arr.bars(); ++bar) {
    arr.pattern(kick, "x.......x.......", 4, bar, 60.0f);
    if (train) arr.pattern(snare, "ooooXoooooooXooo", 4, bar, 200.0f);
    else {
      arr.pattern(snare, "....x.......x...", 4, bar, 200.0f);
      arr.pattern(hat, "x.x.x.x.x.x.x.x.", 4, bar, 360.0f);
    }
    const Chord& c = arr.chord_at(bar, 0);
    const int root = bass_pitch(arr, bar, 0, 0, 40);
    arr.note(bass, bar, 0.0, 0.9, root, 0.9f);
    arr.note(bass, bar, 2.0, 0.9, root - 5, 0.8f);
    const bool change = arr.chord_at(bar + 1, 0).root != c.root;
    if (change && rng.chance(0.5)) {
      const int next = bass_pitch(arr, bar + 1, 0, 0, 40);
      const int dir = next > root ? 1 : -1;
      arr.note(bass, bar, 3.0, 0.45, next - 3 * dir, 0.7f);
      arr.note(bass, bar, 3.5, 0.45, next - 1 * dir, 0.7f);
    } else {
      arr.note(bass, bar, 3.0, 0.9, root + third_of(c), 0.7f);
    }
    for (int i = 0; i < 8; ++i) {
      const char s = strum_pattern[static_cast<std::size_t>(i)];
      if (s == '.') continue;
      strum(arr, guitar, bar, 0.5 * i, s == 'D', 0.45 * 60.0 / t.tempo_bpm, 52, 60, 0.7f, 0.012);
    }
    if (banjo) {
      const std::vector<int> v = voice_chord(c, arr.tonic(), 62, 68);
      const std::array<int, 8> roll_order{0, 1, 2, 0, 1, 2, 0, 1};
      for (int i = 0; i < 16; ++i)
        arr.note(roll, bar, 0.25 * i, 0.3, v[static_cast<std::size_t>(roll_order[i % 8]) % v.size()], i % 4 ? 0.5f : 0.7f);
    }
  }
  MelodySpec m;
  m.scale = rng.chance(0.7) ? scales::major_pentatonic : scales::major;
  m.low = 62;
  m.high = 84;
  m.grid = lead_kind == 1 ? 0.25 : 0.5;
  m.density = rng.uniform(0.4, 0.6);
  m.bend = lead_kind == 2 ? 0.35 : 0.15;
  m.legato = lead_kind == 0 ? 0.7 : 0.9;
  add_melody(arr, lead, m, 1, arr.bars(), [](int bar) { return bar % 8 != 0; });
  t.master_gain = 0.87f;
  r.describe("country", "straight");
}

// ---- disco -------------------------------------------------------------------

void disco(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 70, 5, 800, -3, 7000, 4);  // smile curve
  t.tempo_bpm = rng.uniform(112, 128);
  t.tonic_midi = pick_tonic(rng, {9, 2, 4, 7, 0, 5});
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Straight, 0.5, 0.002);
  const int mode = rng.integer(0, 2);  // minor, dorian, major
  r.key = fmt::format("{} {}", kPitchNames[t.tonic_midi % 12], mode == 0 ? "minor" : mode == 1 ? "dorian" : "major");
  static const std::vector<std::string> kMinor{"i7 iv7", "i7 bVII", "i7 iv7 bVII bIII", "i7 i7 iv7 V7"};
  static const std::vector<std::string> kMajor{"Imaj7 ii7", "IVmaj7 iii7 ii7 Imaj7", "ii7 V7 Imaj7 vi7"};
  arr.set_harmony(parse_progression(mode == 0 ? rng.pick(kMinor) : mode == 1 ? std::string("i7 IV7") : rng.pick(kMajor)),
                  rng.chance(0.5) ? 1.0 : 2.0);
  const auto kick = arr.add_patch(with_gain(P::kick_disco(rng), 0.7f));
  const bool use_clap = rng.chance(0.5);
  const auto snare = arr.add_patch(with_gain(use_clap ? P::clap(rng) : P::snare_acoustic(rng), 0.45f));
  const auto hat = arr.add_patch(with_gain(P::hat_closed(rng), 0.22f));
  const auto open = arr.add_patch(with_gain(P::hat_open(rng), 0.3f));
  const auto crash = arr.add_patch(with_gain(P::crash(rng), 0.15f));
  const bool synth = rng.chance(0.6);
  const auto bass = arr.add_patch(with_gain(synth ? P::synth_bass(rng) : P::electric_bass(rng), synth ? 0.55f : 0.8f));
  const auto pad = arr.add_patch(with_gain(P::disco_strings(rng), 0.35f));
  const bool scratch = rng.chance(0.6);
  const auto gtr = arr.add_patch(with_gain(P::scratch_guitar(rng), 0.25f));
  const bool stabs = rng.chance(0.4);
  const auto horn = arr.add_patch(with_gain(P::brass(rng), 0.25f));
  const bool string_lead = rng.chance(0.5);
  const auto lead = arr.add_patch(with_gain(string_lead ? P::disco_strings(rng) : P::pop_lead(rng), 0.45f));
  r.parts = {"four-on-the-floor drums", synth ? "octave synth bass" : "octave bass", "string pad"};
  if (scratch) r.parts.push_back("chicken-scratch guitar");
  if (stabs) r.parts.push_back("brass stabs");
  r.parts.push_back(string_lead ? "string melody" : "synth lead");
  const bool sixteenths = rng.chance(0.5);
  for (int bar = 0; bar < arr.bars(); ++bar) {
    arr.pattern(kick, "X...X...X...X...", 4, bar, 55.0f);
    arr.pattern(snare, "....x.......x...", 4, bar, 200.0f);
    arr.pattern(open, "..x...x...x...x.", 4, bar, 380.0f);
    arr.pattern(hat, sixteenths ? "xo.oxo.oxo.oxo.o" : "x...x...x...x...", 4, bar, 380.0f, 0.8f);
    drum_kit_crash(arr, crash, bar, 8, 360.0f);
    const int root = bass_pitch(arr, bar, 0, 0, 40);
    for (int i = 0; i < 8; ++i) arr.note(bass, bar, 0.5 * i, 0.4, root + (i % 2 ? 12 : 0), i % 2 ? 0.7f : 0.9f);
    if (bar % static_cast<int>(arr.bars_per_chord()) == 0)
      add_chord(arr, pad, bar, 0.0, 4.0 * arr.bars_per_chord() - 0.1, 57, 64, 0.6f);
    if (scratch) {
      const std::vector<int> v = voice_chord(arr.chord_at(bar, 0), arr.tonic(), 62, 68);
      for (int i = 0; i < 16; ++i) {
        if (i % 4 == 0 && rng.chance(0.5)) continue;
        for (int p : v) arr.note(gtr, bar, 0.25 * i, 0.12, p, i % 2 ? 0.45f : 0.7f);
      }
    }
    if (stabs && bar % 2 == 1) add_chord(arr, horn, bar, 3.5, 0.4, 60, 67, 0.8f);
  }
  MelodySpec m;
  m.scale = mode == 2 ? scales::major : mode == 1 ? scales::dorian : scales::minor;
  m.low = 67;
  m.high = 88;
  m.grid = 0.5;
  m.density = rng.uniform(0.35, 0.55);
  add_melody(arr, lead, m, 2, arr.bars(), [](int) { return true; });
  t.master_gain = 0.55f;
  r.describe("disco", "straight");
}

// ---- hip hop -----------------------------------------------------------------

void hiphop(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 90, 6, 1500, -2, 5000, -4);  // heavy low end, dusty top
  t.tempo_bpm = rng.uniform(80, 96);
  t.tonic_midi = pick_tonic(rng, {1, 2, 3, 5, 7, 8, 10, 0});
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Swing16, rng.uniform(0.56, 0.66), 0.004);
  r.key = fmt::format("{} minor", kPitchNames[t.tonic_midi % 12]);
  static const std::vector<std::string> kProg{"i7 iv7", "i7 bVImaj7", "i7 bVIImaj7 bVImaj7 V7", "i9 iv9", "i7 i7 bVImaj7 bVII"};
  arr.set_harmony(parse_progression(rng.pick(kProg)), rng.chance(0.5) ? 1.0 : 2.0);
  static const std::vector<std::string> kKicks{"x.....x...x.....", "x......xx.x.....", "x.x.......x..x..", "x.....x.x.....x."};
  const std::string kick_pat = rng.pick(kKicks);
  const auto kick = arr.add_patch(with_gain(P::kick_808(rng), 0.45f));
  const auto snare = arr.add_patch(with_gain(P::snare_fat(rng), 0.6f));
  const bool clap_layer = rng.chance(0.3);
  const auto clap = arr.add_patch(with_gain(P::clap(rng), 0.3f));
  const auto hat = arr.add_patch(with_gain(P::hat_closed(rng), 0.22f));
  const auto bass = arr.add_patch(with_gain(P::sub_808(rng), 0.35f));
  const int keys_kind = rng.weighted(std::array<double, 3>{0.6, 0.3, 0.1});
  const Patch keys_patch = keys_kind == 0 ? P::epiano(rng) : keys_kind == 1 ? P::piano(rng) : P::strings(rng);
  const auto keys = arr.add_patch(with_gain(keys_patch, keys_kind == 2 ? 0.32f : 0.5f));
  const bool has_lead = rng.chance(0.7);
  const int lead_kind = rng.integer(0, 2);
  const Patch lead_patch = lead_kind == 0 ? P::glockenspiel(rng) : lead_kind == 1 ? P::flute(rng) : P::pop_pluck(rng);
  const auto lead = arr.add_patch(with_gain(lead_patch, 0.5f));
  r.parts = {"boom-bap drums", "808 sub bass", keys_kind == 0 ? "electric piano" : keys_kind == 1 ? "piano loop" : "dark strings"};
  if (has_lead) r.parts.push_back(lead_kind == 0 ? "bell motif" : lead_kind == 1 ? "flute motif" : "pluck motif");
  const std::string hat_pat = rng.chance(0.5) ? "x.x.x.x.x.x.x.x." : "x?x?x?xox?x?x?xo";
  for (int bar = 0; bar < arr.bars(); ++bar) {
    arr.pattern(kick, kick_pat, 4, bar, 48.0f);
    arr.pattern(snare, "....X.......X...", 4, bar, 180.0f);
    if (clap_layer) arr.pattern(clap, "....x.......x...", 4, bar, 0.0f);
    arr.pattern(hat, hat_pat, 4, bar, 400.0f, 0.8f);
    // 808 notes on the kicks, each held to the next kick.
    std::vector<int> hits;
    for (int i = 0; i < 16; ++i)
      if (kick_pat[static_cast<std::size_t>(i)] != '.') hits.push_back(i);
    for (std::size_t h = 0; h < hits.size(); ++h) {
      const int next = h + 1 < hits.size() ? hits[h + 1] : 16;
      const double beat = hits[h] * 0.25;
      const int root = bass_pitch(arr, bar, beat, 0, 38);
      const int pitch = h > 0 && rng.chance(0.25) ? root + (rng.chance(0.5) ? 7 : 12) : root;
      arr.note(bass, bar, beat, std::min(1.5, (next - hits[h]) * 0.25), pitch, 0.9f,
               rng.chance(0.15) ? 5.0f : 0.0f);
    }
    if (bar % static_cast<int>(arr.bars_per_chord()) == 0 || rng.chance(0.3)) {
      add_chord(arr, keys, bar, 0.0, 2.0, 55, 63, 0.55f);
      add_chord(arr, keys, bar, 2.5, 1.4, 55, 63, 0.45f);
    }
  }
  if (has_lead) {
    MelodySpec m;
    m.scale = scales::minor_pentatonic;
    m.low = 67;
    m.high = 84;
    m.grid = 0.5;
    m.density = rng.uniform(0.25, 0.4);
    m.motif_bars = 1;
    m.legato = 0.6;
    add_melody(arr, lead, m, 0, arr.bars(), [](int bar) { return bar % 4 != 3; });
  }
  t.master_gain = 0.4f;
  r.describe("hiphop", "swung 16ths");
}

// ---- jazz --------------------------------------------------------------------

void jazz(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 200, 2, 350, 3, 6000, -3);  // warm
  t.tempo_bpm = rng.uniform(100, 190);
  t.tonic_midi = pick_tonic(rng, {5, 10, 3, 0, 7, 8});
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Swing8, rng.uniform(0.6, 0.67), 0.006);
  const bool minor = rng.chance(0.2);
  r.key = fmt::format("{} {}", kPitchNames[t.tonic_midi % 12], minor ? "minor" : "major");
  static const std::vector<std::string> kMajor{"ii7 V7 Imaj7 Imaj7", "Imaj7 vi7 ii7 V7", "iii7 VI7 ii7 V7",
                                              "Imaj7 I7 IVmaj7 iv7 iii7 VI7 ii7 V7"};
  arr.set_harmony(parse_progression(minor ? std::string("iim7b5 V7 i7 i7") : rng.pick(kMajor)), 1.0);
  const bool brushes = rng.chance(0.4);
  const auto ride = arr.add_patch(with_gain(P::ride(rng), 0.22f));
  const auto pedal = arr.add_patch(with_gain(P::hat_closed(rng), 0.12f));
  const auto snare = arr.add_patch(with_gain(brushes ? P::snare_brush(rng) : P::snare_acoustic(rng), brushes ? 0.2f : 0.18f));
  const auto kick = arr.add_patch(with_gain(P::kick_jazz(rng), 0.35f));
  const auto bass = arr.add_patch(with_gain(P::upright_bass(rng), 1.0f));
  const int comp_kind = rng.weighted(std::array<double, 3>{0.55, 0.25, 0.2});
  const Patch comp_patch = comp_kind == 0 ? P::piano(rng) : comp_kind == 1 ? P::acoustic_guitar(rng) : P::epiano(rng);
  const auto comp = arr.add_patch(with_gain(comp_patch, 0.4f));
  const int lead_kind = rng.weighted(std::array<double, 3>{0.45, 0.25, 0.3});
  const Patch lead_patch = lead_kind == 0 ? P::sax(rng) : lead_kind == 1 ? P::trumpet(rng) : P::vibes(rng);
  const auto lead = arr.add_patch(with_gain(lead_patch, lead_kind == 2 ? 0.45f : 0.4f));
  r.parts = {brushes ? "brushes and ride" : "swing ride", "walking upright bass",
             comp_kind == 0 ? "piano comping" : comp_kind == 1 ? "jazz guitar comping" : "rhodes comping",
             lead_kind == 0 ? "tenor sax" : lead_kind == 1 ? "trumpet" : "vibraphone"};
  for (int bar = 0; bar < arr.bars(); ++bar) {
    arr.pattern(ride, "x.Xxx.Xx", 2, bar, 320.0f, 0.8f);
    arr.pattern(pedal, "..x...x.", 2, bar, 380.0f);
    arr.pattern(snare, brushes ? "x.x.x.x." : "?.o.?.oo", 2, bar, 200.0f, brushes ? 0.5f : 0.6f);
    arr.pattern(kick, "o.o.o.o.", 2, bar, 60.0f, 0.5f);
    walking_bar(arr, bass, bar, 40, 0.9f);
    // Rootless voicings (third, fifth, seventh, ninth) in syncopated hits.
    Chord c = arr.chord_at(bar, 0);
    Chord rootless = c;
    rootless.tones.clear();
    for (int tone : c.tones)
      if (tone != 0) rootless.tones.push_back(tone);
    rootless.tones.push_back(14);
    const double center = 63;
    if (rng.chance(0.5)) {  // Charleston
      for (int p : voice_chord(rootless, arr.tonic(), 55, center)) {
        arr.note(comp, bar, 0.0, 0.5, p, 0.55f);
        arr.note(comp, bar, 1.5, 1.0, p, 0.5f);
      }
    } else {
      static const std::array<double, 6> kSlots{0.0, 0.5, 1.5, 2.0, 2.5, 3.5};
      for (double s : kSlots)
        if (rng.chance(0.35))
          for (int p : voice_chord(rootless, arr.tonic(), 55, center)) arr.note(comp, bar, s, rng.chance(0.5) ? 0.5 : 1.0, p, 0.5f);
    }
  }
  MelodySpec m;
  m.scale = minor ? scales::dorian : scales::major;
  m.low = lead_kind == 0 ? 56 : 60;
  m.high = lead_kind == 0 ? 80 : 84;
  m.grid = 0.5;
  m.density = rng.uniform(0.55, 0.75);
  m.chromatic = 0.2;
  m.leap = 0.2;
  m.legato = 0.9;
  m.motif_bars = 2;
  add_melody(arr, lead, m, 0, arr.bars(), [](int bar) { return bar % 8 < 6; });
  t.master_gain = 0.54f;
  r.describe("jazz", "swing");
}

// ---- metal -------------------------------------------------------------------

void metal(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 100, 2, 600, -5, 4000, 4);  // scooped mids
  const bool half_time = rng.chance(0.25);
  t.tempo_bpm = half_time ? rng.uniform(90, 120) : rng.uniform(140, 200);
  t.tonic_midi = rng.pick(std::vector<int>{40, 38, 37, 35, 36});
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Straight, 0.5, 0.002);
  const int mode = rng.integer(0, 2);
  r.key = fmt::format("{} {}", kPitchNames[t.tonic_midi % 12], mode == 0 ? "phrygian" : mode == 1 ? "harmonic minor" : "minor");
  static const std::vector<std::string> kRiffs{"i5 i5 bII5 i5", "i5 bVI5 bVII5 i5", "i5 bIII5 iv5 bII5", "i5 i5 bVI5 bVII5"};
  arr.set_harmony(parse_progression(rng.pick(kRiffs)), rng.chance(0.3) ? 0.5 : 1.0);
  const int kick_kind = rng.weighted(std::array<double, 3>{0.5, 0.25, 0.25});
  const bool blast = !half_time && rng.chance(0.15);
  const auto kick = arr.add_patch(with_gain(P::kick_metal(rng), 0.5f));
  const auto snare = arr.add_patch(with_gain(P::snare_metal(rng), 0.5f));
  const bool china = rng.chance(0.4);
  const auto cym = arr.add_patch(with_gain(china ? P::crash(rng) : P::hat_closed(rng), china ? 0.12f : 0.25f));
  const auto crash = arr.add_patch(with_gain(P::crash(rng), 0.18f));
  const auto guitar = arr.add_patch(with_gain(P::metal_guitar(rng), 0.4f));
  const auto bass = arr.add_patch(with_gain(P::distorted_bass(rng), 0.4f));
  const bool solo = rng.chance(0.5);
  const auto lead = arr.add_patch(with_gain(P::lead_guitar(rng, static_cast<float>(rng.uniform(10, 16))), 0.3f));
  r.parts = {kick_kind == 0 ? "double-kick drums" : kick_kind == 1 ? "gallop drums" : "driving drums",
             "distorted power chords", "distorted bass"};
  if (blast) r.parts.push_back("blast beats");
  if (solo) r.parts.push_back("shred lead");
  static const std::vector<std::string> kChugs{"x.xxx.xxx.xx.x.x", "xxxxxxxxxxxxxxxx", "x.x.xxx.x.x.xxx.", "x..x..x.x..x..x."};
  const std::string chug = rng.pick(kChugs);
  const char* kick_pat = kick_kind == 0 ? "xxxxxxxxxxxxxxxx" : kick_kind == 1 ? "x.xxx.xxx.xxx.xx" : "x.x.x.x.x.x.x.x.";
  for (int bar = 0; bar < arr.bars(); ++bar) {
    arr.pattern(kick, kick_pat, 4, bar, 65.0f, 0.85f);
    arr.pattern(snare, blast ? "x.x.x.x.x.x.x.x." : half_time ? "........X......." : "....X.......X...", 4, bar, 230.0f);
    arr.pattern(cym, china ? "x...x...x...x..." : "x.x.x.x.x.x.x.x.", 4, bar, 420.0f);
    drum_kit_crash(arr, crash, bar, 2, 380.0f);
    for (int i = 0; i < 16; ++i) {
      if (chug[static_cast<std::size_t>(i)] == '.') continue;
      const double beat = 0.25 * i;
      const Chord& c = arr.chord_at(bar, beat);
      const int root = nearest_pitch(arr.tonic(), c.root, 42);
      const bool change = i == 0 || arr.chord_at(bar, beat - 0.25).root != c.root;
      const double len = change ? 0.9 : 0.18;
      arr.note(guitar, bar, beat, len, root, change ? 0.95f : 0.75f);
      if (i % 2 == 0) arr.note(bass, bar, beat, 0.45, root - 12 < 28 ? root : root - 12, 0.85f);
    }
  }
  if (solo) {
    MelodySpec m;
    m.scale = mode == 0 ? scales::phrygian : mode == 1 ? scales::harmonic_minor : scales::minor;
    m.low = 64;
    m.high = 88;
    m.grid = 0.25;
    m.density = rng.uniform(0.5, 0.75);
    m.legato = 0.95;
    m.velocity = 0.7f;
    add_melody(arr, lead, m, 2, arr.bars(), [](int bar) { return (bar / 2) % 2 == 1; });
  }
  t.master_gain = 0.58f;
  r.describe("metal", half_time ? "half-time" : "straight");
}

// ---- pop ---------------------------------------------------------------------

void pop(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 100, 1, 2500, 3, 9000, 6);  // bright and airy
  t.tempo_bpm = rng.uniform(96, 126);
  t.tonic_midi = pick_tonic(rng, {0, 7, 2, 9, 5, 4, 10});
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Straight, 0.5, 0.001);
  r.key = fmt::format("{} major", kPitchNames[t.tonic_midi % 12]);
  static const std::vector<std::string> kProg{"I V vi IV", "vi IV I V", "I vi IV V", "IV I V vi", "I IV vi V"};
  arr.set_harmony(parse_progression(rng.pick(kProg)), 1.0);
  static const std::vector<std::string> kKicks{"x.....x.x.......", "x..x..x...x.....", "x.......x.x....."};
  const std::string kick_pat = rng.pick(kKicks);
  const auto kick = arr.add_patch(with_gain(P::kick_disco(rng), 0.6f));
  const bool clap_snare = rng.chance(0.7);
  const auto snare = arr.add_patch(with_gain(clap_snare ? P::clap(rng) : P::snare_acoustic(rng), 0.45f));
  const auto hat = arr.add_patch(with_gain(P::hat_closed(rng), 0.22f));
  const bool shaker = rng.chance(0.5);
  const auto shk = arr.add_patch(with_gain(P::shaker(rng), 0.18f));
  const auto crash = arr.add_patch(with_gain(P::crash(rng), 0.15f));
  const bool synth_bass = rng.chance(0.6);
  const auto bass = arr.add_patch(with_gain(synth_bass ? P::synth_bass(rng) : P::electric_bass(rng), synth_bass ? 0.5f : 0.75f));
  const int comp_kind = rng.weighted(std::array<double, 3>{0.55, 0.35, 0.1});
  const auto comp = arr.add_patch(with_gain(comp_kind == 2 ? P::bright_piano(rng) : P::pop_pad(rng), comp_kind == 2 ? 0.5f : 0.35f));
  const bool arps = rng.chance(0.4);
  const auto arp = arr.add_patch(with_gain(P::pop_pluck(rng), 0.2f));
  const auto lead = arr.add_patch(with_gain(P::pop_lead(rng), 0.5f));
  r.parts = {"pop drums", synth_bass ? "synth bass" : "electric bass",
             comp_kind == 0 ? "bright synth pad" : comp_kind == 1 ? "pulsing synth chords" : "bright piano"};
  if (arps) r.parts.push_back("pluck arpeggios");
  r.parts.push_back("synth lead hook");
  for (int bar = 0; bar < arr.bars(); ++bar) {
    arr.pattern(kick, kick_pat, 4, bar, 55.0f);
    arr.pattern(snare, "....x.......x...", 4, bar, 200.0f);
    arr.pattern(hat, "x.x.x.x.x.x.x.x.", 4, bar, 400.0f, 0.85f);
    if (shaker) arr.pattern(shk, "oxoxoxoxoxoxoxox", 4, bar, 0.0f);
    drum_kit_crash(arr, crash, bar, 4, 360.0f);
    const int root = bass_pitch(arr, bar, 0, 0, 40);
    for (int i = 0; i < 8; ++i) arr.note(bass, bar, 0.5 * i, 0.42, root, i % 2 ? 0.7f : 0.85f);
    if (comp_kind == 0) add_chord(arr, comp, bar, 0.0, 3.9, 57, 65, 0.6f);
    else if (comp_kind == 1)
      for (int i = 0; i < 8; ++i) add_chord(arr, comp, bar, 0.5 * i, 0.35, 57, 65, i % 2 ? 0.45f : 0.6f);
    else
      for (int i = 0; i < 4; ++i) add_chord(arr, comp, bar, i, 0.9, 55, 64, 0.55f);
    if (arps) {
      const std::vector<int> v = voice_chord(arr.chord_at(bar, 0), arr.tonic(), 67, 72);
      for (int i = 0; i < 16; ++i) arr.note(arp, bar, 0.25 * i, 0.2, v[static_cast<std::size_t>(i) % v.size()] + (i % 8 >= 4 ? 12 : 0), 0.5f);
    }
  }
  MelodySpec m;
  m.scale = scales::major_pentatonic;
  m.low = 64;
  m.high = 84;
  m.grid = 0.5;
  m.density = rng.uniform(0.45, 0.65);
  m.leap = 0.1;
  m.chord_tones = 0.85;
  add_melody(arr, lead, m, 0, arr.bars(), [](int bar) { return bar % 8 != 7; });
  t.master_gain = 0.74f;
  r.describe("pop", "straight");
}

// ---- reggae ------------------------------------------------------------------

void reggae(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 100, 6, 1000, -3, 5000, -2);  // bass-heavy
  t.tempo_bpm = rng.uniform(66, 84);
  t.tonic_midi = pick_tonic(rng, {7, 9, 0, 2, 5, 4});
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Swing16, rng.uniform(0.52, 0.6), 0.004);
  const bool minor = rng.chance(0.4);
  r.key = fmt::format("{} {}", kPitchNames[t.tonic_midi % 12], minor ? "minor" : "major");
  static const std::vector<std::string> kMajor{"I IV", "I V vi IV", "I IV V IV", "I I IV IV"};
  static const std::vector<std::string> kMinor{"i iv", "i bVII", "i iv i v"};
  arr.set_harmony(parse_progression(minor ? rng.pick(kMinor) : rng.pick(kMajor)), 1.0);
  const bool one_drop = rng.chance(0.7);
  const auto kick = arr.add_patch(with_gain(P::kick_acoustic(rng), 0.55f));
  const auto rim = arr.add_patch(with_gain(P::rim(rng), 0.6f));
  const auto hat = arr.add_patch(with_gain(P::hat_closed(rng), 0.25f));
  const auto bass = arr.add_patch(with_gain(P::reggae_bass(rng), 0.35f));
  const auto skank = arr.add_patch(with_gain(P::skank_guitar(rng), 1.4f));
  const bool bubble = rng.chance(0.8);
  const auto organ = arr.add_patch(with_gain(P::organ(rng, 2), 0.3f));
  const bool has_lead = rng.chance(0.6);
  const bool melodica = rng.chance(0.5);
  const auto lead = arr.add_patch(with_gain(melodica ? P::melodica(rng) : P::organ(rng, 0), 0.28f));
  r.parts = {one_drop ? "one-drop drums" : "steppers drums", "deep melodic bass", "offbeat guitar skank"};
  if (bubble) r.parts.push_back("organ bubble");
  if (has_lead) r.parts.push_back(melodica ? "melodica" : "organ melody");
  struct BassNote { double beat, beats; int kind; };  // kind: 0 root, 1 third, 2 fifth, 3 octave
  static const std::vector<std::vector<BassNote>> kLines{
      {{0.5, 0.5, 0}, {1.0, 0.5, 0}, {1.5, 0.5, 2}, {2.5, 0.5, 3}, {3.0, 0.75, 2}},
      {{0.0, 1.5, 0}, {1.5, 0.5, 2}, {2.5, 0.5, 0}, {3.0, 0.5, 1}, {3.5, 0.5, 2}},
      {{0.5, 0.5, 0}, {1.5, 0.25, 0}, {1.75, 0.75, 2}, {3.0, 0.5, 3}, {3.5, 0.5, 2}}};
  const auto& line = kLines[static_cast<std::size_t>(rng.integer(0, 2))];
  for (int bar = 0; bar < arr.bars(); ++bar) {
    if (one_drop) {
      arr.pattern(kick, "........x.......", 4, bar, 58.0f);
      arr.pattern(rim, "........X.......", 4, bar, 1800.0f);
    } else {
      arr.pattern(kick, "x...x...x...x...", 4, bar, 58.0f);
      arr.pattern(rim, "....X.......X...", 4, bar, 1800.0f);
    }
    arr.pattern(hat, "x.x.x.x.x.x.x.x.", 4, bar, 400.0f, 0.8f);
    const Chord& c = arr.chord_at(bar, 0);
    const int root = bass_pitch(arr, bar, 0, 0, 38);
    for (const BassNote& n : line) {
      const int interval = n.kind == 0 ? 0 : n.kind == 1 ? third_of(c) : n.kind == 2 ? 7 : 12;
      arr.note(bass, bar, n.beat, n.beats, root + interval, 0.9f);
    }
    for (double beat : {1.0, 3.0}) add_chord(arr, skank, bar, beat, 0.3, 60, 66, 0.8f);
    if (bubble)
      for (double beat : {0.5, 1.5, 2.5, 3.5}) add_chord(arr, organ, bar, beat, 0.25, 55, 62, 0.55f);
  }
  if (has_lead) {
    MelodySpec m;
    m.scale = minor ? scales::minor_pentatonic : scales::major_pentatonic;
    m.low = 62;
    m.high = 81;
    m.grid = 0.5;
    m.density = rng.uniform(0.25, 0.4);
    add_melody(arr, lead, m, 2, arr.bars(), [](int bar) { return (bar / 2) % 2 == 1; });
  }
  t.master_gain = 0.68f;
  r.describe("reggae", one_drop ? "one drop" : "steppers");
}

// ---- rock --------------------------------------------------------------------

void rock(Recipe& r) {
  Rng& rng = r.rng;
  Track& t = r.track;
  set_eq(t, rng, 100, 0, 1800, 5, 6000, 0);  // guitar mids
  t.tempo_bpm = rng.uniform(100, 150);
  t.tonic_midi = pick_tonic(rng, {4, 9, 2, 7, 0});
  Arranger arr(t, rng, t.tempo_bpm, 4, Feel::Straight, 0.5, 0.005);
  r.key = fmt::format("{} major", kPitchNames[t.tonic_midi % 12]);
  static const std::vector<std::string> kProg{"I IV V IV", "I bVII IV I", "vi IV I V", "I V IV IV", "i bVII bVI bVII", "I IV I V"};
  arr.set_harmony(parse_progression(rng.pick(kProg)), 1.0);
  static const std::vector<std::string> kKicks{"x.....x.x.......", "x...x.x.x...x...", "x.x.....x.x....."};
  const std::string kick_pat = rng.pick(kKicks);
  const auto kick = arr.add_patch(with_gain(P::kick_acoustic(rng), 0.6f));
  const auto snare = arr.add_patch(with_gain(P::snare_acoustic(rng), 0.55f));
  const bool ride = rng.chance(0.3);
  const auto cym = arr.add_patch(with_gain(ride ? P::ride(rng) : P::hat_closed(rng), ride ? 0.15f : 0.25f));
  const auto crash = arr.add_patch(with_gain(P::crash(rng), 0.18f));
  const bool power = rng.chance(0.6);
  Patch gtr = P::rock_guitar(rng);
  if (!power) {  // open chords, strummed through the same overdrive
    gtr.power_chord = false;
    gtr.unison = 1;
  }
  const auto guitar = arr.add_patch(with_gain(gtr, power ? 0.4f : 0.35f));
  const auto bass = arr.add_patch(with_gain(P::electric_bass(rng), 0.75f));
  const bool solo = rng.chance(0.65);
  const auto lead = arr.add_patch(with_gain(P::lead_guitar(rng, static_cast<float>(rng.uniform(3.0, 5.0))), 0.35f));
  r.parts = {"backbeat drums", power ? "overdriven power chords" : "overdriven strummed chords", "electric bass"};
  if (solo) r.parts.push_back("guitar lead");
  for (int bar = 0; bar < arr.bars(); ++bar) {
    arr.pattern(kick, kick_pat, 4, bar, 58.0f);
    arr.pattern(snare, bar % 4 == 3 ? "....X.....x.xxXX" : "....X.......X...", 4, bar, 200.0f);
    arr.pattern(cym, "x.x.x.x.x.x.x.x.", 4, bar, 380.0f, 0.8f);
    drum_kit_crash(arr, crash, bar, 4, 360.0f);
    const int root = bass_pitch(arr, bar, 0, 0, 40);
    for (int i = 0; i < 8; ++i) arr.note(bass, bar, 0.5 * i, 0.42, root, i % 2 ? 0.75f : 0.9f);
    if (power) {
      const int groot = nearest_pitch(arr.tonic(), arr.chord_at(bar, 0).root, 47);
      for (int i = 0; i < 8; ++i) arr.note(guitar, bar, 0.5 * i, 0.45, groot, i % 2 ? 0.7f : 0.9f);
    } else {
      const std::string pattern = "D.DU.UDU";
      for (int i = 0; i < 8; ++i)
        if (pattern[static_cast<std::size_t>(i)] != '.')
          strum(arr, guitar, bar, 0.5 * i, pattern[static_cast<std::size_t>(i)] == 'D', 0.4 * 60.0 / t.tempo_bpm, 52, 60,
                0.75f, 0.008);
    }
  }
  if (solo) {
    MelodySpec m;
    m.scale = scales::minor_pentatonic;
    m.low = 59;
    m.high = 83;
    m.grid = 0.5;
    m.density = rng.uniform(0.4, 0.6);
    m.bend = 0.2;
    add_melody(arr, lead, m, 2, arr.bars(), [](int bar) { return (bar / 2) % 2 == 1; });
  }
  t.master_gain = 0.66f;
  r.describe("rock", "straight");
}

}  // namespace

void compose_genre(int genre, Track& track, Rng& rng) {
  Recipe recipe{track, rng, {}, {}};
  switch (genre) {
    case 0: blues(recipe); break;
    case 1: classical(recipe); break;
    case 2: country(recipe); break;
    case 3: disco(recipe); break;
    case 4: hiphop(recipe); break;
    case 5: jazz(recipe); break;
    case 6: metal(recipe); break;
    case 7: pop(recipe); break;
    case 8: reggae(recipe); break;
    case 9: rock(recipe); break;
    default: break;
  }
}

}  // namespace b2m::synth
