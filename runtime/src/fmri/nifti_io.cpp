// NIfTI-1/2 reading and writing over nifticlib (nifti2_io reads both versions).
#include "b2m/fmri/nifti.h"

#include <nifti2_io.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <fmt/format.h>
#include <memory>
#include <mutex>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::fmri {
namespace {

namespace fs = std::filesystem;

struct NiftiImageDeleter {
  void operator()(nifti_image* image) const { nifti_image_free(image); }
};
using NiftiImagePtr = std::unique_ptr<nifti_image, NiftiImageDeleter>;

// nifticlib reports its own errors on stderr; ours name the file and the
// problem, so its chatter is silenced once.
void quiet_nifticlib() {
  static std::once_flag once;
  std::call_once(once, [] { nifti_set_debug_level(0); });
}

bool is_gzip_path(const std::string& path) {
  return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

Eigen::Matrix4d to_eigen(const nifti_dmat44& m) {
  Eigen::Matrix4d out;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) out(r, c) = m.m[r][c];
  return out;
}

Grid grid_of(const nifti_image& image) {
  Grid grid;
  grid.shape = {image.nx, image.ny, image.nz};
  // sform first: it carries the registration (e.g. to MNI) when present.
  grid.affine = image.sform_code > 0 ? to_eigen(image.sto_xyz) : to_eigen(image.qto_xyz);
  return grid;
}

double seconds_per_time_unit(int time_units) {
  switch (time_units) {
    case NIFTI_UNITS_SEC: return 1.0;
    case NIFTI_UNITS_MSEC: return 1e-3;
    case NIFTI_UNITS_USEC: return 1e-6;
    // Unknown units: the BIDS convention (and most converters) is seconds.
    case NIFTI_UNITS_UNKNOWN: return 1.0;
    default: return std::nan("");  // Hz, ppm, rad/s: not a time step
  }
}

NiftiImagePtr open_header(const std::string& path) {
  quiet_nifticlib();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail("NIfTI file '{}' does not exist", path);
  if (!is_gzip_path(path) && fs::file_size(path, ec) < 348)
    fail("NIfTI file '{}' is truncated: {} bytes, shorter than the 348-byte header", path,
         fs::file_size(path, ec));
  NiftiImagePtr image(nifti_image_read(path.c_str(), /*read_data=*/0));
  if (!image)
    fail("'{}' is not a valid NIfTI-1/2 file: the header could not be parsed "
         "(wrong sizeof_hdr or magic, corrupt or truncated compressed stream)",
         path);
  if (image->nx < 1 || image->ny < 1 || image->nz < 1 || image->nvox < 1)
    fail("NIfTI file '{}' has an empty grid {}x{}x{}", path, image->nx, image->ny, image->nz);
  // The data may live in another file (.hdr/.img pairs): check that one.
  const std::string data_path = image->iname ? image->iname : path;
  if (!is_gzip_path(data_path)) {
    const auto needed = static_cast<std::uintmax_t>(image->iname_offset) +
                        static_cast<std::uintmax_t>(image->nvox) * image->nbyper;
    const auto have = fs::file_size(data_path, ec);
    if (have < needed)
      fail("NIfTI file '{}' is truncated: the header describes {}x{}x{}x{} voxels of {} bytes "
           "from offset {} ({} bytes in all) but '{}' has {} bytes",
           path, image->nx, image->ny, image->nz, image->nt, image->nbyper,
           image->iname_offset, needed, data_path, have);
  }
  return image;
}

// Reads the voxel data with znz (plain or gzip) instead of nifti_image_load:
// nifticlib's loader silently replaces NaN/Inf floats by 0, which would hide
// exactly the bad data b2m must report.
void load_data(nifti_image& image, const std::string& path) {
  const std::size_t bytes = static_cast<std::size_t>(image.nvox) * image.nbyper;
  image.data = std::malloc(bytes);
  if (!image.data) fail("NIfTI file '{}': cannot allocate {} bytes for its data", path, bytes);
  const std::string data_path = image.iname ? image.iname : path;
  znzFile file = znzopen(data_path.c_str(), "rb", is_gzip_path(data_path) ? 1 : 0);
  if (znz_isnull(file)) fail("NIfTI file '{}': cannot open its data file '{}'", path, data_path);
  // fseek returns 0, gzseek the new offset: both are >= 0 on success.
  const bool positioned = znzseek(file, static_cast<long>(image.iname_offset), SEEK_SET) >= 0;
  std::size_t got = 0;
  if (positioned) {
    // znzread takes size_t counts but reads in chunks internally; loop anyway.
    char* out = static_cast<char*>(image.data);
    while (got < bytes) {
      const std::size_t n = znzread(out + got, 1, bytes - got, file);
      if (n == 0) break;
      got += n;
    }
  }
  znzclose(file);
  if (got != bytes)
    fail("NIfTI file '{}': its voxel data is truncated or corrupt: read {} of {} bytes ({}x{}x{}x{} "
         "voxels of {} bytes{})",
         path, got, bytes, image.nx, image.ny, image.nz, image.nt, image.nbyper,
         is_gzip_path(data_path) ? ", compressed stream" : "");
  if (image.byteorder != nifti_short_order() && image.swapsize > 1)
    nifti_swap_Nbytes(image.nvox, image.swapsize, image.data);
}

// Converts element `index` of the raw buffer to float (before scaling).
template <typename T>
float raw_at(const void* data, std::int64_t index) {
  return static_cast<float>(static_cast<const T*>(data)[index]);
}

using RawReader = float (*)(const void*, std::int64_t);

RawReader raw_reader(int datatype, const std::string& path) {
  switch (datatype) {
    case DT_UINT8: return raw_at<std::uint8_t>;
    case DT_INT8: return raw_at<std::int8_t>;
    case DT_INT16: return raw_at<std::int16_t>;
    case DT_UINT16: return raw_at<std::uint16_t>;
    case DT_INT32: return raw_at<std::int32_t>;
    case DT_UINT32: return raw_at<std::uint32_t>;
    case DT_INT64: return raw_at<std::int64_t>;
    case DT_UINT64: return raw_at<std::uint64_t>;
    case DT_FLOAT32: return raw_at<float>;
    case DT_FLOAT64: return raw_at<double>;
    default:
      fail("NIfTI file '{}' has voxel type {} ({}), which b2m does not read "
           "(supported: integer and float types)",
           path, nifti_datatype_string(datatype), datatype);
  }
}

// slope == 0 means "unscaled" in NIfTI; also treat non-finite values so.
struct Scaling {
  float slope = 1.0f;
  float inter = 0.0f;
};
Scaling scaling_of(const nifti_image& image) {
  Scaling s;
  if (image.scl_slope != 0.0 && std::isfinite(image.scl_slope)) {
    s.slope = static_cast<float>(image.scl_slope);
    s.inter = std::isfinite(image.scl_inter) ? static_cast<float>(image.scl_inter) : 0.0f;
  }
  return s;
}

}  // namespace

