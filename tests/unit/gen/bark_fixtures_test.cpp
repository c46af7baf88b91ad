// Reproduces the shared Bark fixtures (official bark.model.GPT / FineGPT
// outputs) within the tolerances of their config.json.
#include <gtest/gtest.h>

#include "b2m/gen/fine_gpt.h"
#include "b2m/gen/gpt.h"
#include "b2m/io/npy.h"
#include "fixture_util.h"

using namespace b2m::gen;
using b2m::test::all_close;
using b2m::test::fixture_config;
using b2m::test::fixture_dir;
using b2m::test::fixture_tolerance;

namespace {

GptModel load_gpt() {
  auto cfg = GptConfig::from_json(fixture_config("bark_gpt_small"), "bark_gpt_small/config.json");
  return GptModel::load(Weights::open(fixture_dir("bark_gpt_small") + "/model.safetensors"), cfg);
}

std::vector<float> rows_of(const std::vector<float>& all, std::size_t first, std::size_t count, std::size_t width) {
  return {all.begin() + first * width, all.begin() + (first + count) * width};
}

}  // namespace

TEST(BarkGptFixture, FullSequenceLogits) {
  GptModel model = load_gpt();
  auto tokens = b2m::io::read_npy(fixture_dir("bark_gpt_small") + "/tokens.npy").as_i64();
  auto expected = b2m::io::read_npy(fixture_dir("bark_gpt_small") + "/logits_full.npy");
  expected.expect_shape({1, 40, 288});
  KvCache cache = model.new_cache();
  auto logits = model.forward(cache, tokens, /*all_positions=*/true);
  EXPECT_TRUE(all_close(logits, expected.as_f32(), fixture_tolerance("bark_gpt_small", "logits_full")));

  KvCache fresh = model.new_cache();
  auto last = model.forward(fresh, tokens);  // what GPT.forward returns: the last position
  auto expected_last = b2m::io::read_npy(fixture_dir("bark_gpt_small") + "/logits_last.npy").as_f32();
  EXPECT_TRUE(all_close(last, expected_last, fixture_tolerance("bark_gpt_small", "logits_full")));
}

TEST(BarkGptFixture, TokenByTokenThroughKvCache) {
  GptModel model = load_gpt();
  auto cfg = fixture_config("bark_gpt_small");
  std::size_t prefill = cfg["prefill"].get<std::size_t>();
  auto tokens = b2m::io::read_npy(fixture_dir("bark_gpt_small") + "/tokens.npy").as_i64();
  auto expected = b2m::io::read_npy(fixture_dir("bark_gpt_small") + "/logits_incremental.npy");
  std::size_t steps = tokens.size() - prefill + 1;
  expected.expect_shape({1, steps, 288});
  auto ref = expected.as_f32();
  auto tol = fixture_tolerance("bark_gpt_small", "logits_incremental");

  KvCache cache = model.new_cache();
  auto first = model.forward(cache, std::span(tokens).first(prefill));
  EXPECT_EQ(cache.length(), prefill);
  EXPECT_TRUE(all_close(first, rows_of(ref, 0, 1, 288), tol)) << "prefill";
  for (std::size_t t = prefill; t < tokens.size(); ++t) {
    auto logits = model.forward(cache, std::span(tokens).subspan(t, 1));
    ASSERT_TRUE(all_close(logits, rows_of(ref, t - prefill + 1, 1, 288), tol)) << "position " << t;
  }
  EXPECT_EQ(cache.length(), tokens.size());
}

TEST(BarkGptFixture, BatchedStepMatchesSingleSequences) {
  // Two sequences decoded together (the CFG layout) give the same logits as apart.
  GptModel model = load_gpt();
  auto tokens = b2m::io::read_npy(fixture_dir("bark_gpt_small") + "/tokens.npy").as_i64();
  KvCache a = model.new_cache(), b = model.new_cache(), a1 = model.new_cache(), b1 = model.new_cache();
  model.forward(a, std::span(tokens).first(10));
  model.forward(b, std::span(tokens).subspan(5, 20));
  model.forward(a1, std::span(tokens).first(10));
  model.forward(b1, std::span(tokens).subspan(5, 20));
  std::vector<std::int64_t> next = {tokens[30], tokens[31]};
  KvCache* both[] = {&a, &b};
  auto batched = model.step(both, next);
  auto alone_a = model.forward(a1, std::span(next).first(1));
  auto alone_b = model.forward(b1, std::span(next).subspan(1, 1));
  EXPECT_EQ(rows_of(batched, 0, 1, 288), alone_a);
  EXPECT_EQ(rows_of(batched, 1, 1, 288), alone_b);
}

TEST(BarkFineFixture, LogitsForPredIdx) {
  auto cfg = FineGptConfig::from_json(fixture_config("bark_fine_small"), "bark_fine_small/config.json");
  auto model = FineGptModel::load(Weights::open(fixture_dir("bark_fine_small") + "/model.safetensors"), cfg);
  auto codes = b2m::io::read_npy(fixture_dir("bark_fine_small") + "/codes.npy");
  codes.expect_shape({1, 64, 8});
  auto pred_idx = b2m::io::read_npy(fixture_dir("bark_fine_small") + "/pred_idx.npy").as_i64();
  auto logits = model.forward(static_cast<std::size_t>(pred_idx.at(0)), codes.as_i64(), 64);
  auto expected = b2m::io::read_npy(fixture_dir("bark_fine_small") + "/logits.npy").as_f32();
  EXPECT_TRUE(all_close(logits, expected, fixture_tolerance("bark_fine_small", "logits")));
}

TEST(BarkFineFixture, LogitsForEveryPredIdx) {
  auto cfg = FineGptConfig::from_json(fixture_config("bark_fine_small"), "bark_fine_small/config.json");
  auto model = FineGptModel::load(Weights::open(fixture_dir("bark_fine_small") + "/model.safetensors"), cfg);
  auto codes = b2m::io::read_npy(fixture_dir("bark_fine_small") + "/codes.npy").as_i64();
  auto all = b2m::io::read_npy(fixture_dir("bark_fine_small") + "/logits_all_pred_idx.npy");
  all.expect_shape({7, 1, 64, 80});
  auto ref = all.as_f32();
  auto tol = fixture_tolerance("bark_fine_small", "logits_all_pred_idx");
  for (std::size_t r = 0; r < 7; ++r) {
    auto logits = model.forward(1 + r, codes, 64);
    EXPECT_TRUE(all_close(logits, rows_of(ref, r * 64, 64, 80), tol)) << "pred_idx " << 1 + r;
  }
}
