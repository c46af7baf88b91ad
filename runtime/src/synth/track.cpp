#include "b2m/synth/track.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <map>
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

bool is_drum(Voice v) { return v <= Voice::Shaker; }

std::uint32_t bits_of(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, sizeof(b));
  return b;
}

// RBJ audio-EQ-cookbook biquads, transposed direct form II, float64 state.
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0, z1 = 0, z2 = 0;
  float tick(float x) {
    const double y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    return static_cast<float>(y);
  }
  void set(double b0_, double b1_, double b2_, double a0, double a1_, double a2_) {
    b0 = b0_ / a0; b1 = b1_ / a0; b2 = b2_ / a0; a1 = a1_ / a0; a2 = a2_ / a0;
  }
};

Biquad shelf(double hz, double db, bool high) {
  const double A = std::pow(10.0, db / 40.0), w = 2.0 * std::numbers::pi * hz / kSampleRate;
  const double c = std::cos(w), alpha = std::sin(w) / 2.0 * std::sqrt(2.0), sa = 2.0 * std::sqrt(A) * alpha;
  Biquad q;
  if (high)
    q.set(A * ((A + 1) + (A - 1) * c + sa), -2 * A * ((A - 1) + (A + 1) * c), A * ((A + 1) + (A - 1) * c - sa),
          (A + 1) - (A - 1) * c + sa, 2 * ((A - 1) - (A + 1) * c), (A + 1) - (A - 1) * c - sa);
  else
    q.set(A * ((A + 1) - (A - 1) * c + sa), 2 * A * ((A - 1) - (A + 1) * c), A * ((A + 1) - (A - 1) * c - sa),
          (A + 1) + (A - 1) * c + sa, -2 * ((A - 1) + (A + 1) * c), (A + 1) + (A - 1) * c - sa);
  return q;
}

Biquad peak(double hz, double db, double q_factor) {
  const double A = std::pow(10.0, db / 40.0), w = 2.0 * std::numbers::pi * hz / kSampleRate;
  const double alpha = std::sin(w) / (2.0 * q_factor), c = std::cos(w);
  Biquad q;
  q.set(1 + alpha * A, -2 * c, 1 - alpha * A, 1 + alpha / A, -2 * c, 1 - alpha / A);
  return q;
}

void equalize(const MixEq& eq, std::vector<float>& x) {
  std::vector<Biquad> stages;
  if (eq.low_db != 0.0f) stages.push_back(shelf(eq.low_hz, eq.low_db, false));
  if (eq.mid_db != 0.0f) stages.push_back(peak(eq.mid_hz, eq.mid_db, eq.mid_q));
  if (eq.high_db != 0.0f) stages.push_back(shelf(eq.high_hz, eq.high_db, true));
  for (Biquad& q : stages)
    for (float& v : x) v = q.tick(v);
}

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
    equalize(track_.eq, samples);
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
    equalize(track_.eq, samples);
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
  const auto first = static_cast<std::int64_t>(std::llround(start_s * kSampleRate));
  const auto last = static_cast<std::int64_t>(std::llround(end_s * kSampleRate));
  if (last < first) fail("render_track: window [{}, {}) s is reversed", start_s, end_s);
  std::vector<float> out(static_cast<std::size_t>(last - first), 0.0f);
  // The longest note bounds how far back a note can start and still sound.
  double longest = 0.0;
  for (const Note& n : track.notes) longest = std::max(longest, note_length_s(track.patches[n.patch], n));
  const double window_end = static_cast<double>(last) / kSampleRate;
  const double earliest = static_cast<double>(first) / kSampleRate - longest - 0.01;
  auto it = std::lower_bound(track.notes.begin(), track.notes.end(), earliest,
                             [](const Note& n, double t) { return n.start < t; });
  NoteCache cache(track);
  for (; it != track.notes.end() && it->start < window_end; ++it) {
    const Patch& patch = track.patches[it->patch];
    const double length_s = note_length_s(patch, *it);
    const auto onset = static_cast<std::int64_t>(std::llround(it->start * kSampleRate));
    const auto length = static_cast<std::int64_t>(std::ceil(length_s * kSampleRate));
    if (onset >= last || onset + length <= first) continue;
    Note note = *it;
    NoteCache::Entry direct;
    const bool cached = length_s <= NoteCache::kMaxCachedSeconds || is_drum(patch.voice);
    if (!cached) direct = cache.render_once(note);
    const NoteCache::Entry& entry = cached ? cache.get(note) : direct;
    const float gain = patch.gain * it->velocity / entry.level;
    const std::int64_t begin = std::max(first, onset);
    const std::int64_t end = std::min(last, onset + static_cast<std::int64_t>(entry.samples.size()));
    for (std::int64_t i = begin; i < end; ++i)
      out[static_cast<std::size_t>(i - first)] += gain * entry.samples[static_cast<std::size_t>(i - onset)];
  }
  // Silence after the end of the track.
  const auto track_end = static_cast<std::int64_t>(std::llround(track.length_s * kSampleRate));
  for (std::int64_t i = std::max(first, track_end); i < last; ++i) out[static_cast<std::size_t>(i - first)] = 0.0f;
  const float g = track.master_gain;
  for (float& x : out) x = soft_clip(g * x);
  return out;
}

}  // namespace b2m::synth