bool Grid::same_as(const Grid& other, double tolerance_mm) const {
  if (shape != other.shape) return false;
  return ((affine - other.affine).cwiseAbs().maxCoeff() <= tolerance_mm);
}

std::string Grid::describe() const {
  std::string rows;
  for (int r = 0; r < 4; ++r) {
    rows += r ? " [" : "[";
    for (int c = 0; c < 4; ++c) rows += fmt::format("{}{:.4g}", c ? " " : "", affine(r, c));
    rows += "]";
  }
  return fmt::format("{}x{}x{}, affine [{}]", shape[0], shape[1], shape[2], rows);
}

NiftiHeader read_nifti_header(const std::string& path) {
  NiftiImagePtr image = open_header(path);
  NiftiHeader header;
  header.path = path;
  header.grid = grid_of(*image);
  header.num_volumes = image->nt > 0 ? image->nt : 1;
  header.time_step_s = image->dt * seconds_per_time_unit(image->time_units);
  // nifti_image_read reports NIfTI-2 files as nifti_type 1 (it converts them),
  // so ask the header reader which version it parsed.
  int version = 1;
  std::free(nifti_read_header(path.c_str(), &version, /*check=*/1));
  header.nifti_version = version;
  header.datatype = image->datatype;
  return header;
}

Volume read_volume(const std::string& path) {
  NiftiImagePtr image = open_header(path);
  const std::int64_t n3 = image->nx * image->ny * image->nz;
  if (image->nvox != n3)
    fail("NIfTI file '{}' is not a 3D volume: it has {} volumes of {}x{}x{}", path,
         image->nvox / n3, image->nx, image->ny, image->nz);
  const RawReader reader = raw_reader(image->datatype, path);
  load_data(*image, path);
  Volume volume;
  volume.path = path;
  volume.grid = grid_of(*image);
  volume.values.resize(static_cast<std::size_t>(n3));
  const Scaling s = scaling_of(*image);
  for (std::int64_t i = 0; i < n3; ++i) volume.values[i] = reader(image->data, i) * s.slope + s.inter;
  return volume;
}

