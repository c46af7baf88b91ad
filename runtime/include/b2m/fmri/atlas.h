// Label atlases: a 3D volume of integer region labels plus a label table.
//
// Regions are selected by name (case-insensitive; '_' and ' ' are the same);
// an unknown name is an error that suggests the closest names. An atlas on
// another grid than the bold data is resampled by nearest neighbour through
// both affines, and the atlas records that it was (resample_note).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "b2m/fmri/nifti.h"

namespace b2m::fmri {

// One region of an atlas restricted to a mask: the mask columns it covers.
struct Region {
  int label = 0;
  std::string name;
  std::vector<std::int64_t> columns;  // indices into Mask::voxels (= bold columns)
};

struct Atlas {
  std::string path;         // the label volume
  std::string labels_path;  // the label table
  Grid grid;
  std::vector<std::int32_t> labels;      // per voxel, file order; 0 = background
  std::map<std::int32_t, std::string> names;  // label -> region name
  std::string resample_note;             // empty unless resampled_to() made this atlas

  // Largest label value present in the volume.
  std::int32_t max_label() const;
  // Labels of `region_names`, in order; fails listing every unknown name with
  // up to three close names each.
  std::vector<std::int32_t> find_labels(std::span<const std::string> region_names) const;
  // The atlas on `target` by nearest neighbour (voxel centres mapped through
  // target.affine then this->affine^-1; outside the atlas -> 0). When the grids
  // already match, a copy with an empty note.
  Atlas resampled_to(const Grid& target) const;
  // Voxels of the named regions (must be on the atlas grid).
  Mask region_mask(std::span<const std::string> region_names) const;
  // For every label present under `mask`, the mask columns it covers (labels
  // in increasing order; regions with fewer than `min_voxels` dropped). The
  // atlas must be on the mask's grid.
  std::vector<Region> regions_under(const Mask& mask, std::size_t min_voxels = 1) const;
};

// Reads a label volume and its table. Table lines: "index<TAB>name[<TAB>code]"
// or "index name [code]" (whitespace, name without spaces: mricron's .txt);
// '#' starts a comment. Fails when the volume holds non-integer values or a
// label missing from the table.
Atlas read_atlas(const std::string& volume_path, const std::string& labels_path);

// The atlases shipped with b2m: "aal" (mricron-data's AAL, 116 regions) and
// "harvard-oxford" (FSL's Harvard-Oxford cortical max-probability atlas,
// thr0 1mm, 48 regions; its table is stdlib/atlases/HarvardOxford-cort.txt).
// templates_dir: /usr/share/mricron/templates; stdlib_atlases_dir: stdlib/atlases.
Atlas read_builtin_atlas(const std::string& name, const std::string& templates_dir,
                         const std::string& stdlib_atlases_dir);

// Levenshtein distance (used for name suggestions).
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace b2m::fmri
