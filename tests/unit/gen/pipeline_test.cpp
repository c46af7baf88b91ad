// The whole generation pipeline on a small random model directory:
// determinism across thread counts (a seed gives the same tokens and audio at
// 1 and 2 threads), streaming equals the whole waveform, configuration errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "b2m/gen/model.h"
#include "b2m/gen/random_model.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

using namespace b2m::gen;

namespace {

class Pipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = (std::filesystem::temp_directory_path() / ("b2m_pipeline_" + std::to_string(::getpid()))).string();
    RandomModelSpec spec;
    spec.seed = 5;
    spec.semantic_block = 64;  // small contexts so that the sliding window is exercised
    spec.coarse_block = 96;
    spec.fine_block = 32;
    write_random_model(dir_, spec);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
  void TearDown() override { b2m::ThreadPool::set_num_threads(0); }

  static std::vector<float> embedding() {
    std::vector<float> e(128);
    for (std::size_t i = 0; i < e.size(); ++i) e[i] = std::sin(0.37f * float(i)) * 1.5f;
    return e;
  }
  static std::string dir_;
};
std::string Pipeline::dir_;

}  // namespace

TEST_F(Pipeline, SameSeedSameTokensAndAudioAtOneAndTwoThreads) {
  GenerateOptions o;
  o.seconds = 1.0;
  o.seed = 11;
  o.progress = false;
  b2m::ThreadPool::set_num_threads(1);
  Generated one = Model::load(dir_).generate(embedding(), o);
  b2m::ThreadPool::set_num_threads(2);
  Generated two = Model::load(dir_).generate(embedding(), o);
  EXPECT_EQ(one.conditioning, two.conditioning);
  EXPECT_EQ(one.semantic, two.semantic);
  EXPECT_EQ(one.codes, two.codes);
  ASSERT_EQ(one.waveform.size(), two.waveform.size());
  EXPECT_EQ(0, std::memcmp(one.waveform.data(), two.waveform.data(), one.waveform.size() * sizeof(float)));
  EXPECT_EQ(one.waveform.size(), 24000u);
  EXPECT_EQ(one.frames, 75u);
  EXPECT_EQ(one.semantic.size(), 25u);

  o.seed = 12;
  Generated other = Model::load(dir_).generate(embedding(), o);
  EXPECT_NE(one.codes, other.codes);
}

TEST_F(Pipeline, GuidedAndBf16RunsAreDeterministicToo) {
  GenerateOptions o;
  o.seconds = 0.5;
  o.seed = 3;
  o.progress = false;
  o.guidance_scale = 3.0f;
  b2m::ThreadPool::set_num_threads(1);
  Model model = Model::load(dir_, WeightPrecision::bf16);
  Generated one = model.generate(embedding(), o);
  b2m::ThreadPool::set_num_threads(2);
  Generated two = model.generate(embedding(), o);
  EXPECT_EQ(one.codes, two.codes);
  EXPECT_EQ(one.waveform, two.waveform);
}

TEST_F(Pipeline, StreamedChunksMakeTheWaveformAndMatchAOneShotDecode) {
  GenerateOptions o;
  o.seconds = 2.0;  // 150 frames: 5 fine windows of 32
  o.seed = 9;
  o.progress = false;
  std::vector<float> streamed;
  int chunks = 0;
  o.on_audio = [&](std::span<const float> s) {
    streamed.insert(streamed.end(), s.begin(), s.end());
    ++chunks;
  };
  Model model = Model::load(dir_);
  Generated g = model.generate(embedding(), o);
  EXPECT_GE(chunks, 5);
  EXPECT_EQ(streamed, g.waveform);
  auto whole = model.decode(g.codes, g.n_codebooks, g.frames);
  ASSERT_EQ(whole.size(), g.waveform.size());
  double worst = 0;
  for (std::size_t i = 0; i < whole.size(); ++i) worst = std::max(worst, double(std::abs(whole[i] - g.waveform[i])));
  EXPECT_LT(worst, 1e-5);
  for (auto c : g.codes) {
    EXPECT_GE(c, 0);
    EXPECT_LT(c, 64);
  }
}

TEST_F(Pipeline, GreedyStagesAreDeterministicWithoutSeeds) {
  GenerateOptions o;
  o.seconds = 0.4;
  o.progress = false;
  for (auto& s : o.sampling) s = SamplingOptions{0.0f, 0, 1.0f};
  Model model = Model::load(dir_);
  o.seed = 1;
  auto a = model.generate(embedding(), o);
  o.seed = 2;
  auto b = model.generate(embedding(), o);
  EXPECT_EQ(a.codes, b.codes);  // greedy everywhere: the seed does not matter
}

TEST_F(Pipeline, ConfigurationErrorsNameTheFile) {
  auto broken = dir_ + "_broken";
  std::filesystem::create_directories(broken);
  for (const auto& entry : std::filesystem::directory_iterator(dir_))
    std::filesystem::copy_file(entry.path(), broken + "/" + entry.path().filename().string(),
                               std::filesystem::copy_options::overwrite_existing);
  nlohmann::json config = nlohmann::json::parse(std::ifstream(dir_ + "/config.json"));
  config["fine"]["fine_gpt"]["n_codes_given"] = 3;
  std::ofstream(broken + "/config.json") << config.dump();
  try {
    Model::load(broken);
    FAIL();
  } catch (const b2m::Error& e) {
    EXPECT_NE(std::string(e.what()).find(broken + "/config.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("n_codes_given"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Model::load(broken + "/nowhere"), b2m::Error);
  Model ok = Model::load(dir_);
  std::vector<float> wrong_size(64, 0.0f);
  EXPECT_THROW(ok.generate(wrong_size), b2m::Error);
  std::filesystem::remove_all(broken);
}
