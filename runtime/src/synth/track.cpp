#include "b2m/synth/track.h"

#include <xmmintrin.h>

#include <algorithm>
#include <array>
#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <span>
#include <numbers>
#include <tuple>

#include "b2m/runtime/error.h"
#include "b2m/synth/random.h"
#include "genres.h"

namespace b2m::synth {

std::span<const std::string> genre_names() {
  static const std::array<std::string, 10> kNames{"blues", "classical", "country", "disco", "hiphop",
                                                  "jazz",  "metal",     "pop",     "reggae", "rock"};
  return kNames;
}

int genre_index(std::string_view name) {
  const auto names = genre_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : " ") + n;
  fail("unknown genre '{}' (the simulator knows the GTZAN genres: {})", name, known);
}

Track compose_track(std::uint64_t seed, int genre, int track_index, double length_s) {
  if (genre < 0 || genre >= static_cast<int>(genre_names().size()))
    fail("genre index {} out of range 0..{}", genre, genre_names().size() - 1);
  Track track;
  track.genre = genre;
  track.index = track_index;
  track.length_s = length_s;
  track.noise_seed = stream_seed(seed, "track-noise", static_cast<std::uint64_t>(genre),
                                 static_cast<std::uint64_t>(track_index));
  Rng rng(seed, "track", static_cast<std::uint64_t>(genre), static_cast<std::uint64_t>(track_index));
  compose_genre(genre, track, rng);
  std::stable_sort(track.notes.begin(), track.notes.end(),
                   [](const Note& a, const Note& b) { return a.start < b.start; });
  return track;
}

namespace {

// Sets the SSE flush-to-zero and denormals-are-zero flags for this thread
// and restores the previous mode when destroyed.
class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_;
};

bool is_drum(Voice v) { return v <= Voice::Shaker; }

std::uint32_t bits_of(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, sizeof(b));
  return b;
}

// The mix EQ: first-order low and high shelves (y = x + (g - 1) * low-pass
// or high-pass of x) and an RBJ peaking biquad, float64 state.
class MixEqualizer {
 public:
  explicit MixEqualizer(const MixEq& eq) {
    const double fs = kSampleRate;
    low_gain_ = std::pow(10.0, eq.low_db / 20.0) - 1.0;
    high_gain_ = std::pow(10.0, eq.high_db / 20.0) - 1.0;
    low_a_ = 1.0 - std::exp(-2.0 * std::numbers::pi * eq.low_hz / fs);
    high_a_ = 1.0 - std::exp(-2.0 * std::numbers::pi * eq.high_hz / fs);
    const double A = std::pow(10.0, eq.mid_db / 40.0), w = 2.0 * std::numbers::pi * eq.mid_hz / fs;
    const double alpha = std::sin(w) / (2.0 * eq.mid_q), c = std::cos(w), a0 = 1 + alpha / A;
    b0_ = (1 + alpha * A) / a0;
    b1_ = -2 * c / a0;
    b2_ = (1 - alpha * A) / a0;
    a1_ = -2 * c / a0;
    a2_ = (1 - alpha / A) / a0;
  }
  void process(std::span<float> x) {
    for (float& v : x) {
      double y = v;
      low_ += low_a_ * (y - low_);
      y += low_gain_ * low_;
      const double p = b0_ * y + z1_;
      z1_ = b1_ * y - a1_ * p + z2_;
      z2_ = b2_ * y - a2_ * p;
      high_ += high_a_ * (p - high_);
      v = static_cast<float>(p + high_gain_ * (p - high_));
    }
  }

 private:
  double low_gain_, high_gain_, low_a_, high_a_;
  double b0_, b1_, b2_, a1_, a2_;
  double low_ = 0, high_ = 0, z1_ = 0, z2_ = 0;
};

