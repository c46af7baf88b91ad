// Token sampling: temperature, top-k, top-p (nucleus), greedy, with a
// portable seeded generator so that a seed gives the same tokens on every
// machine and at every thread count (nothing here depends on threads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "b2m/runtime/xoshiro256.h"

namespace b2m::gen {

struct SamplingOptions {
  float temperature = 1.0f;  // <= 0: greedy (argmax, lowest index on ties)
  std::size_t top_k = 0;     // 0: no limit
  float top_p = 1.0f;        // 1: no nucleus cut
};

// xoshiro256** (b2m/runtime/xoshiro256.h) seeded through splitmix64:
// fixed, documented sequences.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next() { return bits_.next(); }
  double uniform() { return bits_.uniform(); }  // [0, 1) with 53 random bits
 private:
  Xoshiro256 bits_;
};

// A seed for stage `stage` derived from the user's seed (splitmix64 mixing).
std::uint64_t stage_seed(std::uint64_t seed, std::uint64_t stage);

// Index into `logits` drawn according to options; throws on empty or non-finite logits.
std::int64_t sample_token(std::span<const float> logits, const SamplingOptions& options, Rng& rng);

// Classifier-free guidance: out = uncond + scale * (cond - uncond).
void apply_guidance(std::span<float> cond, std::span<const float> uncond, float scale);

}  // namespace b2m::gen
