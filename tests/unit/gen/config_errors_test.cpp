// User-facing errors of the stage configurations and inputs.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "b2m/gen/codec_layers.h"
#include "b2m/gen/fine_gpt.h"
#include "b2m/gen/gpt.h"
#include "b2m/gen/seanet.h"
#include "b2m/io/npy.h"
#include "b2m/runtime/error.h"
#include "fixture_util.h"

using namespace b2m::gen;

namespace {
void expect_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "no error, expected: " << fragment;
  } catch (const b2m::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

GptModel fixture_gpt() {
  return GptModel::load(Weights::open(b2m::test::fixture_dir("bark_gpt_small") + "/model.safetensors"),
                        GptConfig::from_json(b2m::test::fixture_config("bark_gpt_small"), "cfg"));
}
}  // namespace

TEST(ConfigErrors, GptConfig) {
  nlohmann::json j = b2m::test::fixture_config("bark_gpt_small");
  j.erase("n_head");
  expect_error([&] { GptConfig::from_json(j, "my.json"); }, "my.json: missing config key 'n_head'");
  j["n_head"] = 5;
  expect_error([&] { GptConfig::from_json(j, "my.json"); }, "multiple of n_head");
  j["n_head"] = "four";
  expect_error([&] { GptConfig::from_json(j, "my.json"); }, "'n_head' must be a non-negative integer");
  j["n_head"] = 4;
  j["bias"] = 1;
  expect_error([&] { GptConfig::from_json(j, "my.json"); }, "'bias' must be true or false");
}

TEST(ConfigErrors, FineConfig) {
  nlohmann::json j = b2m::test::fixture_config("bark_fine_small");
  j["n_codes_given"] = 8;
  expect_error([&] { FineGptConfig::from_json(j, "f.json"); }, "n_codes_given");
}

TEST(ConfigErrors, SeanetConfig) {
  nlohmann::json j = b2m::test::fixture_config("encodec_decoder_small");
  auto with = [&](const char* key, nlohmann::json value) {
    auto copy = j;
    copy[key] = value;
    return copy;
  };
  expect_error([&] { SeanetConfig::from_json(with("norm", "time_group_norm"), "c"); }, "norm 'time_group_norm'");
  expect_error([&] { SeanetConfig::from_json(with("pad_mode", "circular"), "c"); }, "pad_mode 'circular'");
  expect_error([&] { SeanetConfig::from_json(with("activation", "ReLU"), "c"); }, "activation 'ReLU'");
  expect_error([&] { SeanetConfig::from_json(with("final_activation", "Sigmoid"), "c"); }, "final_activation");
  expect_error([&] { SeanetConfig::from_json(with("ratios", nlohmann::json::array()), "c"); }, "'ratios'");
  expect_error([&] { SeanetConfig::from_json(with("compress", 0), "c"); }, "compress");
}

TEST(ConfigErrors, GptInputs) {
  GptModel model = fixture_gpt();
  KvCache cache = model.new_cache();
  std::vector<std::int64_t> bad = {1, 320};
  expect_error([&] { model.forward(cache, bad); }, "token 320 is outside the input vocabulary [0, 320)");
  std::vector<std::int64_t> long_sequence(257, 1);
  KvCache other = model.new_cache();
  expect_error([&] { model.forward(other, long_sequence); }, "block_size");
  std::vector<std::int64_t> few(5, 1);
  KvCache merged = model.new_cache();
  expect_error([&] { model.forward(merged, few, false, 4); }, "merged context of 4 needs at least 9 tokens");
  std::vector<std::int64_t> none;
  expect_error([&] { model.forward(merged, none); }, "at least one token");
}

TEST(ConfigErrors, FineInputs) {
  auto cfg = FineGptConfig::from_json(b2m::test::fixture_config("bark_fine_small"), "cfg");
  auto model = FineGptModel::load(Weights::open(b2m::test::fixture_dir("bark_fine_small") + "/model.safetensors"), cfg);
  std::vector<std::int64_t> codes(8 * 4, 0);
  expect_error([&] { model.forward(0, codes, 4); }, "pred_idx 0 outside [1, 8)");
  expect_error([&] { model.forward(2, codes, 3); }, "32 codes for 3 frames");
  codes[1] = 99;
  expect_error([&] { model.forward(2, codes, 4); }, "code 99 of codebook 1");
}

TEST(ConfigErrors, CodecLayerShapes) {
  Tensor w{{4, 2, 3}, std::vector<float>(24, 0.1f)};
  expect_error([&] { StreamingConv1d(ConvSpec{3, 4, 3, 1, true, PadMode::reflect}, w, {}); }, "does not match");
  StreamingConv1d conv(ConvSpec{2, 4, 3, 1, true, PadMode::reflect}, w, {});
  expect_error([&] { conv.push(Signal::Zero(5, 10)); }, "input has 5 channels, expected 2");
  Tensor wt{{2, 4, 2}, std::vector<float>(16, 0.1f)};
  expect_error([&] { StreamingConvTranspose1d(2, 4, 2, 3, true, 1.0, wt, {}); }, "stride (3) <= kernel (2)");
  expect_error([&] { parse_pad_mode("wrap"); }, "pad_mode 'wrap'");
}
