// Audio read/write through libsndfile and resampling through libsamplerate.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "b2m/io/audio.h"
#include "b2m/runtime/error.h"
#include "test_dir.h"

using namespace b2m::io;

namespace {

Audio sine(double frequency, int rate, double seconds, int channels = 1) {
  Audio a;
  a.sample_rate = rate;
  a.channels = channels;
  auto frames = static_cast<std::size_t>(seconds * rate);
  a.samples.resize(frames * channels);
  for (std::size_t f = 0; f < frames; ++f)
    for (int c = 0; c < channels; ++c)
      a.samples[f * channels + c] =
          float((0.5 - 0.2 * c) * std::sin(2 * std::numbers::pi * frequency * double(f) / rate));
  return a;
}

// Frequency estimated from upward zero crossings over the middle of the clip
// (away from the resampler's edge transients), with sub-sample interpolation.
double zero_crossing_frequency(const Audio& a) {
  std::size_t begin = a.frames() / 10, end = a.frames() - a.frames() / 10;
  double first = -1, last = -1;
  int crossings = 0;
  for (std::size_t i = begin; i + 1 < end; ++i) {
    float x0 = a.samples[i], x1 = a.samples[i + 1];
    if (x0 < 0 && x1 >= 0) {
      double t = double(i) + double(-x0) / double(x1 - x0);
      if (first < 0) first = t; else ++crossings;
      last = t;
    }
  }
  return crossings * a.sample_rate / (last - first);
}

}  // namespace

TEST(Audio, WavFloatRoundTripIsExact) {
  b2m::test::ScratchDir dir;
  Audio a = sine(440, 16000, 0.25, 2);
  write_audio(dir.file("a.wav"), a, AudioFormat::wav_float);
  Audio b = read_audio(dir.file("a.wav"));
  EXPECT_EQ(b.sample_rate, 16000);
  EXPECT_EQ(b.channels, 2);
  EXPECT_EQ(b.samples, a.samples);
}

TEST(Audio, PcmAndFlacRoundTripWithinQuantisation) {
  b2m::test::ScratchDir dir;
  Audio a = sine(1000, 24000, 0.2);
  for (auto [name, format, step] : {std::tuple{"p.wav", AudioFormat::wav_pcm16, 1.0 / 32768},
                                    std::tuple{"p.flac", AudioFormat::flac_pcm16, 1.0 / 32768},
                                    std::tuple{"q.flac", AudioFormat::flac_pcm24, 1.0 / 8388608}}) {
    write_audio(dir.file(name), a, format);
    Audio b = read_audio(dir.file(name));
    ASSERT_EQ(b.frames(), a.frames()) << name;
    EXPECT_EQ(b.sample_rate, 24000);
    for (std::size_t i = 0; i < a.samples.size(); ++i)
      ASSERT_NEAR(b.samples[i], a.samples[i], step) << name << " sample " << i;
  }
}

TEST(Audio, PcmClipsInsteadOfWrapping) {
  b2m::test::ScratchDir dir;
  Audio a;
  a.sample_rate = 8000;
  a.samples = {2.0f, -3.0f, 0.25f};
  write_audio(dir.file("c.wav"), a, AudioFormat::wav_pcm16);
  Audio b = read_audio(dir.file("c.wav"));
  EXPECT_NEAR(b.samples[0], 1.0f, 1e-4);
  EXPECT_NEAR(b.samples[1], -1.0f, 1e-4);
  EXPECT_NEAR(b.samples[2], 0.25f, 1e-4);
}

TEST(Audio, ToMonoAverages) {
  Audio a = sine(100, 8000, 0.01, 2);
  Audio m = to_mono(a);
  ASSERT_EQ(m.frames(), a.frames());
  for (std::size_t f = 0; f < m.frames(); ++f)
    EXPECT_FLOAT_EQ(m.samples[f], 0.5f * (a.at(f, 0) + a.at(f, 1)));
}

TEST(Audio, ResamplingKeepsFrequencyAndDuration) {
  Audio a = sine(440, 44100, 0.5);
  for (int rate : {24000, 16000, 48000}) {
    Audio b = resample(a, rate);
    EXPECT_EQ(b.sample_rate, rate);
    EXPECT_NEAR(double(b.frames()), 0.5 * rate, 1.0);
    EXPECT_NEAR(zero_crossing_frequency(b), 440.0, 0.5) << rate;
    // Amplitude is preserved in the middle (a pass-band tone).
    float peak = 0;
    for (std::size_t i = b.frames() / 4; i < 3 * b.frames() / 4; ++i)
      peak = std::max(peak, std::abs(b.samples[i]));
    EXPECT_NEAR(peak, 0.5f, 0.01f);
  }
  EXPECT_NEAR(zero_crossing_frequency(a), 440.0, 0.5);  // the estimator itself
}

TEST(Audio, ResamplingRejectsBadRates) {
  Audio a = sine(440, 44100, 0.01);
  EXPECT_THROW(resample(a, 0), b2m::Error);
  EXPECT_THROW(resample(a, 44100 * 1000), b2m::Error);
}

TEST(Audio, ErrorsNameTheFile) {
  b2m::test::ScratchDir dir;
  std::string missing = dir.file("missing.wav");
  std::string corrupt = dir.file("corrupt.wav");
  std::ofstream(corrupt, std::ios::binary) << "RIFF\x10\0\0\0WAVEjunkjunkjunk";
  for (const auto& path : {missing, corrupt}) {
    try {
      read_audio(path);
      FAIL() << path;
    } catch (const b2m::Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  Audio bad;
  bad.sample_rate = 0;
  std::string out = dir.file("out.wav");
  EXPECT_THROW(write_audio(out, bad), b2m::Error);
  EXPECT_FALSE(std::filesystem::exists(out));
  Audio a = sine(440, 8000, 0.01);
  std::string unwritable = dir.file("no/dir/out.wav");
  try {
    write_audio(unwritable, a);
    FAIL();
  } catch (const b2m::Error& e) {
    EXPECT_NE(std::string(e.what()).find(unwritable), std::string::npos) << e.what();
  }
}
