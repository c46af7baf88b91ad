#include "b2m/synth/brain.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "b2m/fmri/atlas.h"
#include "b2m/runtime/error.h"

namespace b2m::synth {

namespace fs = std::filesystem;

std::vector<SignalRegion> default_signal_regions() {
  return {{"Heschl_L", 1.0},       {"Heschl_R", 1.0},       {"Temporal_Sup_L", 1.0},
          {"Temporal_Sup_R", 1.0}, {"Temporal_Mid_L", 0.25}, {"Temporal_Mid_R", 0.25}};
}

std::array<double, 3> voxel_world(const fmri::Grid& grid, std::int64_t flat) {
  const std::int64_t nx = grid.shape[0], ny = grid.shape[1];
  const Eigen::Vector4d v(double(flat % nx), double((flat / nx) % ny), double(flat / (nx * ny)), 1.0);
  const Eigen::Vector4d w = grid.affine * v;
  return {w[0], w[1], w[2]};
}

Brain build_brain(const BrainSpec& spec) {
  if (!(spec.voxel_mm >= 1.0 && spec.voxel_mm <= 16.0))
    fail("voxel size {} mm is out of range (1 to 16 mm)", spec.voxel_mm);
  const std::string ho_path = (fs::path(spec.templates_dir) / "HarvardOxford-cort-maxprob-thr0-1mm.nii.gz").string();
  const std::string aal_path = (fs::path(spec.templates_dir) / "aal.nii.gz").string();
  const std::string aal_labels = (fs::path(spec.templates_dir) / "aal.nii.txt").string();
  for (const auto& p : {ho_path, aal_path, aal_labels})
    if (!fs::exists(p))
      fail("atlas file '{}' not found: the simulator takes its brain from Debian's mricron-data "
           "templates (apt-get install mricron-data, or --templates DIR)",
           p);
  const fmri::Volume ho = fmri::read_volume(ho_path);

  // Bounding box of the cortex in world coordinates, snapped to multiples of
  // the voxel size (so voxel centres sit on an MNI lattice through 0).
  std::array<double, 3> lo{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::max()};
  std::array<double, 3> hi{-lo[0], -lo[1], -lo[2]};
  for (std::size_t i = 0; i < ho.values.size(); ++i) {
    if (ho.values[i] <= 0.0f) continue;
    const auto w = voxel_world(ho.grid, static_cast<std::int64_t>(i));
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], w[a]);
      hi[a] = std::max(hi[a], w[a]);
    }
  }
  const double vs = spec.voxel_mm;
  Brain brain;
  brain.mask_atlas = ho_path;
  brain.region_atlas = aal_path;
  brain.grid.affine = Eigen::Matrix4d::Identity();
  for (int a = 0; a < 3; ++a) {
    const double first = std::floor(lo[a] / vs) * vs;
    const double last = std::ceil(hi[a] / vs) * vs;
    brain.grid.shape[a] = static_cast<std::int64_t>(std::llround((last - first) / vs)) + 1;
    brain.grid.affine(a, a) = vs;
    brain.grid.affine(a, 3) = first;
  }

  fmri::Atlas ho_atlas;
  ho_atlas.path = ho_path;
  ho_atlas.grid = ho.grid;
  ho_atlas.labels.reserve(ho.values.size());
  for (float v : ho.values) ho_atlas.labels.push_back(static_cast<std::int32_t>(std::lround(v)));
  const fmri::Atlas cortex = ho_atlas.resampled_to(brain.grid);
  brain.mask.grid = brain.grid;
  brain.mask.source = "cortical mask (Harvard-Oxford cortical thr0 label > 0)";
  for (std::size_t i = 0; i < cortex.labels.size(); ++i)
    if (cortex.labels[i] > 0) brain.mask.voxels.push_back(static_cast<std::int64_t>(i));
  if (brain.mask.voxels.empty()) fail("the cortical mask at {} mm has no voxel", vs);

  const fmri::Atlas aal = fmri::read_atlas(aal_path, aal_labels).resampled_to(brain.grid);
  std::vector<std::string> names;
  for (const auto& r : spec.regions) names.push_back(r.name);
  const std::vector<std::int32_t> labels = aal.find_labels(names);
  for (std::size_t r = 0; r < spec.regions.size(); ++r)
    brain.regions.push_back({spec.regions[r].name, labels[r], spec.regions[r].share, 0});
  brain.region_of.assign(brain.mask.voxels.size(), -1);
  brain.share.assign(brain.mask.voxels.size(), 0.0f);
  for (std::size_t c = 0; c < brain.mask.voxels.size(); ++c) {
    const std::int32_t label = aal.labels[static_cast<std::size_t>(brain.mask.voxels[c])];
    for (std::size_t r = 0; r < brain.regions.size(); ++r)
      if (label == brain.regions[r].label && brain.regions[r].share > 0) {
        brain.region_of[c] = static_cast<int>(r);
        brain.share[c] = static_cast<float>(brain.regions[r].share);
        ++brain.regions[r].voxels;
      }
  }
  return brain;
}

}  // namespace b2m::synth
