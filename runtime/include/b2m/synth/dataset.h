// Writing a complete simulated BIDS dataset (docs/simulator.md):
//
//   <out>/dataset_description.json, participants.tsv, README
//   <out>/sub-NNN/func/sub-NNN_task-<T>_run-<NN>_{events.tsv,bold.json,bold.nii.gz}
//   <out>/derivatives/b2m-synth/sub-NNN/func/sub-NNN_desc-brain_mask.nii.gz
//   <out>/derivatives/b2m-synth/sub-NNN/truth/{weights,features_<T>_run-<NN>,signal_voxels,...}.npy, truth.json
//   <out>/stimuli/<genre>.<track:05d>.wav
//   <out>/bank/bank.tsv, bank/audio/bank.<NNNNN>.wav
//
// Everything is written into "<out>.partial-<pid>" and renamed to <out> at
// the end; on any failure (or cancel) the partial folder is removed.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "b2m/synth/presets.h"
#include "b2m/synth/schedule.h"

namespace b2m::synth {

inline constexpr const char* kSynthVersion = "0.1.0";

struct WriteOptions {
  // Replace an existing dataset written by b2m-synth (never anything else).
  bool force = false;
};

struct DatasetSummary {
  std::string out_dir;
  int subjects = 0;
  int runs_per_subject = 0;
  std::int64_t volumes = 0;        // total volumes per subject
  std::string grid;                // shape and affine
  std::int64_t voxels = 0;         // cortical mask voxels
  std::int64_t signal_voxels = 0;  // voxels with stimulus signal
  std::vector<std::pair<std::string, std::int64_t>> region_voxels;
  int stimuli = 0;
  int bank_items = 0;
  std::uint64_t bytes = 0;
  double seconds = 0.0;
  std::vector<std::pair<std::string, double>> stages;  // stage -> seconds
};

DatasetSummary write_dataset(const SynthConfig& config, const Schedule& schedule, const std::string& out_dir,
                             const WriteOptions& options = {});

// True when dir/dataset_description.json lists b2m-synth in GeneratedBy.
bool is_b2m_synth_dataset(const std::string& dir);

// Asks a running write_dataset to stop (it then fails with "interrupted" and
// removes its partial folder). Async-signal-safe.
void request_cancel();

}  // namespace b2m::synth
