// Configurations other than the shared fixtures, against float64 PyTorch
// references written by data/make_variant_references.py.
#include <gtest/gtest.h>

#include <fstream>

#include "b2m/gen/fine_gpt.h"
#include "b2m/gen/gpt.h"
#include "b2m/gen/rvq.h"
#include "b2m/gen/seanet.h"
#include "b2m/io/npy.h"
#include "fixture_util.h"

using namespace b2m::gen;
using b2m::test::all_close;

namespace {

const b2m::test::Tolerance kTol{1e-5, 1e-4};

std::string data(const std::string& variant, const std::string& file) {
  return std::string(B2M_SOURCE_DIR) + "/tests/unit/gen/data/" + variant + "/" + file;
}
nlohmann::json config(const std::string& variant) {
  std::ifstream in(data(variant, "config.json"));
  return nlohmann::json::parse(in);
}

std::vector<float> decode(const std::string& variant, const std::string& codes_file) {
  auto cfg = config(variant);
  Weights w = Weights::open(data(variant, "model.safetensors"));
  auto rvq = ResidualVQ::load(w, cfg["n_q"], cfg["bins"], cfg["dimension"]);
  auto decoder = SeanetDecoder::load(w.under("decoder."), SeanetConfig::from_json(cfg, variant));
  auto codes = b2m::io::read_npy(data(variant, codes_file));
  Signal wav = decoder.decode(rvq.dequantize(codes.as_i64(), codes.shape()[0], codes.shape()[1]));
  return std::vector<float>(wav.data(), wav.data() + wav.size());
}

// Streams the latent in chunks of `chunk` frames and returns the concatenation.
std::vector<float> decode_streaming(const std::string& variant, Eigen::Index chunk) {
  auto cfg = config(variant);
  Weights w = Weights::open(data(variant, "model.safetensors"));
  auto rvq = ResidualVQ::load(w, cfg["n_q"], cfg["bins"], cfg["dimension"]);
  auto decoder = SeanetDecoder::load(w.under("decoder."), SeanetConfig::from_json(cfg, variant));
  auto codes = b2m::io::read_npy(data(variant, "codes.npy"));
  Signal latent = rvq.dequantize(codes.as_i64(), codes.shape()[0], codes.shape()[1]);
  auto stream = decoder.new_stream();
  Signal wav;
  for (Eigen::Index at = 0; at < latent.cols(); at += chunk) {
    Signal out = stream->push(latent.middleCols(at, std::min(chunk, latent.cols() - at)));
    wav = concat_time(wav, out);
  }
  Signal rest = stream->finish();
  wav = concat_time(wav, rest);
  return std::vector<float>(wav.data(), wav.data() + wav.size());
}

}  // namespace

TEST(VariantConfigs, GptWithoutBiases) {
  auto cfg = GptConfig::from_json(config("gpt_nobias"), "gpt_nobias");
  EXPECT_FALSE(cfg.bias);
  auto model = GptModel::load(Weights::open(data("gpt_nobias", "model.safetensors")), cfg);
  auto tokens = b2m::io::read_npy(data("gpt_nobias", "tokens.npy")).as_i64();
  KvCache cache = model.new_cache();
  auto logits = model.forward(cache, tokens, true);
  EXPECT_TRUE(all_close(logits, b2m::io::read_npy(data("gpt_nobias", "logits_full.npy")).as_f32(), kTol));
  // Token by token through the cache as well.
  KvCache inc = model.new_cache();
  auto ref = b2m::io::read_npy(data("gpt_nobias", "logits_full.npy")).as_f32();
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    auto step = model.forward(inc, std::span(tokens).subspan(t, 1));
    ASSERT_TRUE(all_close(step, std::vector<float>(ref.begin() + t * 50, ref.begin() + (t + 1) * 50), kTol)) << t;
  }
}

TEST(VariantConfigs, GptMergedContext) {
  auto j = config("gpt_nobias");
  auto model = GptModel::load(Weights::open(data("gpt_nobias", "model.safetensors")), GptConfig::from_json(j, "gpt_nobias"));
  auto tokens = b2m::io::read_npy(data("gpt_nobias", "merged_tokens.npy")).as_i64();
  KvCache cache = model.new_cache();
  auto logits = model.forward(cache, tokens, true, j["merged_context"].get<std::size_t>());
  EXPECT_EQ(cache.length(), tokens.size() - j["merged_context"].get<std::size_t>());
  EXPECT_TRUE(all_close(logits, b2m::io::read_npy(data("gpt_nobias", "logits_merged.npy")).as_f32(), kTol));
}

TEST(VariantConfigs, FineWithTwoGivenCodebooksAndNoBias) {
  auto cfg = FineGptConfig::from_json(config("fine_given2"), "fine_given2");
  auto model = FineGptModel::load(Weights::open(data("fine_given2", "model.safetensors")), cfg);
  auto codes = b2m::io::read_npy(data("fine_given2", "codes.npy"));
  auto ref = b2m::io::read_npy(data("fine_given2", "logits.npy"));
  ref.expect_shape({3, 24, 36});
  auto all = ref.as_f32();
  for (std::size_t pred = 2; pred < 5; ++pred) {
    auto logits = model.forward(pred, codes.as_i64(), 24);
    std::vector<float> expected(all.begin() + (pred - 2) * 24 * 36, all.begin() + (pred - 1) * 24 * 36);
    EXPECT_TRUE(all_close(logits, expected, kTol)) << "pred_idx " << pred;
  }
}

TEST(VariantConfigs, NonCausalCodecWithIdentityShortcuts) {
  EXPECT_TRUE(all_close(decode("seanet_noncausal", "codes.npy"),
                        b2m::io::read_npy(data("seanet_noncausal", "wav.npy")).as_f32(), kTol));
  EXPECT_TRUE(all_close(decode("seanet_noncausal", "codes_short.npy"),
                        b2m::io::read_npy(data("seanet_noncausal", "wav_short.npy")).as_f32(), kTol));
}

TEST(VariantConfigs, CausalCodecWithZeroPaddingAndSplitTrim) {
  EXPECT_TRUE(all_close(decode("seanet_causal_zeros", "codes.npy"),
                        b2m::io::read_npy(data("seanet_causal_zeros", "wav.npy")).as_f32(), kTol));
  EXPECT_TRUE(all_close(decode("seanet_causal_zeros", "codes_short.npy"),
                        b2m::io::read_npy(data("seanet_causal_zeros", "wav_short.npy")).as_f32(), kTol));
}

TEST(VariantConfigs, StreamingMatchesWholeDecodeForEveryVariant) {
  for (const char* variant : {"seanet_noncausal", "seanet_causal_zeros"}) {
    auto expected = b2m::io::read_npy(data(variant, "wav.npy")).as_f32();
    for (Eigen::Index chunk : {1, 2, 4}) {
      EXPECT_TRUE(all_close(decode_streaming(variant, chunk), expected, kTol)) << variant << " chunk " << chunk;
    }
  }
}
