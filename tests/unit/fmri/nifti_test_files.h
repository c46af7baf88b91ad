// Hand-written NIfTI files for tests, built field by field from the standard's
// header structs (not through b2m's writer), so the reader is tested against
// an independent producer: int16 data with scaling, sform vs qform, time
// units, NIfTI-2, gzip, and deliberately broken files.
#pragma once

#include <nifti1.h>
#include <nifti2.h>
#include <zlib.h>

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace b2m::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("b2m-fmri-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

struct NiftiSpec {
  std::array<int, 4> dims{4, 3, 2, 1};  // nx, ny, nz, nt
  short datatype = DT_FLOAT32;
  float scl_slope = 0.0f;
  float scl_inter = 0.0f;
  float time_step = 0.0f;  // pixdim[4]
  int time_units = NIFTI_UNITS_SEC;
  int sform_code = 1;
  Eigen::Matrix4d sform = Eigen::Matrix4d::Identity();
  int qform_code = 0;
  // qform as a pure translation (quaternion 0) with these voxel sizes/offsets.
  std::array<float, 3> qform_voxel{1, 1, 1};
  std::array<float, 3> qform_offset{0, 0, 0};
  int version = 1;  // 1 or 2
};

inline std::int64_t num_values(const NiftiSpec& spec) {
  return std::int64_t(spec.dims[0]) * spec.dims[1] * spec.dims[2] * spec.dims[3];
}

// Raw bytes of a single-file NIfTI with `values` stored as spec.datatype
// (stored = value, i.e. already in file units).
inline std::string nifti_bytes(const NiftiSpec& spec, const std::vector<double>& stored) {
  std::string bytes;
  const int ndim = spec.dims[3] > 1 ? 4 : 3;
  if (spec.version == 1) {
    nifti_1_header h;
    std::memset(&h, 0, sizeof h);
    h.sizeof_hdr = 348;
    h.dim[0] = static_cast<short>(ndim);
    for (int i = 0; i < 4; ++i) h.dim[i + 1] = static_cast<short>(spec.dims[i]);
    for (int i = 5; i < 8; ++i) h.dim[i] = 1;
    h.datatype = spec.datatype;
    h.bitpix = static_cast<short>(spec.datatype == DT_INT16 ? 16 : spec.datatype == DT_UINT8 ? 8 : 32);
    h.pixdim[0] = 1;
    for (int i = 1; i < 4; ++i) h.pixdim[i] = spec.qform_voxel[i - 1];
    h.pixdim[4] = spec.time_step;
    h.vox_offset = 352;
    h.scl_slope = spec.scl_slope;
    h.scl_inter = spec.scl_inter;
    h.xyzt_units = static_cast<char>(NIFTI_UNITS_MM | spec.time_units);
    h.qform_code = static_cast<short>(spec.qform_code);
    h.sform_code = static_cast<short>(spec.sform_code);
    h.qoffset_x = spec.qform_offset[0];
    h.qoffset_y = spec.qform_offset[1];
    h.qoffset_z = spec.qform_offset[2];
    for (int c = 0; c < 4; ++c) {
      h.srow_x[c] = static_cast<float>(spec.sform(0, c));
      h.srow_y[c] = static_cast<float>(spec.sform(1, c));
      h.srow_z[c] = static_cast<float>(spec.sform(2, c));
    }
    std::memcpy(h.magic, "n+1\0", 4);
    bytes.assign(reinterpret_cast<const char*>(&h), sizeof h);
    bytes.append(4, '\0');  // extension flag
  } else {
    nifti_2_header h;
    std::memset(&h, 0, sizeof h);
    h.sizeof_hdr = 540;
    std::memcpy(h.magic, "n+2\0\r\n\032\n", 8);
    h.dim[0] = ndim;
    for (int i = 0; i < 4; ++i) h.dim[i + 1] = spec.dims[i];
    for (int i = 5; i < 8; ++i) h.dim[i] = 1;
    h.datatype = spec.datatype;
    h.bitpix = static_cast<short>(spec.datatype == DT_INT16 ? 16 : spec.datatype == DT_UINT8 ? 8 : 32);
    h.pixdim[0] = 1;
    for (int i = 1; i < 4; ++i) h.pixdim[i] = spec.qform_voxel[i - 1];
    h.pixdim[4] = spec.time_step;
    h.vox_offset = 544;
    h.scl_slope = spec.scl_slope;
    h.scl_inter = spec.scl_inter;
    h.xyzt_units = NIFTI_UNITS_MM | spec.time_units;
    h.qform_code = spec.qform_code;
    h.sform_code = spec.sform_code;
    h.qoffset_x = spec.qform_offset[0];
    h.qoffset_y = spec.qform_offset[1];
    h.qoffset_z = spec.qform_offset[2];
    for (int c = 0; c < 4; ++c) {
      h.srow_x[c] = spec.sform(0, c);
      h.srow_y[c] = spec.sform(1, c);
      h.srow_z[c] = spec.sform(2, c);
    }
    bytes.assign(reinterpret_cast<const char*>(&h), sizeof h);
    bytes.append(4, '\0');
  }
  for (double v : stored) {
    if (spec.datatype == DT_INT16) {
      const auto s = static_cast<std::int16_t>(v);
      bytes.append(reinterpret_cast<const char*>(&s), sizeof s);
    } else if (spec.datatype == DT_UINT8) {
      const auto s = static_cast<std::uint8_t>(v);
      bytes.append(reinterpret_cast<const char*>(&s), sizeof s);
    } else {
      const auto s = static_cast<float>(v);
      bytes.append(reinterpret_cast<const char*>(&s), sizeof s);
    }
  }
  return bytes;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  if (path.size() > 3 && path.substr(path.size() - 3) == ".gz") {
    gzFile gz = gzopen(path.c_str(), "wb");
    gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
  } else {
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  }
}

inline void write_nifti(const std::string& path, const NiftiSpec& spec,
                        const std::vector<double>& stored) {
  write_bytes(path, nifti_bytes(spec, stored));
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace b2m::test
