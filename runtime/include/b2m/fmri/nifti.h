// NIfTI-1 / NIfTI-2 volumes (.nii and .nii.gz) through nifticlib.
//
// Voxel values are always returned as float32 with scl_slope / scl_inter
// applied (slope 0 means "no scaling", as the standard says). The voxel ->
// world affine is the sform when sform_code > 0, else the qform (nifticlib
// falls back to pixdim scaling when neither is set). Flat voxel indices are in
// file order: x fastest, then y, then z.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "b2m/ridge/matrix.h"

namespace b2m::fmri {

// A 3D voxel grid: shape and voxel -> world (mm) affine.
struct Grid {
  std::array<std::int64_t, 3> shape{0, 0, 0};
  Eigen::Matrix4d affine = Eigen::Matrix4d::Identity();

  std::int64_t num_voxels() const { return shape[0] * shape[1] * shape[2]; }
  // Same shape and affines equal to `tolerance_mm` (element-wise).
  bool same_as(const Grid& other, double tolerance_mm = 1e-3) const;
  // "96x96x68, affine [[2 0 0 -96] [0 2 0 -96] [0 0 2 -68] [0 0 0 1]]".
  std::string describe() const;
};

// What the header says, without reading voxel data.
struct NiftiHeader {
  std::string path;
  Grid grid;
  std::int64_t num_volumes = 1;  // dim[4] (1 for 3D images)
  // pixdim[4] converted to seconds through xyzt_units; 0 when the header has no
  // time step (pixdim[4] == 0) and NaN when its time unit is not a time (Hz, ppm).
  double time_step_s = 0.0;
  int nifti_version = 1;  // 1 or 2
  int datatype = 0;       // NIFTI DT_* code
};

// A 3D scalar volume (a map, a mask, a label atlas).
struct Volume {
  std::string path;
  Grid grid;
  std::vector<float> values;  // grid.num_voxels(), file order
};

// Voxels selected on a grid (flat indices in increasing order).
struct Mask {
  std::string source;  // file or description, for error messages
  Grid grid;
  std::vector<std::int64_t> voxels;
};

// A 4D bold run restricted to a mask: data is [time x voxel], row t is volume t.
struct BoldData {
  std::string path;
  Grid grid;
  double time_step_s = 0.0;  // header pixdim[4] in seconds
  std::vector<std::int64_t> voxels;  // flat grid indices of the columns
  RowMatrixF data;
};

// Reads the header only. Fails with the file name on a missing file, a header
// that is not NIfTI-1/2, or (for uncompressed files) a file shorter than the
// header says its data needs.
NiftiHeader read_nifti_header(const std::string& path);

// A 3D volume (4D files with one volume are accepted).
Volume read_volume(const std::string& path);

// A 4D bold series under `mask` (nullptr: all voxels). The mask must be on the
// bold grid (error printing both shapes and affines otherwise). Fails on NaN or
// infinite values, naming the volume and voxel.
BoldData read_bold(const std::string& path, const Mask* mask);

// Voxels of `volume` whose value is > threshold.
Mask mask_from_volume(const Volume& volume, float threshold = 0.0f);

// Fails, naming both sources, both shapes and both affines, unless the grids match.
void require_same_grid(const Grid& expected, const std::string& expected_source,
                       const Grid& actual, const std::string& actual_source);

// Writes a float32 3D map with `grid`'s affine (as sform and qform, NIfTI-1).
// The file is written under a temporary name in the same folder and renamed,
// so readers never see a half-written map. ".nii.gz" compresses.
void write_volume(const std::string& path, const Grid& grid, std::span<const float> values);

// Scatters one value per mask voxel into a full grid (0 elsewhere) and writes it.
void write_masked_map(const std::string& path, const Mask& mask, std::span<const float> values);

// How write_bold / write_mask store their data.
struct NiftiWriteOptions {
  // sform/qform code: NIFTI_XFORM_MNI_152 (4) for data in MNI space, else
  // NIFTI_XFORM_SCANNER_ANAT (1).
  bool mni_space = false;
  // Bold only: int16 with a per-file scl_slope (max |value| -> 32767) instead of float32.
  bool int16 = false;
  // gzip level for .nii.gz (1 fast .. 9 small).
  int compression_level = 1;
};

// Writes a 4D float series: `data` holds `volumes` volumes of grid.num_voxels()
// values each (file order, volume slowest); pixdim[4] = tr_s with xyzt_units
// seconds + millimetres; the grid's affine as sform and qform. Atomic like
// write_volume.
void write_bold(const std::string& path, const Grid& grid, std::int64_t volumes, double tr_s,
                std::span<const float> data, const NiftiWriteOptions& options = {});

// Writes a uint8 mask (1 inside, 0 outside) on the mask's grid. Atomic.
void write_mask(const std::string& path, const Mask& mask, const NiftiWriteOptions& options = {});

}  // namespace b2m::fmri
