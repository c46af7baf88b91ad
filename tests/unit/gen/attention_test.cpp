// The attention kernels over the KV cache's tiled layout (float32 and bfloat16
// storage) against a float64 reference, for head sizes that are and are not
// multiples of 16 and lengths around the 16-position tiles and the kernels'
// four-tile blocks. Positions past the visible length hold large values that
// must not leak into the result.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "attention_kernels.h"
#include "b2m/gen/transformer.h"
#include "b2m/io/half.h"

using namespace b2m::gen;

namespace {

template <typename T>
void check(CachePrecision precision) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const bool bf16 = precision == CachePrecision::bf16;
  auto stored = [&](float v) { return bf16 ? b2m::io::bf16_to_float(b2m::io::float_to_bf16(v)) : v; };
  for (std::size_t hs : {16u, 24u, 64u, 80u, 136u}) {
    TransformerShape shape{2, 2, 2 * hs, 150, true, true};
    for (std::size_t visible : {1u, 15u, 16u, 17u, 63u, 64u, 65u, 130u}) {
      KvCache cache(shape, precision);
      std::vector<std::vector<float>> keys(shape.block_size, std::vector<float>(hs)), values = keys;
      for (std::size_t p = 0; p < shape.block_size; ++p) {
        for (std::size_t i = 0; i < hs; ++i) {
          keys[p][i] = p < visible ? normal(rng) : 1e6f;  // not visible: must be ignored
          values[p][i] = p < visible ? normal(rng) : 1e6f;
        }
        cache.store(1, 1, p, keys[p].data(), values[p].data());
      }
      std::vector<float> q(hs);
      for (auto& v : q) v = normal(rng);
      const float scale = 0.125f;
      std::vector<float> scores(visible + detail::kKeyTile, -1.0f);
      detail::attention_scores(q.data(), cache.keys<T>(1, 1), hs, visible, scale, scores.data());
      std::vector<float> weights(visible);
      for (std::size_t j = 0; j < visible; ++j) {
        double ref = 0.0;
        for (std::size_t i = 0; i < hs; ++i) ref += double(q[i]) * double(stored(keys[j][i]));
        ref *= scale;
        ASSERT_NEAR(scores[j], ref, 1e-5 * (1.0 + std::abs(ref))) << "hs " << hs << " visible " << visible << " j " << j;
        weights[j] = normal(rng);
      }
      std::vector<float> out(hs + 16, 12345.0f);
      detail::weighted_values(weights.data(), cache.values<T>(1, 1), hs, visible, out.data());
      for (std::size_t i = 0; i < hs; ++i) {
        double ref = 0.0, mag = 0.0;
        for (std::size_t j = 0; j < visible; ++j) {
          ref += double(weights[j]) * double(stored(values[j][i]));
          mag += std::abs(double(weights[j]) * double(stored(values[j][i])));
        }
        ASSERT_NEAR(out[i], ref, 1e-6 * (1.0 + mag)) << "hs " << hs << " visible " << visible << " i " << i;
      }
      EXPECT_EQ(out[hs], 12345.0f) << "wrote past the head";
    }
  }
}

TEST(Attention, Float32CacheMatchesFloat64Reference) { check<float>(CachePrecision::f32); }
TEST(Attention, Bfloat16CacheMatchesFloat64ReferenceOnRoundedEntries) { check<std::uint16_t>(CachePrecision::bf16); }

}  // namespace