BoldData read_bold(const std::string& path, const Mask* mask) {
  NiftiImagePtr image = open_header(path);
  BoldData bold;
  bold.path = path;
  bold.grid = grid_of(*image);
  bold.time_step_s = image->dt * seconds_per_time_unit(image->time_units);
  const std::int64_t n3 = bold.grid.num_voxels();
  const std::int64_t num_volumes = image->nvox / n3;
  if (image->nvox != num_volumes * n3 || image->nu > 1)
    fail("NIfTI file '{}' is not a 4D series: dims {}x{}x{}x{}x{}", path, image->nx, image->ny,
         image->nz, image->nt, image->nu);
  if (mask) {
    require_same_grid(bold.grid, path, mask->grid, mask->source);
    bold.voxels = mask->voxels;
  } else {
    bold.voxels.resize(static_cast<std::size_t>(n3));
    for (std::int64_t i = 0; i < n3; ++i) bold.voxels[i] = i;
  }
  const RawReader reader = raw_reader(image->datatype, path);
  load_data(*image, path);
  const Scaling s = scaling_of(*image);
  const auto num_columns = static_cast<std::int64_t>(bold.voxels.size());
  bold.data.resize(num_volumes, num_columns);
  const void* raw = image->data;
  parallel_for(static_cast<std::size_t>(num_volumes), 8, [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) {
      const std::int64_t base = static_cast<std::int64_t>(t) * n3;
      float* row = bold.data.row(static_cast<Eigen::Index>(t)).data();
      for (std::int64_t c = 0; c < num_columns; ++c)
        row[c] = reader(raw, base + bold.voxels[c]) * s.slope + s.inter;
    }
  });
  // Report the first non-finite value by volume and voxel coordinates.
  for (Eigen::Index t = 0; t < bold.data.rows(); ++t) {
    for (Eigen::Index c = 0; c < bold.data.cols(); ++c) {
      const float v = bold.data(t, c);
      if (!std::isfinite(v)) {
        const std::int64_t flat = bold.voxels[c];
        const std::int64_t nx = bold.grid.shape[0], ny = bold.grid.shape[1];
        const Eigen::Index bad = (!bold.data.array().isFinite()).count();
        fail("NIfTI file '{}' contains {} non-finite values (first: {} at volume {}, voxel "
             "({}, {}, {}))",
             path, bad, v, t, flat % nx, (flat / nx) % ny, flat / (nx * ny));
      }
    }
  }
  return bold;
}

