#include "b2m/gen/autoregressive.h"

#include "b2m/runtime/error.h"

namespace b2m::gen {

namespace {

// Prefix + the most recent history that leaves half the free context for new tokens.
std::vector<std::int64_t> window(const std::vector<std::int64_t>& prefix, const std::vector<std::int64_t>& generated,
                                 std::size_t keep) {
  std::vector<std::int64_t> tokens = prefix;
  std::size_t from = generated.size() > keep ? generated.size() - keep : 0;
  tokens.insert(tokens.end(), generated.begin() + static_cast<std::ptrdiff_t>(from), generated.end());
  return tokens;
}

}  // namespace

std::vector<std::int64_t> generate_continuation(const GptModel& model, const ContinuationRequest& request, Rng& rng) {
  const std::size_t block = model.config().block_size;
  const bool guided = request.guidance_scale > 1.0f;
  const std::size_t longest_prefix = std::max(request.prefix.size(), guided ? request.uncond_prefix.size() : 0);
  if (request.prefix.empty() || (guided && request.uncond_prefix.empty()))
    fail("generation: a stage needs a non-empty prefix (at least its separator token)");
  if (longest_prefix + 2 > block)
    fail("generation: a prefix of {} tokens does not fit the stage's context (block_size {}); generate fewer "
         "seconds or use a model with a larger block_size",
         longest_prefix, block);
  const std::size_t keep = (block - longest_prefix) / 2;

  KvCache cond = model.new_cache(), uncond = model.new_cache();
  std::vector<std::int64_t> generated;
  generated.reserve(request.count);
  std::vector<float> logits_cond, logits_uncond;
  // Fills the caches for the current window and returns the next logits.
  auto prefill = [&]() {
    cond.clear();
    logits_cond = model.forward(cond, window(request.prefix, generated, keep));
    if (guided) {
      uncond.clear();
      logits_uncond = model.forward(uncond, window(request.uncond_prefix, generated, keep));
    }
  };
  prefill();
  const std::size_t vocab = model.config().output_vocab_size;
  for (std::size_t i = 0; i < request.count; ++i) {
    TokenRange r = request.range ? request.range(i) : TokenRange{0, vocab};
    if (r.size == 0 || r.begin + r.size > vocab)
      fail("generation: token range [{}, {}) is outside the output vocabulary ({})", r.begin, r.begin + r.size, vocab);
    std::span<float> allowed(logits_cond.data() + r.begin, r.size);
    if (guided) apply_guidance(allowed, std::span<const float>(logits_uncond.data() + r.begin, r.size), request.guidance_scale);
    std::int64_t token = static_cast<std::int64_t>(r.begin) + sample_token(allowed, request.sampling, rng);
    generated.push_back(token);
    if (request.on_token) request.on_token(i + 1);
    if (i + 1 == request.count) break;
    bool full = cond.length() + 1 > block || (guided && uncond.length() + 1 > block);
    if (full) {
      prefill();  // slide: the new token is part of the rebuilt window
    } else if (guided) {
      KvCache* caches[] = {&cond, &uncond};
      std::int64_t both[] = {token, token};
      auto logits = model.step(caches, both);
      logits_cond.assign(logits.begin(), logits.begin() + static_cast<std::ptrdiff_t>(vocab));
      logits_uncond.assign(logits.begin() + static_cast<std::ptrdiff_t>(vocab), logits.end());
    } else {
      std::int64_t one[] = {token};
      logits_cond = model.forward(cond, one);
    }
  }
  return generated;
}

}  // namespace b2m::gen