// A small Schroeder/Freeverb-style reverb: four damped feedback combs in
// parallel, then two allpasses (delays of Freeverb's 44.1 kHz tuning, halved).
// Its tail falls by 60 dB in about 1.1 s.
class Reverb {
 public:
  Reverb() {
    for (std::size_t i = 0; i < kComb.size(); ++i) comb_[i].assign(kComb[i], 0.0f);
    for (std::size_t i = 0; i < kAllpass.size(); ++i) allpass_[i].assign(kAllpass[i], 0.0f);
  }
  float tick(float x) {
    float sum = 0.0f;
    for (std::size_t i = 0; i < kComb.size(); ++i) {
      auto& line = comb_[i];
      const float y = line[comb_pos_[i]];
      damp_[i] = y * (1.0f - kDamp) + damp_[i] * kDamp;
      line[comb_pos_[i]] = x * 0.25f + damp_[i] * kFeedback;
      if (++comb_pos_[i] == line.size()) comb_pos_[i] = 0;
      sum += y;
    }
    for (std::size_t i = 0; i < kAllpass.size(); ++i) {
      auto& line = allpass_[i];
      const float buffered = line[allpass_pos_[i]];
      line[allpass_pos_[i]] = sum + buffered * 0.5f;
      sum = buffered - sum;
      if (++allpass_pos_[i] == line.size()) allpass_pos_[i] = 0;
    }
    return sum;
  }

 private:
  static constexpr std::array<std::size_t, 4> kComb{558, 594, 639, 678};
  static constexpr std::array<std::size_t, 2> kAllpass{278, 220};
  static constexpr float kFeedback = 0.84f, kDamp = 0.25f;
  std::array<std::vector<float>, 4> comb_;
  std::array<std::vector<float>, 2> allpass_;
  std::array<std::size_t, 4> comb_pos_{};
  std::array<std::size_t, 2> allpass_pos_{};
  std::array<float, 4> damp_{};
};

// Seconds rendered before a window so that the mix effects' state has
// settled: the EQ's slowest pole decays by more than e^-100 in 0.5 s, the
// reverb's tail by more than 140 dB in 2.5 s. A window then equals the same
// samples of the whole rendered track to float rounding.
double preroll_seconds(const Track& t) { return t.reverb > 0.0f ? 2.5 : 0.5; }

// Notes are played from renders cached per (patch, pitch, gate, bend,
// velocity level, round-robin variation; drums always): a render is made once at full
// length, then scaled by the note's velocity relative to its level. Drums
// use one level (their velocity only scales), pitched voices four (velocity
// also shapes their tone). Renders do not depend on the window being
// rendered, so windows stay exact cuts of the whole track. Notes longer than
// kMaxCachedSeconds are rendered directly.
class NoteCache {
 public:
  static constexpr double kMaxCachedSeconds = 2.5;
  explicit NoteCache(const Track& track) : track_(track) {}

  struct Entry {
    std::vector<float> samples;
    float level;
  };

  const Entry& get(const Note& note) {
    const Patch& source = track_.patches[note.patch];
    const bool drum = is_drum(source.voice);
    const bool long_drum = drum && note_length_s(source, note) > 1.0;
    const std::uint32_t variation = note.id % (drum && !long_drum ? 4u : 2u);
    const float level = drum ? 1.0f : std::ceil(std::clamp(note.velocity, 0.01f, 1.0f) * 4.0f) / 4.0f;
    const Key key{note.patch, bits_of(note.freq), drum ? 0u : bits_of(note.duration), bits_of(note.bend),
                  bits_of(level), variation};
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    Patch patch = source;
    patch.gain = 1.0f;
    Note n = note;
    n.start = 0.0;
    n.velocity = level;
    n.id = variation;
    std::vector<float> samples(static_cast<std::size_t>(std::ceil(note_length_s(patch, n) * kSampleRate)), 0.0f);
    const std::uint64_t seed = stream_seed(track_.noise_seed, "cached-note", note.patch,
                                           (std::uint64_t{key.freq} << 32) | key.duration,
                                           (std::uint64_t{key.bend} << 32) ^ (std::uint64_t{key.level} << 8) ^ variation);
    render_note(patch, n, seed, 0, samples);
    return cache_.emplace(key, Entry{std::move(samples), level}).first->second;
  }

