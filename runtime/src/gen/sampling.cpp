#include "b2m/gen/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "b2m/runtime/error.h"

namespace b2m::gen {

namespace {
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : bits_.s) s = splitmix64(seed);
}

std::uint64_t stage_seed(std::uint64_t seed, std::uint64_t stage) {
  std::uint64_t state = seed ^ (0xD1B54A32D192ED03ull * (stage + 1));
  return splitmix64(state);
}

std::int64_t sample_token(std::span<const float> logits, const SamplingOptions& options, Rng& rng) {
  if (logits.empty()) fail("sampling: no logits to sample from");
  for (std::size_t i = 0; i < logits.size(); ++i)
    if (!std::isfinite(logits[i])) fail("sampling: logit {} is {}", i, logits[i]);
  if (options.temperature <= 0.0f) {
    return std::max_element(logits.begin(), logits.end()) - logits.begin();  // first maximum
  }
  if (!(options.top_p > 0.0f)) fail("sampling: top_p must be in (0, 1], got {}", options.top_p);
  // Candidates by decreasing logit, ties by index, so the order is fully determined.
  std::vector<std::uint32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0u);
  std::size_t keep = options.top_k > 0 ? std::min(options.top_k, logits.size()) : logits.size();
  auto by_logit = [&](std::uint32_t a, std::uint32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(), by_logit);
  order.resize(keep);
  std::vector<double> p(keep);
  double top = logits[order[0]];
  double total = 0.0;
  for (std::size_t i = 0; i < keep; ++i) {
    p[i] = std::exp((double(logits[order[i]]) - top) / double(options.temperature));
    total += p[i];
  }
  if (options.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p
    double cumulative = 0.0;
    std::size_t n = 0;
    while (n < keep) {
      cumulative += p[n] / total;
      ++n;
      if (cumulative >= double(options.top_p)) break;
    }
    keep = n;
    total = 0.0;
    for (std::size_t i = 0; i < keep; ++i) total += p[i];
  }
  double u = rng.uniform() * total;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < keep; ++i) {
    cumulative += p[i];
    if (u < cumulative) return order[i];
  }
  return order[keep - 1];  // u landed on the rounding edge
}

void apply_guidance(std::span<float> cond, std::span<const float> uncond, float scale) {
  if (cond.size() != uncond.size()) fail("guidance: {} vs {} logits", cond.size(), uncond.size());
  for (std::size_t i = 0; i < cond.size(); ++i) cond[i] = uncond[i] + scale * (cond[i] - uncond[i]);
}

}  // namespace b2m::gen
