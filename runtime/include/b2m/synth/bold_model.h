// The voxel model of the simulated bold signal:
//
//   y_v(t) = b_v + d_{v,r}(t) + sum_f W[v, f] (h * x_f)(t) + n_v(t)
//
// b_v baseline (a smooth spatial pattern, 300..1000), d drift per run (linear
// + 3 slow cosines), x the standardized stimulus features of the run, h the
// canonical HRF, n AR(1) noise with sd_v = b_v / tSNR_v. W is non-zero only in
// the signal regions; each signal voxel's row is a tonotopic tuning curve over
// the mel bands (preferred band following the voxel's anterior-posterior
// position in its region) plus a loudness term, random band weights and
// weights on the variability and onset (flux) features, scaled so that var(signal_v) = snr * share_v * sd_v^2
// over all of the subject's scans.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "b2m/ridge/matrix.h"
#include "b2m/synth/brain.h"

namespace b2m::synth {

struct BoldSpec {
  double snr = 1.0;  // signal variance / noise variance in full-share voxels (0: no signal)
  double tr_s = 1.5;
  double baseline_lo = 300.0, baseline_hi = 1000.0;
  double tsnr_lo = 60.0, tsnr_hi = 120.0;  // baseline / noise sd
  double phi_lo = 0.3, phi_hi = 0.6;       // AR(1) coefficient
  double drift_scale = 2.0;                // drift amplitudes in noise sds
};

struct SubjectModel {
  int subject = 0;                           // 0-based
  RowMatrixF weights;                        // [mask voxel x feature]
  std::vector<float> baseline, noise_sd, phi;  // per mask voxel
  std::vector<std::int64_t> signal_columns;  // mask voxels in signal regions
};

// `drive`: the HRF-convolved standardized features of each of the subject's
// runs ([scan x feature] each), used for the signal variance.
SubjectModel make_subject(std::uint64_t seed, int subject, const Brain& brain, int num_bands,
                          std::span<const RowMatrixF> drive, const BoldSpec& spec);

// [scan x mask voxel] for run `run_index` (0-based over the subject's runs).
// Voxels are processed in parallel; every voxel's noise has its own stream
// (seed, subject, run, voxel), so the result does not depend on threads.
RowMatrixF simulate_run(std::uint64_t seed, const SubjectModel& model, int run_index, const RowMatrixF& drive,
                        const BoldSpec& spec);

}  // namespace b2m::synth
