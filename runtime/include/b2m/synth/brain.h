// The simulated brain's anatomy: an MNI grid at the chosen voxel size, the
// cortical mask (Harvard-Oxford cortical max-probability thr0 atlas, label > 0)
// and the auditory regions that carry stimulus signal (AAL), both resampled by
// nearest neighbour from Debian's mricron-data templates.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "b2m/fmri/nifti.h"

namespace b2m::synth {

// A region with stimulus signal and its share of the requested SNR.
struct SignalRegion {
  std::string name;  // AAL name
  double share = 1.0;
};

// Heschl_L/R and Temporal_Sup_L/R at full SNR, Temporal_Mid_L/R at a quarter.
std::vector<SignalRegion> default_signal_regions();

struct BrainSpec {
  std::string templates_dir = "/usr/share/mricron/templates";
  double voxel_mm = 6.0;
  std::vector<SignalRegion> regions = default_signal_regions();
};

struct RegionInfo {
  std::string name;
  std::int32_t label = 0;  // AAL label
  double share = 0.0;
  std::int64_t voxels = 0;  // mask voxels in the region
};

struct Brain {
  fmri::Grid grid;   // MNI, axis-aligned, voxel_mm isotropic, bounding box of the cortex
  fmri::Mask mask;   // cortical voxels
  std::vector<int> region_of;   // per mask voxel: index into regions, -1 = no signal
  std::vector<float> share;     // per mask voxel: SNR share (0 = no signal)
  std::vector<RegionInfo> regions;
  std::string mask_atlas, region_atlas;  // files used
};

// Fails naming the file when a template is missing (install mricron-data).
Brain build_brain(const BrainSpec& spec);

// World (mm) coordinates of a flat voxel index of `grid`.
std::array<double, 3> voxel_world(const fmri::Grid& grid, std::int64_t flat);

}  // namespace b2m::synth
