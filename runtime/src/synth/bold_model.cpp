#include "b2m/synth/bold_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"
#include "b2m/synth/noise.h"
#include "b2m/synth/random.h"

namespace b2m::synth {

namespace {

// A smooth random field over the brain in [-1, 1]: the mean of a few plane
// waves with wavelengths of 60-200 mm.
struct SmoothField {
  struct Wave {
    double k[3];
    double phase;
  };
  std::vector<Wave> waves;
  explicit SmoothField(Rng& rng) {
    for (int i = 0; i < 4; ++i) {
      Wave w;
      const double wavelength = rng.uniform(60.0, 200.0);
      double norm = 0.0;
      for (double& k : w.k) {
        k = rng.normal();
        norm += k * k;
      }
      norm = std::sqrt(norm);
      for (double& k : w.k) k *= 2.0 * std::numbers::pi / (wavelength * norm);
      w.phase = rng.uniform(0.0, 2.0 * std::numbers::pi);
      waves.push_back(w);
    }
  }
  double at(const std::array<double, 3>& p) const {
    double s = 0.0;
    for (const auto& w : waves) s += std::cos(w.k[0] * p[0] + w.k[1] * p[1] + w.k[2] * p[2] + w.phase);
    return s / static_cast<double>(waves.size());
  }
};

}  // namespace

SubjectModel make_subject(std::uint64_t seed, int subject, const Brain& brain, int num_bands,
                          std::span<const RowMatrixF> drive, const BoldSpec& spec) {
  if (spec.snr < 0 || !std::isfinite(spec.snr)) fail("SNR must be finite and >= 0, got {}", spec.snr);
  const auto voxels = static_cast<Eigen::Index>(brain.mask.voxels.size());
  const Eigen::Index features = drive.empty() ? num_bands + 1 : drive[0].cols();
  SubjectModel m;
  m.subject = subject;
  m.weights = RowMatrixF::Zero(voxels, features);
  m.baseline.resize(static_cast<std::size_t>(voxels));
  m.noise_sd.resize(static_cast<std::size_t>(voxels));
  m.phi.resize(static_cast<std::size_t>(voxels));
  const auto sid = static_cast<std::uint64_t>(subject);

  Rng field_rng(seed, "baseline-field", sid);
  const SmoothField field(field_rng);
  for (Eigen::Index c = 0; c < voxels; ++c) {
    const auto cu = static_cast<std::uint64_t>(c);
    Rng rng(seed, "voxel", sid, cu);
    const auto world = voxel_world(brain.grid, brain.mask.voxels[static_cast<std::size_t>(c)]);
    const double smooth = 0.5 + 0.5 * field.at(world);  // 0..1
    const double b = spec.baseline_lo + (spec.baseline_hi - spec.baseline_lo) * (0.1 + 0.8 * smooth) *
                                            (1.0 + 0.05 * std::clamp(rng.normal(), -2.0, 2.0));
    m.baseline[static_cast<std::size_t>(c)] = static_cast<float>(std::clamp(b, spec.baseline_lo, spec.baseline_hi));
    m.noise_sd[static_cast<std::size_t>(c)] =
        static_cast<float>(m.baseline[static_cast<std::size_t>(c)] / rng.uniform(spec.tsnr_lo, spec.tsnr_hi));
    m.phi[static_cast<std::size_t>(c)] = static_cast<float>(rng.uniform(spec.phi_lo, spec.phi_hi));
    if (brain.share[static_cast<std::size_t>(c)] > 0.0f) m.signal_columns.push_back(c);
  }

  // Tonotopy: rank of the voxel's y (posterior -> anterior) within its region.
  std::vector<double> position(static_cast<std::size_t>(voxels), 0.5);
  for (std::size_t r = 0; r < brain.regions.size(); ++r) {
    std::vector<std::pair<double, Eigen::Index>> ys;
    for (Eigen::Index c : m.signal_columns)
      if (brain.region_of[static_cast<std::size_t>(c)] == static_cast<int>(r))
        ys.push_back({voxel_world(brain.grid, brain.mask.voxels[static_cast<std::size_t>(c)])[1], c});
    std::sort(ys.begin(), ys.end());
    for (std::size_t i = 0; i < ys.size(); ++i)
      position[static_cast<std::size_t>(ys[i].second)] = (static_cast<double>(i) + 0.5) / static_cast<double>(ys.size());
  }

  if (spec.snr == 0.0) return m;
  for (Eigen::Index c : m.signal_columns) {
    Rng rng(seed, "weights", sid, static_cast<std::uint64_t>(c));
    const double pref = std::clamp(position[static_cast<std::size_t>(c)] * (num_bands - 1) + 2.0 * rng.normal(), 0.0,
                                   static_cast<double>(num_bands - 1));
    const double width = rng.uniform(1.5, 4.0);
    const double loudness = rng.uniform(0.1, 0.4);
    std::vector<double> w(static_cast<std::size_t>(features), 0.0);
    double mean = 0.0;
    for (int f = 0; f < num_bands; ++f) mean += w[static_cast<std::size_t>(f)] = std::exp(-0.5 * std::pow((f - pref) / width, 2.0));
    mean /= num_bands;
    for (int f = 0; f < num_bands; ++f) w[static_cast<std::size_t>(f)] += -0.5 * mean + loudness + 0.35 * rng.normal();
    // Variability (SD) features and the onset (flux) feature, last.
    for (Eigen::Index f = num_bands; f < features; ++f) w[static_cast<std::size_t>(f)] = rng.normal(0.4, 0.4);
    // Scale so the signal variance over all scans is snr * share * sd^2.
    double s1 = 0.0, s2 = 0.0, n = 0.0;
    for (const RowMatrixF& d : drive)
      for (Eigen::Index t = 0; t < d.rows(); ++t) {
        double s = 0.0;
        for (Eigen::Index f = 0; f < features; ++f) s += w[static_cast<std::size_t>(f)] * d(t, f);
        s1 += s;
        s2 += s * s;
        n += 1.0;
      }
    const double var = n > 0 ? s2 / n - (s1 / n) * (s1 / n) : 0.0;
    if (var <= 0) continue;
    const double sd = m.noise_sd[static_cast<std::size_t>(c)];
    const double target = spec.snr * brain.share[static_cast<std::size_t>(c)] * sd * sd;
    const double a = std::sqrt(target / var);
    for (Eigen::Index f = 0; f < features; ++f) m.weights(c, f) = static_cast<float>(a * w[static_cast<std::size_t>(f)]);
  }
  return m;
}

RowMatrixF simulate_run(std::uint64_t seed, const SubjectModel& m, int run_index, const RowMatrixF& drive,
                        const BoldSpec& spec) {
  const Eigen::Index scans = drive.rows();
  const auto voxels = static_cast<Eigen::Index>(m.baseline.size());
  RowMatrixF y(scans, voxels);
  // Signal: drive [scans x F] * W^T [F x voxels], float64 accumulation.
  parallel_for(static_cast<std::size_t>(voxels), 256, [&](std::size_t begin, std::size_t end) {
    std::vector<float> col(static_cast<std::size_t>(scans));
    for (std::size_t c = begin; c < end; ++c) {
      Rng rng(seed, "bold-noise", static_cast<std::uint64_t>(m.subject), static_cast<std::uint64_t>(run_index), c);
      ar1_noise(rng, m.phi[c], m.noise_sd[c], col);
      add_drift(rng, spec.drift_scale, m.noise_sd[c], col);
      const auto row = m.weights.row(static_cast<Eigen::Index>(c));
      const bool has_signal = !row.isZero(0.0f);
      for (Eigen::Index t = 0; t < scans; ++t) {
        double v = static_cast<double>(m.baseline[c]) + col[static_cast<std::size_t>(t)];
        if (has_signal) {
          double s = 0.0;
          for (Eigen::Index f = 0; f < drive.cols(); ++f) s += static_cast<double>(drive(t, f)) * row(f);
          v += s;
        }
        y(t, static_cast<Eigen::Index>(c)) = static_cast<float>(v);
      }
    }
  });
  return y;
}

}  // namespace b2m::synth