Mask mask_from_volume(const Volume& volume, float threshold) {
  Mask mask;
  mask.source = volume.path;
  mask.grid = volume.grid;
  for (std::size_t i = 0; i < volume.values.size(); ++i)
    if (volume.values[i] > threshold) mask.voxels.push_back(static_cast<std::int64_t>(i));
  if (mask.voxels.empty())
    fail("mask '{}' selects no voxel (no value above {})", volume.path, threshold);
  return mask;
}

void require_same_grid(const Grid& expected, const std::string& expected_source,
                       const Grid& actual, const std::string& actual_source) {
  if (expected.same_as(actual)) return;
  fail("'{}' is on another grid than '{}':\n  {}: {}\n  {}: {}\n(resample it to the bold grid "
       "first, e.g. with Atlas::resampled_to)",
       actual_source, expected_source, expected_source, expected.describe(), actual_source,
       actual.describe());
}

namespace {

// Writes a NIfTI-1 image whose voxel buffer `fill` fills (nifticlib allocated
// and zeroed), with the grid's affine as sform and qform, under a temporary
// name in the same folder, then renames it. `opts` is the znz open mode
// ("wb", or "wb1".."wb9" to choose the gzip level).
void write_image(const std::string& path, const Grid& grid, std::int64_t volumes, int datatype, double tr_s,
                 int xform_code, double slope, const std::function<void(void*)>& fill, const char* opts) {
  quiet_nifticlib();
  const bool gz = is_gzip_path(path);
  if (!gz && !(path.size() > 4 && path.compare(path.size() - 4, 4, ".nii") == 0))
    fail("cannot write '{}': the name must end in .nii or .nii.gz", path);
  const std::int64_t dims[8] = {volumes > 1 || tr_s > 0 ? 4 : 3, grid.shape[0], grid.shape[1], grid.shape[2],
                                volumes, 1, 1, 1};
  NiftiImagePtr image(nifti_make_new_nim(dims, datatype, /*data_fill=*/1));
  if (!image) fail("cannot write '{}': nifticlib could not allocate the image", path);
  fill(image->data);

  nifti_dmat44 m;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) m.m[r][c] = grid.affine(r, c);
  image->sform_code = xform_code;
  image->sto_xyz = m;
  image->sto_ijk = nifti_dmat44_inverse(m);
  // The qform carries the rigid part so that qform-only readers agree.
  image->qform_code = xform_code;
  nifti_dmat44_to_quatern(m, &image->quatern_b, &image->quatern_c, &image->quatern_d,
                          &image->qoffset_x, &image->qoffset_y, &image->qoffset_z, &image->dx,
                          &image->dy, &image->dz, &image->qfac);
  image->pixdim[1] = image->dx;
  image->pixdim[2] = image->dy;
  image->pixdim[3] = image->dz;
  image->qto_xyz = m;
  image->xyz_units = NIFTI_UNITS_MM;
  if (tr_s > 0) {
    image->dt = tr_s;
    image->pixdim[4] = tr_s;
    image->time_units = NIFTI_UNITS_SEC;
  }
  if (slope != 0.0) {
    image->scl_slope = slope;
    image->scl_inter = 0.0;
  }
  image->nifti_type = NIFTI_FTYPE_NIFTI1_1;

  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string temp =
      (folder / fmt::format(".{}.tmp{}{}", target.filename().string(), ::getpid(),
                            gz ? ".nii.gz" : ".nii"))
          .string();
  if (nifti_set_filenames(image.get(), temp.c_str(), /*check=*/0, /*set_byte_order=*/1) != 0)
    fail("cannot write '{}': bad file name", path);
  nifti_image_write_hdr_img(image.get(), /*write_data=*/1, opts);
  std::error_code ec;
  if (!fs::is_regular_file(temp, ec) || fs::file_size(temp, ec) < (gz ? 20u : 352u)) {
    fs::remove(temp, ec);
    fail("cannot write '{}': writing the temporary file '{}' failed (folder missing or not "
         "writable, or disk full)",
         path, temp);
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    fail("cannot write '{}': renaming the temporary file failed: {}", path, ec.message());
  }
}

