// Reference preprocessing kernels on [time x voxel] float32 data.
//
// These are the references that the compiled b2m versions of the same
// operations are tested against, and are usable directly. Runs are given as
// `run_lengths` (rows per run, in order, summing to data.rows()); every
// operation works within runs and never mixes samples of two runs.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "b2m/ridge/matrix.h"

namespace b2m::fmri {

using RunLengths = std::span<const Eigen::Index>;

// Removes a polynomial trend of degree `order` (0 = mean, 1 = linear, ...)
// fitted by least squares to each voxel in each run.
void detrend_polynomial(RowMatrixF& data, RunLengths run_lengths, int order);

// High-pass by regressing out the DCT-II cosines of period >= cutoff_s:
// c_k(t) = sqrt(2/T) cos(pi k (t + 1/2) / T) for k = 1 .. floor(2 T tr / cutoff)
// (SPM's drift basis). The mean (k = 0) is kept.
void highpass_cosine(RowMatrixF& data, RunLengths run_lengths, double tr_s, double cutoff_s);

// High-pass by subtracting a running median (Nakai et al.: 240 s window). The
// window spans round(window_s / tr) scans, made odd so it is centred (240 s at
// TR 1.5 s: 161 scans); near run edges it shrinks to the scans available
// (no padding). Returns the window length in scans.
Eigen::Index highpass_median(RowMatrixF& data, RunLengths run_lengths, double tr_s,
                             double window_s = 240.0);

// Z-scores each voxel within each run (population standard deviation);
// a constant voxel becomes 0.
void zscore_runs(RowMatrixF& data, RunLengths run_lengths);

// Lagged copies: column block d of the result is `data` shifted down by
// delays[d] rows within each run (out[t] = data[t - delay]), zero-filled where
// t - delay falls outside the run. Negative delays shift up. Result:
// data.rows() x (data.cols() * delays.size()).
RowMatrixF delays(const RowMatrixF& data, RunLengths run_lengths, std::span<const int> delays);

// Which scans cover a time window. Scan k is acquired over [k tr, (k+1) tr);
// the window [start_s + lag_s, end_s + lag_s) takes every scan whose interval
// overlaps it: k = floor(start / tr) .. ceil(end / tr) - 1. For the paper's
// example (MuLan window 0-10 s, TR 1.5 s) that is scans 0..6, i.e. the seven
// scans 0-1.5 s, ..., 9-10.5 s it lists (its text says "five", which does not
// match its own list).
struct ScanRange {
  Eigen::Index first = 0;
  Eigen::Index count = 0;
};
ScanRange scans_covering(double start_s, double end_s, double tr_s, double lag_s = 0.0);

// Event-aligned windows: for each clip onset, `windows_per_clip` windows of
// `window_s` starting at onset, onset + step_s, ...; each output row is the
// mean of the scans covering its window (scans_covering). Rows are ordered
// clip-major (clip 0 windows 0..w-1, clip 1, ...). Fails when a window needs
// scans past the end of the run.
struct WindowSpec {
  double window_s = 10.0;     // MuLan: 10 s
  double step_s = 1.5;        // the paper's 1.5 s step
  int windows_per_clip = 4;   // floor((15 - 10) / 1.5) + 1
  double lag_s = 0.0;         // hemodynamic shift (the paper uses none)
};
RowMatrixF event_windows(const RowMatrixF& run_data, double tr_s,
                         std::span<const double> clip_onsets_s, const WindowSpec& spec);

// Averages rows that belong to the same clip (e.g. the 4 test presentations).
// clip_of_row[i] identifies row i's clip; output rows follow the order in
// which clips first appear, listed in `clips`.
struct RepeatAverage {
  RowMatrixF data;
  std::vector<std::size_t> clips;   // clip id of each output row
  std::vector<std::size_t> counts;  // rows averaged into each output row
};
RepeatAverage average_repeats(const RowMatrixF& rows, std::span<const std::size_t> clip_of_row);

}  // namespace b2m::fmri
