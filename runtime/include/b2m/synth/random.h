// Deterministic random streams for the simulator.
//
// Every random quantity of a dataset comes from its own stream, seeded from
// (dataset seed, a tag naming what it is for, up to three ids): the notes of
// track 17 of jazz, the noise of voxel 1234 in run 5 of subject 2, ... So
// results never depend on the order in which threads process items, and
// changing one part (say the bank size) does not change the others.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "b2m/runtime/xoshiro256.h"

namespace b2m::synth {

// SplitMix64 finaliser: a bijective 64-bit mixer.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// FNV-1a of a tag, so that streams for different purposes never coincide.
constexpr std::uint64_t tag_hash(std::string_view tag) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : tag) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

// The seed of stream (seed, tag, a, b, c).
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::string_view tag, std::uint64_t a = 0,
                                    std::uint64_t b = 0, std::uint64_t c = 0) {
  std::uint64_t h = mix64(seed ^ tag_hash(tag));
  h = mix64(h ^ a);
  h = mix64(h ^ (b + 0x632be59bd9b4e019ull));
  h = mix64(h ^ (c + 0x2545f4914f6cdd1dull));
  return h;
}

// xoshiro256** (b2m/runtime/xoshiro256.h) seeded from a stream's seed.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : bits_.s) s = mix64(x += 0x9e3779b97f4a7c15ull);
  }
  Rng(std::uint64_t seed, std::string_view tag, std::uint64_t a = 0, std::uint64_t b = 0,
      std::uint64_t c = 0)
      : Rng(stream_seed(seed, tag, a, b, c)) {}

  std::uint64_t next() { return bits_.next(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return bits_.uniform(); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi] (inclusive).
  int integer(int lo, int hi) {
    return lo + static_cast<int>((next() >> 33) % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Marsaglia's polar method; both values of a pair are used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  // An index drawn with probability proportional to weights[i].
  template <typename Container>
  int weighted(const Container& weights) {
    double total = 0.0;
    for (double w : weights) total += w;
    double x = uniform() * total;
    int i = 0;
    for (double w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return i - 1;
  }
  template <typename Container>
  const auto& pick(const Container& items) {
    return items[static_cast<std::size_t>(integer(0, static_cast<int>(items.size()) - 1))];
  }

 private:
  Xoshiro256 bits_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// A cheap per-sample noise source for audio (xorshift32 -> [-1, 1)).
class AudioNoise {
 public:
  explicit AudioNoise(std::uint64_t seed) : state_(static_cast<std::uint32_t>(mix64(seed)) | 1u) {}
  float next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return static_cast<float>(static_cast<std::int32_t>(state_)) * (1.0f / 2147483648.0f);
  }

 private:
  std::uint32_t state_;
};

}  // namespace b2m::synth
