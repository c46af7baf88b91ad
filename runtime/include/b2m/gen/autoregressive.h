// Sampling a continuation from a causal stage, token by token through the KV
// cache, with a sliding context window when the sequence outgrows block_size
// and optional classifier-free guidance (the conditional and unconditional
// sequences decoded as one batch of two, so each weight is read once).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "b2m/gen/gpt.h"
#include "b2m/gen/sampling.h"

namespace b2m::gen {

struct TokenRange {
  std::size_t begin = 0, size = 0;  // logits [begin, begin + size) are allowed
};

struct ContinuationRequest {
  std::vector<std::int64_t> prefix;         // conditioning + separator, kept in every window
  std::vector<std::int64_t> uncond_prefix;  // prefix of the unconditional branch (CFG only)
  std::size_t count = 0;                    // tokens to generate
  // Which logits are allowed for generated token i (e.g. the i-th codebook's block).
  std::function<TokenRange(std::size_t i)> range;
  SamplingOptions sampling;
  float guidance_scale = 1.0f;  // > 1 turns classifier-free guidance on
  // Called after each token (for progress bars).
  std::function<void(std::size_t done)> on_token;
};

// Returns the generated tokens as vocabulary indices (range.begin already added).
std::vector<std::int64_t> generate_continuation(const GptModel& model, const ContinuationRequest& request,
                                                Rng& rng);

}  // namespace b2m::gen
