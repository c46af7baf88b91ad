// What the simulated brain "hears": per scan, the log-mel band energies of the
// audio playing during that scan (averaged over the STFT frames inside the
// scan, 64 mel bands merged pairwise into 32), their variability over those
// frames in 8 coarse bands (SD of the band's log energy), and the mean
// positive spectral flux (an onset-rate measure). Silence is featurised like
// any audio (log(0 + 1e-10) per band, no variability, no flux).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "b2m/dsp/mel.h"
#include "b2m/ridge/matrix.h"

namespace b2m::synth {

struct FeatureSpec {
  // 22050 Hz, n_fft 1024, 64 mels; hop 1024 (non-overlapping frames: the
  // features are means over a 1.5 s scan, for which half the frames suffice).
  dsp::MelSpec mel{22050, 1024, 1024, 64, 0.0, 0.0};
  int bands = 32;      // mel bands merged into this many (n_mels must be a multiple)
  int sd_bands = 8;    // coarse bands for the within-scan SD (0: none)
};

// Columns: bands + sd_bands + 1 (flux last).
int num_features(const FeatureSpec& spec);
// "logmel_00" .. "logmel_31", "logmel_sd_0" .. "logmel_sd_7", "spectral_flux".
std::vector<std::string> feature_names(const FeatureSpec& spec);

// Features of num_scans consecutive scans of tr_s seconds of `audio` (a run's
// sound track from its first scan; samples beyond its end are silence).
// Scan k covers samples [round(k tr fs), round((k + 1) tr fs)); its frames
// are those that fit inside it. Scans are independent (parallel over scans).
RowMatrixF scan_features(std::span<const float> audio, double tr_s, int num_scans, const FeatureSpec& spec);

// Column means and standard deviations (population) over the rows of all blocks.
struct Standardization {
  std::vector<double> mean, sd;
};
Standardization standardization_of(std::span<const RowMatrixF> blocks);
// (x - mean) / sd, column-wise; columns with sd == 0 become 0.
void standardize(RowMatrixF& x, const Standardization& s);

}  // namespace b2m::synth
