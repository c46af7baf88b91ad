// Reproduces the shared EnCodec fixture (official RVQ decode + SEANetDecoder)
// within its config.json tolerances: latent, every top-level layer, waveform,
// and the short input that exercises EnCodec's reflect-padding rule.
#include <gtest/gtest.h>

#include "b2m/gen/rvq.h"
#include "b2m/gen/seanet.h"
#include "b2m/io/npy.h"
#include "fixture_util.h"

using namespace b2m::gen;
using b2m::test::all_close;
using b2m::test::fixture_config;
using b2m::test::fixture_dir;
using b2m::test::fixture_tolerance;

namespace {

const std::string kFixture = "encodec_decoder_small";

struct Loaded {
  ResidualVQ rvq;
  SeanetDecoder decoder;
};

Loaded load() {
  auto cfg = fixture_config(kFixture);
  Weights w = Weights::open(fixture_dir(kFixture) + "/model.safetensors");
  Loaded l;
  l.rvq = ResidualVQ::load(w, cfg["n_q"], cfg["bins"], cfg["dimension"]);
  l.decoder = SeanetDecoder::load(w.under("decoder."), SeanetConfig::from_json(cfg, kFixture));
  return l;
}

std::vector<float> flat(const Signal& s) {  // channels x time -> [C, T] row-major
  std::vector<float> v(static_cast<std::size_t>(s.size()));
  for (Eigen::Index c = 0; c < s.rows(); ++c)
    for (Eigen::Index t = 0; t < s.cols(); ++t) v[static_cast<std::size_t>(c * s.cols() + t)] = s(c, t);
  return v;
}

Signal latent_for(const Loaded& l, const std::string& codes_file) {
  auto codes = b2m::io::read_npy(fixture_dir(kFixture) + "/" + codes_file);
  return l.rvq.dequantize(codes.as_i64(), codes.shape()[0], codes.shape()[1]);
}

}  // namespace

TEST(EncodecFixture, LatentAfterDequantization) {
  Loaded l = load();
  auto expected = b2m::io::read_npy(fixture_dir(kFixture) + "/latent.npy");
  expected.expect_shape({1, 32, 50});
  EXPECT_TRUE(all_close(flat(latent_for(l, "codes.npy")), expected.as_f32(), fixture_tolerance(kFixture, "latent")));
}

TEST(EncodecFixture, EveryDecoderLayer) {
  Loaded l = load();
  auto outputs = l.decoder.decode_layer_by_layer(latent_for(l, "codes.npy"));
  ASSERT_EQ(outputs.size(), 16u);
  EXPECT_TRUE(all_close(flat(outputs[0]), b2m::io::read_npy(fixture_dir(kFixture) + "/after_conv0.npy").as_f32(),
                        fixture_tolerance(kFixture, "after_conv0")));
  EXPECT_TRUE(all_close(flat(outputs[1]), b2m::io::read_npy(fixture_dir(kFixture) + "/after_lstm.npy").as_f32(),
                        fixture_tolerance(kFixture, "after_lstm")));
  // The per-layer files have no tolerance of their own: use the loosest one given.
  auto tol = fixture_tolerance(kFixture, "after_lstm");
  const char* names[] = {"00_SConv1d", "01_SLSTM", "03_SConvTranspose1d", "04_SEANetResnetBlock",
                         "06_SConvTranspose1d", "07_SEANetResnetBlock", "09_SConvTranspose1d",
                         "10_SEANetResnetBlock", "12_SConvTranspose1d", "13_SEANetResnetBlock", "15_SConv1d"};
  for (const char* name : names) {
    std::size_t idx = std::stoul(std::string(name).substr(0, 2));
    auto ref = b2m::io::read_npy(fixture_dir(kFixture) + "/intermediates/dec_" + name + ".npy");
    ASSERT_EQ(ref.shape()[1], static_cast<std::size_t>(outputs[idx].rows())) << name;
    ASSERT_EQ(ref.shape()[2], static_cast<std::size_t>(outputs[idx].cols())) << name;
    EXPECT_TRUE(all_close(flat(outputs[idx]), ref.as_f32(), tol)) << name;
  }
}

TEST(EncodecFixture, Waveform) {
  Loaded l = load();
  Signal wav = l.decoder.decode(latent_for(l, "codes.npy"));
  auto expected = b2m::io::read_npy(fixture_dir(kFixture) + "/wav.npy");
  expected.expect_shape({1, 1, 16000});
  EXPECT_TRUE(all_close(flat(wav), expected.as_f32(), fixture_tolerance(kFixture, "wav")));
}

TEST(EncodecFixture, ShortInputWaveform) {
  Loaded l = load();
  Signal wav = l.decoder.decode(latent_for(l, "codes_short.npy"));
  auto expected = b2m::io::read_npy(fixture_dir(kFixture) + "/wav_short.npy");
  expected.expect_shape({1, 1, 1280});
  EXPECT_TRUE(all_close(flat(wav), expected.as_f32(), fixture_tolerance(kFixture, "wav_short")));
}

TEST(EncodecFixture, StreamingInChunksMatchesTheFixture) {
  Loaded l = load();
  Signal latent = latent_for(l, "codes.npy");
  auto stream = l.decoder.new_stream();
  Signal wav;
  // Uneven chunks, including a first chunk shorter than the first conv's padding.
  Eigen::Index sizes[] = {3, 1, 7, 13, 2, 24};
  Eigen::Index at = 0;
  for (Eigen::Index n : sizes) {
    wav = concat_time(wav, stream->push(latent.middleCols(at, n)));
    at += n;
  }
  ASSERT_EQ(at, latent.cols());
  wav = concat_time(wav, stream->finish());
  auto expected = b2m::io::read_npy(fixture_dir(kFixture) + "/wav.npy").as_f32();
  EXPECT_TRUE(all_close(flat(wav), expected, fixture_tolerance(kFixture, "wav")));
}
