// xoshiro256** (Blackman & Vigna): the one random bit generator of b2m (the
// simulator's streams, generation's sampling). Fast, period 2^256 - 1, good
// equidistribution. Seeding is the caller's: each user derives the four
// words of state from its own seeds, and streams depend only on those words.
#pragma once

#include <cstdint>

namespace b2m {

struct Xoshiro256 {
  std::uint64_t s[4];

  std::uint64_t next() {
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  // Uniform in [0, 1) from the top 53 bits of next().
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
};

}  // namespace b2m
