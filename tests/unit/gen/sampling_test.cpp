// Sampling: greedy, temperature, top-k, top-p, determinism of the seeded
// generator, and classifier-free guidance arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "b2m/gen/sampling.h"
#include "b2m/runtime/error.h"

using namespace b2m::gen;

namespace {
std::vector<double> frequencies(const std::vector<float>& logits, const SamplingOptions& o, int draws,
                                std::uint64_t seed = 42) {
  Rng rng(seed);
  std::vector<double> f(logits.size(), 0.0);
  for (int i = 0; i < draws; ++i) f[static_cast<std::size_t>(sample_token(logits, o, rng))] += 1.0 / draws;
  return f;
}
}  // namespace

TEST(Sampling, GreedyTakesTheFirstMaximum) {
  Rng rng(1);
  std::vector<float> logits = {0.1f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(sample_token(logits, {0.0f, 0, 1.0f}, rng), 1);
  EXPECT_EQ(sample_token(logits, {1.0f, 1, 1.0f}, rng), 1);  // top_k = 1 is greedy too
}

TEST(Sampling, TemperatureFollowsTheSoftmax) {
  std::vector<float> logits = {1.0f, 0.0f, -1.0f, 0.5f};
  for (float temperature : {1.0f, 0.5f, 2.0f}) {
    auto f = frequencies(logits, {temperature, 0, 1.0f}, 40000);
    double z = 0;
    for (float l : logits) z += std::exp(l / temperature);
    for (std::size_t i = 0; i < logits.size(); ++i) {
      double p = std::exp(logits[i] / temperature) / z;
      EXPECT_NEAR(f[i], p, 4 * std::sqrt(p * (1 - p) / 40000) + 1e-3) << "T=" << temperature << " i=" << i;
    }
  }
}

TEST(Sampling, TopKAndTopPCutTheTail) {
  std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  auto k2 = frequencies(logits, {1.0f, 2, 1.0f}, 20000);
  EXPECT_EQ(k2[2] + k2[3], 0.0);
  EXPECT_NEAR(k2[0], 0.5 / 0.8, 0.02);
  auto p = frequencies(logits, {1.0f, 0, 0.7f}, 20000);  // 0.5 + 0.3 reaches 0.7
  EXPECT_EQ(p[2] + p[3], 0.0);
  EXPECT_NEAR(p[0], 0.5 / 0.8, 0.02);
  auto p_small = frequencies(logits, {1.0f, 0, 0.1f}, 1000);  // the top token alone
  EXPECT_NEAR(p_small[0], 1.0, 1e-9);
  EXPECT_EQ(p_small[1] + p_small[2] + p_small[3], 0.0);
}

TEST(Sampling, SameSeedSameTokensOtherSeedOtherTokens) {
  std::vector<float> logits(50);
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(float(i));
  auto draw = [&](std::uint64_t seed) {
    Rng rng(seed);
    std::vector<std::int64_t> out;
    for (int i = 0; i < 100; ++i) out.push_back(sample_token(logits, {1.0f, 0, 1.0f}, rng));
    return out;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
  EXPECT_NE(stage_seed(7, 0), stage_seed(7, 1));
  EXPECT_EQ(stage_seed(7, 1), stage_seed(7, 1));
}

// The generator against the reference xoshiro256** (Blackman & Vigna's C
// code, run by hand in Python for these values) from state {1, 2, 3, 4}.
TEST(Sampling, XoshiroMatchesTheReference) {
  b2m::Xoshiro256 g{{1, 2, 3, 4}};
  EXPECT_EQ(g.next(), 11520u);
  EXPECT_EQ(g.next(), 0u);
  EXPECT_EQ(g.next(), 1509978240u);
  EXPECT_EQ(g.next(), 1215971899390074240u);
}

TEST(Sampling, RngIsUniform) {
  Rng rng(123);
  double sum = 0, sum_sq = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_sq += u * u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum_sq / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
}

TEST(Sampling, BadInputsAreErrors) {
  Rng rng(1);
  EXPECT_THROW(sample_token({}, {}, rng), b2m::Error);
  std::vector<float> nan = {0.0f, std::nanf("")};
  EXPECT_THROW(sample_token(nan, {}, rng), b2m::Error);
  std::vector<float> ok = {0.0f, 1.0f};
  EXPECT_THROW(sample_token(ok, {1.0f, 0, 0.0f}, rng), b2m::Error);
}

TEST(Sampling, GuidanceExtrapolatesFromUnconditional) {
  std::vector<float> cond = {1.0f, 2.0f}, uncond = {0.5f, 3.0f};
  apply_guidance(cond, uncond, 3.0f);
  EXPECT_FLOAT_EQ(cond[0], 0.5f + 3.0f * 0.5f);
  EXPECT_FLOAT_EQ(cond[1], 3.0f + 3.0f * -1.0f);
}
