// fmri::write_bold (float32 and int16 + scl_slope) and fmri::write_mask read
// back through the runtime's NIfTI reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "b2m/fmri/nifti.h"
#include "b2m/runtime/error.h"

namespace b2m::fmri {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("b2m-synth-nifti-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

Grid test_grid() {
  Grid g;
  g.shape = {4, 3, 2};
  g.affine << 6, 0, 0, -78, 0, 6, 0, -114, 0, 0, 6, -60, 0, 0, 0, 1;
  return g;
}

TEST(WriteBold, Float32RoundTripsWithTheRepetitionTime) {
  TempDir tmp;
  const Grid g = test_grid();
  const std::int64_t volumes = 5;
  std::vector<float> data(static_cast<std::size_t>(volumes * g.num_voxels()));
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = 300.0f + 0.37f * static_cast<float>(i) - 0.001f * i * i;
  const std::string path = (tmp.path / "bold.nii.gz").string();
  NiftiWriteOptions options;
  options.mni_space = true;
  write_bold(path, g, volumes, 1.5, data, options);
  const NiftiHeader h = read_nifti_header(path);
  EXPECT_EQ(h.num_volumes, volumes);
  EXPECT_DOUBLE_EQ(h.time_step_s, 1.5);
  EXPECT_TRUE(h.grid.same_as(g));
  EXPECT_EQ(h.datatype, 16);  // DT_FLOAT32
  const BoldData b = read_bold(path, nullptr);
  ASSERT_EQ(b.data.rows(), volumes);
  ASSERT_EQ(b.data.cols(), g.num_voxels());
  for (std::int64_t t = 0; t < volumes; ++t)
    for (std::int64_t v = 0; v < g.num_voxels(); ++v)
      EXPECT_EQ(b.data(t, v), data[static_cast<std::size_t>(t * g.num_voxels() + v)]);
  // No temporary files left.
  for (const auto& e : fs::directory_iterator(tmp.path)) EXPECT_EQ(e.path().filename(), "bold.nii.gz");
}

TEST(WriteBold, Int16KeepsValuesToHalfTheSlope) {
  TempDir tmp;
  const Grid g = test_grid();
  std::vector<float> data(static_cast<std::size_t>(3 * g.num_voxels()));
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = (i % 5 == 0) ? 0.0f : 900.0f + 11.3f * std::sin(0.7f * i);
  const std::string path = (tmp.path / "bold16.nii").string();
  NiftiWriteOptions options;
  options.int16 = true;
  write_bold(path, g, 3, 1.5, data, options);
  EXPECT_EQ(read_nifti_header(path).datatype, 4);  // DT_INT16
  const BoldData b = read_bold(path, nullptr);
  float max_abs = 0;
  for (float v : data) max_abs = std::max(max_abs, std::fabs(v));
  const float slope = max_abs / 32767.0f;
  for (std::int64_t t = 0; t < 3; ++t)
    for (std::int64_t v = 0; v < g.num_voxels(); ++v)
      EXPECT_NEAR(b.data(t, v), data[static_cast<std::size_t>(t * g.num_voxels() + v)], 0.51f * slope + 1e-4f);
}

TEST(WriteBold, RejectsBadArguments) {
  TempDir tmp;
  const Grid g = test_grid();
  std::vector<float> data(static_cast<std::size_t>(2 * g.num_voxels()), 1.0f);
  EXPECT_THROW(write_bold((tmp.path / "a.nii").string(), g, 3, 1.5, data), Error);       // size
  EXPECT_THROW(write_bold((tmp.path / "a.nii").string(), g, 2, 0.0, data), Error);       // TR
  EXPECT_THROW(write_bold((tmp.path / "a.txt").string(), g, 2, 1.5, data), Error);       // name
  EXPECT_THROW(write_bold((tmp.path / "no/a.nii").string(), g, 2, 1.5, data), Error);    // folder
}

TEST(WriteMask, IsUint8OnTheMaskGrid) {
  TempDir tmp;
  Mask m;
  m.grid = test_grid();
  m.voxels = {0, 5, 7, 23};
  const std::string path = (tmp.path / "mask.nii.gz").string();
  write_mask(path, m);
  EXPECT_EQ(read_nifti_header(path).datatype, 2);  // DT_UINT8
  const Mask back = mask_from_volume(read_volume(path));
  EXPECT_EQ(back.voxels, m.voxels);
  EXPECT_TRUE(back.grid.same_as(m.grid));
}

}  // namespace
}  // namespace b2m::fmri
