#include "b2m/synth/features.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::synth {

int num_features(const FeatureSpec& spec) { return spec.bands + spec.sd_bands + 1; }

std::vector<std::string> feature_names(const FeatureSpec& spec) {
  std::vector<std::string> names;
  for (int b = 0; b < spec.bands; ++b) names.push_back(fmt::format("logmel_{:02d}", b));
  for (int b = 0; b < spec.sd_bands; ++b) names.push_back(fmt::format("logmel_sd_{}", b));
  names.push_back("spectral_flux");
  return names;
}

RowMatrixF scan_features(std::span<const float> audio, double tr_s, int num_scans, const FeatureSpec& spec) {
  if (spec.bands <= 0 || spec.mel.n_mels % spec.bands != 0)
    fail("stimulus features: {} mel bands cannot be merged into {} bands", spec.mel.n_mels, spec.bands);
  if (spec.sd_bands < 0 || (spec.sd_bands > 0 && spec.mel.n_mels % spec.sd_bands != 0))
    fail("stimulus features: {} mel bands cannot be merged into {} SD bands", spec.mel.n_mels, spec.sd_bands);
  const RowMatrixF filterbank = dsp::mel_filterbank(spec.mel);
  const int group = spec.mel.n_mels / spec.bands;
  const double fs = spec.mel.sample_rate;
  RowMatrixF out(num_scans, num_features(spec));
  parallel_for(static_cast<std::size_t>(num_scans), 16, [&](std::size_t begin, std::size_t end) {
    std::vector<float> chunk;
    for (std::size_t k = begin; k < end; ++k) {
      const auto s0 = static_cast<std::int64_t>(std::llround(static_cast<double>(k) * tr_s * fs));
      const auto s1 = static_cast<std::int64_t>(std::llround(static_cast<double>(k + 1) * tr_s * fs));
      chunk.assign(static_cast<std::size_t>(s1 - s0), 0.0f);
      const auto have = static_cast<std::int64_t>(audio.size());
      for (std::int64_t i = s0; i < std::min(s1, have); ++i) chunk[static_cast<std::size_t>(i - s0)] = audio[static_cast<std::size_t>(i)];
      const RowMatrixF lm = dsp::log_mel(chunk, spec.mel, filterbank);
      const auto frames = lm.rows();
      if (frames == 0) fail("stimulus features: a scan of {} s is shorter than one STFT window", tr_s);
      for (int b = 0; b < spec.bands; ++b) {
        double s = 0.0;
        for (Eigen::Index f = 0; f < frames; ++f)
          for (int g = 0; g < group; ++g) s += lm(f, b * group + g);
        out(static_cast<Eigen::Index>(k), b) = static_cast<float>(s / static_cast<double>(frames * group));
      }
      for (int b = 0; b < spec.sd_bands; ++b) {
        const int width = spec.mel.n_mels / spec.sd_bands;
        double s1 = 0.0, s2 = 0.0;
        for (Eigen::Index f = 0; f < frames; ++f) {
          double e = 0.0;
          for (int g = 0; g < width; ++g) e += lm(f, b * width + g);
          e /= width;
          s1 += e;
          s2 += e * e;
        }
        const double mean = s1 / static_cast<double>(frames);
        out(static_cast<Eigen::Index>(k), spec.bands + b) =
            static_cast<float>(std::sqrt(std::max(0.0, s2 / static_cast<double>(frames) - mean * mean)));
      }
      double flux = 0.0;
      for (Eigen::Index f = 1; f < frames; ++f)
        for (Eigen::Index m = 0; m < lm.cols(); ++m) flux += std::max(0.0f, lm(f, m) - lm(f - 1, m));
      out(static_cast<Eigen::Index>(k), spec.bands + spec.sd_bands) =
          frames > 1 ? static_cast<float>(flux / static_cast<double>((frames - 1) * lm.cols())) : 0.0f;
    }
  });
  return out;
}

Standardization standardization_of(std::span<const RowMatrixF> blocks) {
  Standardization s;
  if (blocks.empty()) return s;
  const auto cols = blocks[0].cols();
  s.mean.assign(static_cast<std::size_t>(cols), 0.0);
  s.sd.assign(static_cast<std::size_t>(cols), 0.0);
  double rows = 0.0;
  for (const auto& b : blocks) {
    rows += static_cast<double>(b.rows());
    for (Eigen::Index r = 0; r < b.rows(); ++r)
      for (Eigen::Index c = 0; c < cols; ++c) s.mean[static_cast<std::size_t>(c)] += b(r, c);
  }
  for (double& m : s.mean) m /= rows;
  for (const auto& b : blocks)
    for (Eigen::Index r = 0; r < b.rows(); ++r)
      for (Eigen::Index c = 0; c < cols; ++c) {
        const double d = b(r, c) - s.mean[static_cast<std::size_t>(c)];
        s.sd[static_cast<std::size_t>(c)] += d * d;
      }
  for (double& v : s.sd) v = std::sqrt(v / rows);
  return s;
}

void standardize(RowMatrixF& x, const Standardization& s) {
  for (Eigen::Index c = 0; c < x.cols(); ++c) {
    const double m = s.mean[static_cast<std::size_t>(c)], sd = s.sd[static_cast<std::size_t>(c)];
    for (Eigen::Index r = 0; r < x.rows(); ++r) x(r, c) = sd > 0 ? static_cast<float>((x(r, c) - m) / sd) : 0.0f;
  }
}

}  // namespace b2m::synth