std::string gzip_mode(int level) { return fmt::format("wb{}", std::clamp(level, 1, 9)); }

}  // namespace

void write_volume(const std::string& path, const Grid& grid, std::span<const float> values) {
  if (static_cast<std::int64_t>(values.size()) != grid.num_voxels())
    fail("cannot write '{}': {} values for a {}x{}x{} grid", path, values.size(), grid.shape[0],
         grid.shape[1], grid.shape[2]);
  write_image(path, grid, 1, DT_FLOAT32, 0.0, NIFTI_XFORM_SCANNER_ANAT, 0.0,
              [&](void* data) { std::copy(values.begin(), values.end(), static_cast<float*>(data)); }, "wb");
}

void write_bold(const std::string& path, const Grid& grid, std::int64_t volumes, double tr_s,
                std::span<const float> data, const NiftiWriteOptions& options) {
  if (volumes < 1 || static_cast<std::int64_t>(data.size()) != volumes * grid.num_voxels())
    fail("cannot write '{}': {} values for {} volumes of a {}x{}x{} grid", path, data.size(), volumes,
         grid.shape[0], grid.shape[1], grid.shape[2]);
  if (!(tr_s > 0)) fail("cannot write '{}': the repetition time must be positive, got {}", path, tr_s);
  const int xform = options.mni_space ? NIFTI_XFORM_MNI_152 : NIFTI_XFORM_SCANNER_ANAT;
  const std::string mode = gzip_mode(options.compression_level);
  if (!options.int16) {
    write_image(path, grid, volumes, DT_FLOAT32, tr_s, xform, 0.0,
                [&](void* out) { std::copy(data.begin(), data.end(), static_cast<float*>(out)); }, mode.c_str());
    return;
  }
  float max_abs = 0.0f;
  for (float v : data) {
    if (!std::isfinite(v)) fail("cannot write '{}': the data holds a non-finite value", path);
    max_abs = std::max(max_abs, std::fabs(v));
  }
  const double slope = max_abs > 0 ? static_cast<double>(max_abs) / 32767.0 : 1.0;
  write_image(path, grid, volumes, DT_INT16, tr_s, xform, slope, [&](void* out) {
    auto* q = static_cast<std::int16_t*>(out);
    for (std::size_t i = 0; i < data.size(); ++i)
      q[i] = static_cast<std::int16_t>(std::lround(std::clamp(data[i] / slope, -32767.0, 32767.0)));
  }, mode.c_str());
}

void write_mask(const std::string& path, const Mask& mask, const NiftiWriteOptions& options) {
  const int xform = options.mni_space ? NIFTI_XFORM_MNI_152 : NIFTI_XFORM_SCANNER_ANAT;
  const std::string mode = gzip_mode(std::max(options.compression_level, 6));
  write_image(path, mask.grid, 1, DT_UINT8, 0.0, xform, 0.0, [&](void* out) {
    auto* q = static_cast<std::uint8_t*>(out);
    for (std::int64_t v : mask.voxels) {
      if (v < 0 || v >= mask.grid.num_voxels()) fail("cannot write '{}': mask voxel {} outside the grid", path, v);
      q[v] = 1;
    }
  }, mode.c_str());
}

void write_masked_map(const std::string& path, const Mask& mask, std::span<const float> values) {
  if (values.size() != mask.voxels.size())
    fail("cannot write '{}': {} values for a mask of {} voxels ('{}')", path, values.size(),
         mask.voxels.size(), mask.source);
  std::vector<float> full(static_cast<std::size_t>(mask.grid.num_voxels()), 0.0f);
  for (std::size_t i = 0; i < values.size(); ++i) full[mask.voxels[i]] = values[i];
  write_volume(path, mask.grid, full);
}

}  // namespace b2m::fmri