  // A long note, rendered whole from its onset (not kept).
  Entry render_once(const Note& note) const {
    Patch patch = track_.patches[note.patch];
    patch.gain = 1.0f;
    Note n = note;
    n.start = 0.0;
    std::vector<float> samples(static_cast<std::size_t>(std::ceil(note_length_s(patch, n) * kSampleRate)), 0.0f);
    render_note(patch, n, track_.noise_seed, 0, samples);
    return Entry{std::move(samples), note.velocity};
  }

 private:
  struct Key {
    std::uint16_t patch;
    std::uint32_t freq, duration, bend, level, variation;
    auto operator<=>(const Key&) const = default;
  };
  const Track& track_;
  std::map<Key, Entry> cache_;
};

}  // namespace

std::vector<float> render_track(const Track& track, double start_s, double end_s) {
  // Decaying envelopes and filter tails reach subnormal floats, which cost
  // ~100x per operation; flush them to zero while rendering.
  const FlushDenormals flush;
  const auto window_first = static_cast<std::int64_t>(std::llround(start_s * kSampleRate));
  const auto last = static_cast<std::int64_t>(std::llround(end_s * kSampleRate));
  if (last < window_first) fail("render_track: window [{}, {}) s is reversed", start_s, end_s);
  // Mix from the preroll (or the track's start) so the EQ has settled.
  const std::int64_t first = std::max<std::int64_t>(
      0, window_first - static_cast<std::int64_t>(preroll_seconds(track) * kSampleRate));
  const std::int64_t begin_at = std::min(first, window_first);
  std::vector<float> mix(static_cast<std::size_t>(last - begin_at), 0.0f);
  // The longest note bounds how far back a note can start and still sound.
  double longest = 0.0;
  for (const Note& n : track.notes) longest = std::max(longest, note_length_s(track.patches[n.patch], n));
  const double window_end = static_cast<double>(last) / kSampleRate;
  const double earliest = static_cast<double>(begin_at) / kSampleRate - longest - 0.01;
  auto it = std::lower_bound(track.notes.begin(), track.notes.end(), earliest,
                             [](const Note& n, double t) { return n.start < t; });
  NoteCache cache(track);
  const auto track_end = static_cast<std::int64_t>(std::llround(track.length_s * kSampleRate));
  for (; it != track.notes.end() && it->start < window_end; ++it) {
    const Patch& patch = track.patches[it->patch];
    const double length_s = note_length_s(patch, *it);
    const auto onset = static_cast<std::int64_t>(std::llround(it->start * kSampleRate));
    const auto length = static_cast<std::int64_t>(std::ceil(length_s * kSampleRate));
    if (onset >= last || onset + length <= begin_at) continue;
    NoteCache::Entry direct;
    const bool cached = length_s <= NoteCache::kMaxCachedSeconds || is_drum(patch.voice);
    if (!cached) direct = cache.render_once(*it);
    const NoteCache::Entry& entry = cached ? cache.get(*it) : direct;
    const float gain = patch.gain * it->velocity / entry.level;
    const std::int64_t from = std::max(begin_at, onset);
    // A track is length_s long: notes ringing past its end are cut there.
    const std::int64_t to = std::min({last, track_end, onset + static_cast<std::int64_t>(entry.samples.size())});
    for (std::int64_t i = from; i < to; ++i)
      mix[static_cast<std::size_t>(i - begin_at)] += gain * entry.samples[static_cast<std::size_t>(i - onset)];
  }
  MixEqualizer eq(track.eq);
  eq.process(mix);
  if (track.reverb > 0.0f) {
    Reverb reverb;
    for (float& v : mix) v += track.reverb * reverb.tick(v);
  }
  std::vector<float> out(mix.begin() + (window_first - begin_at), mix.end());
  const float g = track.master_gain;
  for (float& x : out) x = soft_clip(g * x);
  return out;
}

}  // namespace b2m::synth
