// music.model / music.rvq / music.generate from a compiled pipeline: tokens
// equal the library's, audio files are written with the model's sample rate
// and length, and a seed gives identical audio at --threads 1 and 2.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "b2m/gen/model.h"
#include "b2m/gen/random_model.h"
#include "b2m/io/audio.h"
#include "b2m/io/npy.h"
#include "shell.h"

namespace fs = std::filesystem;

namespace {

const char* kPipeline = R"(import io, music
param seed: i64 = 3
source emb: f32[clip, emb=128] = io.npy("emb.npy")
source model = music.model("tinymodel")
out "tokens.npy" = music.rvq(emb, model)
out "wav/{clip}.wav" = music.generate(emb, model, seconds=1.0, seed=seed)
)";

TEST(MusicBindings, TokensAudioAndDeterminism) {
  fs::path dir = fs::temp_directory_path() / ("b2m_music_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  b2m::gen::RandomModelSpec spec;
  spec.seed = 5;
  b2m::gen::write_random_model((dir / "tinymodel").string(), spec);
  std::mt19937 rng(2);
  std::normal_distribution<float> n(0, 1);
  std::vector<float> emb(3 * 128);
  for (auto& x : emb) x = n(rng);
  b2m::io::write_npy((dir / "emb.npy").string(), emb.data(), {3, 128});
  std::ofstream((dir / "p.b2m").string()) << kPipeline;
  std::string b2mc = std::string("'") + B2M_BINARY_DIR + "/bin/b2mc' ";
  std::string stdlib = std::string(" --stdlib-dir '") + B2M_SOURCE_DIR + "/stdlib'";
  std::string out;
  ASSERT_EQ(b2m::testing::run_in(dir, b2mc + "p.b2m" + stdlib + " -o p", &out), 0) << out;
  ASSERT_EQ(b2m::testing::run_in(dir, "./p --out one --threads 1", &out), 0) << out;
  ASSERT_EQ(b2m::testing::run_in(dir, "./p --out two --threads 2", &out), 0) << out;

  auto model = b2m::gen::Model::load((dir / "tinymodel").string());
  auto tokens = b2m::io::read_npy((dir / "one" / "tokens.npy").string()).as_i64();
  for (int q = 0; q < 3; ++q) {
    auto want = model.conditioning_tokens(std::span<const float>(emb.data() + q * 128, 128));
    ASSERT_EQ(tokens.size(), 3 * want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(tokens[q * want.size() + i], want[i]);
  }
  for (int q = 0; q < 3; ++q) {
    std::string name = std::to_string(q) + ".wav";
    auto a = b2m::io::read_audio((dir / "one" / "wav" / name).string());
    auto b = b2m::io::read_audio((dir / "two" / "wav" / name).string());
    EXPECT_EQ(a.sample_rate, model.sample_rate());
    EXPECT_NEAR(a.seconds(), 1.0, 0.05);
    EXPECT_EQ(a.samples, b.samples) << "clip " << q << " differs between 1 and 2 threads";
    if (q > 0) {
      auto prev = b2m::io::read_audio((dir / "one" / "wav" / (std::to_string(q - 1) + ".wav")).string());
      EXPECT_NE(a.samples, prev.samples) << "different embeddings should give different audio";
    }
  }
  // A missing model is a clear error and nothing is written.
  fs::rename(dir / "tinymodel", dir / "moved");
  EXPECT_EQ(b2m::testing::run_in(dir, "./p --out three", &out), 1);
  EXPECT_NE(out.find("music.model: no model directory 'tinymodel'"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "three" / "tokens.npy"));
  fs::remove_all(dir);
}

}  // namespace
