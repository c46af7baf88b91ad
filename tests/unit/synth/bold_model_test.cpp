// The voxel model on a hand-made brain: requested SNR exactly at the truth
// level, the signal term is exactly drive x weights, SNR 0 has no signal,
// parameters in range, and results identical at 1 and 2 threads.
#include <gtest/gtest.h>

#include <cmath>

#include "b2m/runtime/thread_pool.h"
#include "b2m/synth/bold_model.h"
#include "b2m/synth/hrf.h"
#include "b2m/synth/random.h"

namespace b2m::synth {
namespace {

Brain toy_brain() {
  Brain b;
  b.grid.shape = {12, 1, 1};
  b.grid.affine = Eigen::Matrix4d::Identity() * 3.0;
  b.grid.affine(3, 3) = 1.0;
  b.mask.grid = b.grid;
  for (int i = 0; i < 12; ++i) b.mask.voxels.push_back(i);
  b.regions = {{"Heschl_L", 79, 1.0, 4}, {"Temporal_Mid_L", 85, 0.25, 2}};
  b.region_of = {0, 0, 0, 0, 1, 1, -1, -1, -1, -1, -1, -1};
  b.share = {1, 1, 1, 1, 0.25f, 0.25f, 0, 0, 0, 0, 0, 0};
  return b;
}

std::vector<RowMatrixF> toy_drive(int runs, int scans, int features) {
  std::vector<RowMatrixF> drive;
  const auto kernel = hrf_kernel(1.5);
  for (int r = 0; r < runs; ++r) {
    Rng rng(1, "toy-features", static_cast<std::uint64_t>(r));
    RowMatrixF x(scans, features);
    for (int t = 0; t < scans; ++t)
      for (int f = 0; f < features; ++f) x(t, f) = static_cast<float>(rng.normal());
    drive.push_back(convolve_hrf(x, kernel));
  }
  return drive;
}

TEST(BoldModel, SignalVarianceIsSnrTimesShareTimesNoiseVariance) {
  const Brain brain = toy_brain();
  const auto drive = toy_drive(3, 200, 41);
  BoldSpec spec;
  spec.snr = 2.0;
  const SubjectModel m = make_subject(5, 0, brain, 32, drive, spec);
  ASSERT_EQ(m.signal_columns, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
  for (std::int64_t c = 0; c < 12; ++c) {
    double s1 = 0, s2 = 0, n = 0;
    for (const auto& d : drive)
      for (Eigen::Index t = 0; t < d.rows(); ++t) {
        const double s = d.row(t).cast<double>().dot(m.weights.row(c).cast<double>());
        s1 += s;
        s2 += s * s;
        n += 1;
      }
    const double var = s2 / n - (s1 / n) * (s1 / n);
    const double expected = spec.snr * brain.share[static_cast<std::size_t>(c)] * m.noise_sd[c] * m.noise_sd[c];
    EXPECT_NEAR(var, expected, 1e-3 * expected + 1e-9) << "voxel " << c;
  }
}

TEST(BoldModel, TheSignalTermIsExactlyDriveTimesWeightsAndSnrZeroHasNone) {
  const Brain brain = toy_brain();
  const auto drive = toy_drive(2, 150, 41);
  BoldSpec with, without;
  with.snr = 2.0;
  without.snr = 0.0;
  const SubjectModel a = make_subject(8, 1, brain, 32, drive, with);
  const SubjectModel z = make_subject(8, 1, brain, 32, drive, without);
  EXPECT_TRUE(z.weights.isZero(0.0f));
  EXPECT_EQ(z.signal_columns, a.signal_columns);
  EXPECT_EQ(z.baseline, a.baseline);
  for (int r = 0; r < 2; ++r) {
    const RowMatrixF ya = simulate_run(8, a, r, drive[static_cast<std::size_t>(r)], with);
    const RowMatrixF yz = simulate_run(8, z, r, drive[static_cast<std::size_t>(r)], without);
    const RowMatrixF signal = drive[static_cast<std::size_t>(r)] * a.weights.transpose();
    EXPECT_LT((ya - yz - signal).cwiseAbs().maxCoeff(), 2e-3f);
    for (Eigen::Index c = 6; c < 12; ++c) EXPECT_EQ(ya.col(c), yz.col(c));  // no signal outside the regions
  }
}

TEST(BoldModel, ParametersAreInTheirRanges) {
  const Brain brain = toy_brain();
  const auto drive = toy_drive(1, 50, 41);
  BoldSpec spec;
  const SubjectModel m = make_subject(3, 0, brain, 32, drive, spec);
  for (std::size_t c = 0; c < 12; ++c) {
    EXPECT_GE(m.baseline[c], spec.baseline_lo);
    EXPECT_LE(m.baseline[c], spec.baseline_hi);
    EXPECT_GE(m.noise_sd[c], m.baseline[c] / spec.tsnr_hi * 0.999f);
    EXPECT_LE(m.noise_sd[c], m.baseline[c] / spec.tsnr_lo * 1.001f);
    EXPECT_GE(m.phi[c], spec.phi_lo);
    EXPECT_LE(m.phi[c], spec.phi_hi);
  }
  BoldSpec bad;
  bad.snr = -1;
  EXPECT_THROW(make_subject(3, 0, brain, 32, drive, bad), std::exception);
}

TEST(BoldModel, RunsDoNotDependOnTheThreadCount) {
  Brain brain = toy_brain();
  // Enough voxels for several parallel chunks.
  brain.grid.shape = {2000, 1, 1};
  brain.mask.grid = brain.grid;
  brain.mask.voxels.clear();
  for (int i = 0; i < 2000; ++i) brain.mask.voxels.push_back(i);
  brain.region_of.assign(2000, -1);
  brain.share.assign(2000, 0.0f);
  for (int i = 0; i < 300; ++i) {
    brain.region_of[static_cast<std::size_t>(i)] = 0;
    brain.share[static_cast<std::size_t>(i)] = 1.0f;
  }
  const auto drive = toy_drive(1, 120, 41);
  BoldSpec spec;
  const SubjectModel m = make_subject(2, 0, brain, 32, drive, spec);
  ThreadPool::set_num_threads(1);
  const RowMatrixF one = simulate_run(2, m, 0, drive[0], spec);
  ThreadPool::set_num_threads(2);
  const RowMatrixF two = simulate_run(2, m, 0, drive[0], spec);
  ThreadPool::set_num_threads(0);
  EXPECT_TRUE(one == two);
}

}  // namespace
}  // namespace b2m::synth
