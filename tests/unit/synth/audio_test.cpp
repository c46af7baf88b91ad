// Synthesized excerpts: RMS normalisation, fades, peaks, exact windows,
// determinism, genre recipes, chord parsing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "b2m/runtime/error.h"
#include "b2m/synth/excerpt.h"
#include "b2m/synth/music_theory.h"
#include "b2m/synth/track.h"

namespace b2m::synth {
namespace {

double rms(const std::vector<float>& x) {
  double s = 0;
  for (float v : x) s += double(v) * v;
  return std::sqrt(s / static_cast<double>(x.size()));
}

TEST(Excerpt, EveryGenreIsRmsNormalisedAndWithinFullScale) {
  for (int g = 0; g < 10; ++g)
    for (int track : {3, 71}) {
      const auto x = synthesize_excerpt(0, {g, track, 4.21, 19.21});
      ASSERT_EQ(x.size(), 330750u);
      EXPECT_NEAR(rms(x), kClipRms, 0.01 * kClipRms) << genre_names()[g] << " " << track;
      float peak = 0;
      for (float v : x) peak = std::max(peak, std::fabs(v));
      EXPECT_LE(peak, 1.0f) << genre_names()[g];
      EXPECT_GT(peak, 0.2f) << genre_names()[g];
    }
}

TEST(Excerpt, HasTwoSecondQuarterSineFades) {
  const int fs = kSampleRate;
  // The fade written out independently: sin(pi/2 * position / 2 s), sample centres.
  auto fade = [fs](std::size_t i, std::size_t n) {
    const double a = (static_cast<double>(i) + 0.5) / (2.0 * fs), b = (static_cast<double>(n - i) - 0.5) / (2.0 * fs);
    return std::sin(0.5 * std::numbers::pi * std::min({1.0, a, b}));
  };
  for (int g : {1, 6}) {
    const Track t = compose_track(0, g, 12);
    const std::vector<float> raw = render_track(t, 3.0, 18.0);
    const std::vector<float> x = synthesize_excerpt(0, {g, 12, 3.0, 18.0});
    ASSERT_EQ(raw.size(), x.size());
    const std::size_t n = x.size();
    for (std::size_t i : {std::size_t(0), std::size_t(100), std::size_t(22050), std::size_t(44099), n / 2, n - 1})
      EXPECT_NEAR(fade_gain(i, n, fs), fade(i, n), 1e-6) << i;
    // x = g * fade * raw wherever the peak limiter (above 0.9) is not engaged.
    std::vector<double> ratios;
    for (std::size_t i = 0; i < n; ++i)
      if (std::fabs(x[i]) < 0.85f && std::fabs(raw[i]) > 1e-3f && fade(i, n) > 0.05)
        ratios.push_back(x[i] / (fade(i, n) * raw[i]));
    ASSERT_GT(ratios.size(), n / 2);
    std::sort(ratios.begin(), ratios.end());
    const double median = ratios[ratios.size() / 2];
    EXPECT_NEAR(ratios.front(), median, 1e-3 * median);
    EXPECT_NEAR(ratios.back(), median, 1e-3 * median);
    EXPECT_LT(std::fabs(x[0]), 1e-3f);
    EXPECT_LT(std::fabs(x[n - 1]), 1e-3f);
  }
}

TEST(Track, AWindowIsTheSameSamplesAsTheWholeTrack) {
  for (int g = 0; g < 10; ++g) {
    const Track t = compose_track(9, g, 40);
    const std::vector<float> whole = render_track(t, 0.0, kTrackSeconds);
    ASSERT_EQ(whole.size(), 661500u);
    const double start = 6.37, end = 21.37;
    const std::vector<float> window = render_track(t, start, end);
    const auto first = static_cast<std::size_t>(std::llround(start * kSampleRate));
    ASSERT_EQ(window.size(), 330750u);
    float worst = 0;
    for (std::size_t i = 0; i < window.size(); ++i) worst = std::max(worst, std::fabs(window[i] - whole[first + i]));
    EXPECT_LT(worst, 1e-5f) << genre_names()[g];
  }
}

TEST(Track, IsDeterministicPerSeedGenreAndTrack) {
  const auto a = synthesize_excerpt(4, {5, 17, 0.0, 15.0});
  const auto b = synthesize_excerpt(4, {5, 17, 0.0, 15.0});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, synthesize_excerpt(4, {5, 18, 0.0, 15.0}));
  EXPECT_NE(a, synthesize_excerpt(5, {5, 17, 0.0, 15.0}));
  EXPECT_EQ(compose_track(4, 5, 17).summary, compose_track(4, 5, 17).summary);
}

TEST(Track, GenresFollowTheirRecipes) {
  // Tempo ranges of the recipes (bpm).
  const double lo[] = {68, 60, 92, 112, 80, 100, 90, 96, 66, 100};
  const double hi[] = {108, 132, 138, 128, 96, 190, 200, 126, 84, 150};
  for (int g = 0; g < 10; ++g) {
    std::set<int> tonics;
    for (int k = 0; k < 12; ++k) {
      const Track t = compose_track(0, g, k);
      EXPECT_GE(t.tempo_bpm, lo[g]) << t.summary;
      EXPECT_LE(t.tempo_bpm, hi[g]) << t.summary;
      EXPECT_GT(t.notes.size(), 40u) << t.summary;
      EXPECT_EQ(t.summary.rfind(std::string(genre_names()[g]) + ":", 0), 0u) << t.summary;
      tonics.insert(t.tonic_midi % 12);
      bool drums = false, power = false;
      for (const Note& n : t.notes) {
        const Patch& p = t.patches[n.patch];
        drums |= p.voice <= Voice::Shaker;
        power |= p.power_chord;
        EXPECT_GE(n.start, 0.0);
        EXPECT_LT(n.start, kTrackSeconds);
      }
      if (g == 1) {
        EXPECT_FALSE(drums) << "classical has no drums: " << t.summary;
      } else {
        EXPECT_TRUE(drums) << t.summary;
      }
      if (g == 6) {
        EXPECT_TRUE(power) << "metal plays power chords: " << t.summary;
      }
      for (std::size_t i = 1; i < t.notes.size(); ++i) ASSERT_LE(t.notes[i - 1].start, t.notes[i].start);
    }
    EXPECT_GE(tonics.size(), 3u) << genre_names()[g] << ": keys vary between tracks";
  }
  EXPECT_EQ(genre_index("reggae"), 8);
  EXPECT_THROW(genre_index("polka"), Error);
}

TEST(MusicTheory, ParsesRomanNumerals) {
  Chord c = parse_chord("bVII7");
  EXPECT_EQ(c.root, 10);
  EXPECT_EQ(c.tones, (std::vector<int>{0, 4, 7, 10}));
  c = parse_chord("ii7");
  EXPECT_EQ(c.root, 2);
  EXPECT_EQ(c.tones, (std::vector<int>{0, 3, 7, 10}));
  EXPECT_EQ(parse_chord("Imaj7").tones, (std::vector<int>{0, 4, 7, 11}));
  EXPECT_EQ(parse_chord("i5").tones, (std::vector<int>{0, 7, 12}));
  EXPECT_EQ(parse_chord("iim7b5").tones, (std::vector<int>{0, 3, 6, 10}));
  EXPECT_THROW(parse_chord("X7"), Error);
  EXPECT_THROW(parse_chord("I13"), Error);
  EXPECT_EQ(parse_progression("I IV V I").size(), 4u);
  // C major triad above 60 is 60 64 67; voice leading toward 66 picks 64 67 72 or 60 64 67.
  const auto v = voice_chord(parse_chord("I"), 48, 60, 63.0);
  EXPECT_EQ(v, (std::vector<int>{60, 64, 67}));
  EXPECT_EQ(nearest_pitch(48, 7, 60.0), 55);
  EXPECT_EQ(scale_pitch(scales::major, 60, 7), 72);
  EXPECT_EQ(scale_pitch(scales::major, 60, -1), 59);
  EXPECT_EQ(nearest_degree(scales::major, 60, 71), 6);
}

}  // namespace
}  // namespace b2m::synth
