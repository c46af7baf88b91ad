// NIfTI reading (scaling, sform vs qform, units, NIfTI-2, gzip), atomic writing,
// and the errors on truncated or corrupt files.
#include <gtest/gtest.h>

#include <cmath>

#include "b2m/fmri/nifti.h"
#include "b2m/runtime/error.h"
#include "nifti_test_files.h"

namespace b2m::fmri {
namespace {

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Eigen::Matrix4d oblique_affine() {
  Eigen::Matrix4d a;
  a << 1.9, 0.2, 0.0, -90.5, -0.1, 2.1, 0.3, -120.0, 0.0, -0.2, 2.2, -60.25, 0, 0, 0, 1;
  return a;
}

TEST(NiftiIo, ScalingIsAppliedToInt16Data) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.datatype = DT_INT16;
  spec.scl_slope = 0.5f;
  spec.scl_inter = -3.0f;
  std::vector<double> stored(24);
  for (int i = 0; i < 24; ++i) stored[i] = i * 7 - 40;
  test::write_nifti(dir.file("v.nii"), spec, stored);
  const Volume v = read_volume(dir.file("v.nii"));
  ASSERT_EQ(v.values.size(), 24u);
  for (int i = 0; i < 24; ++i) EXPECT_FLOAT_EQ(v.values[i], float(stored[i] * 0.5 - 3.0));
  // slope 0 means unscaled.
  spec.scl_slope = 0.0f;
  test::write_nifti(dir.file("u.nii"), spec, stored);
  EXPECT_FLOAT_EQ(read_volume(dir.file("u.nii")).values[3], float(stored[3]));
}

TEST(NiftiIo, SformIsPreferredOverQform) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.sform_code = 2;
  spec.sform = oblique_affine();
  spec.qform_code = 1;
  spec.qform_voxel = {3, 3, 3};
  spec.qform_offset = {10, 20, 30};
  test::write_nifti(dir.file("s.nii"), spec, std::vector<double>(24, 1.0));
  EXPECT_LT((read_nifti_header(dir.file("s.nii")).grid.affine - oblique_affine()).cwiseAbs().maxCoeff(), 1e-5);
  spec.sform_code = 0;
  test::write_nifti(dir.file("q.nii"), spec, std::vector<double>(24, 1.0));
  Eigen::Matrix4d q = Eigen::Matrix4d::Identity() * 3.0;
  q(3, 3) = 1.0;
  q.col(3) << 10, 20, 30, 1;
  EXPECT_LT((read_nifti_header(dir.file("q.nii")).grid.affine - q).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(NiftiIo, TimeStepIsConvertedToSeconds) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.dims = {2, 2, 2, 5};
  spec.time_step = 1500.0f;
  spec.time_units = NIFTI_UNITS_MSEC;
  test::write_nifti(dir.file("b.nii"), spec, std::vector<double>(40, 1.0));
  const NiftiHeader h = read_nifti_header(dir.file("b.nii"));
  EXPECT_DOUBLE_EQ(h.time_step_s, 1.5);
  EXPECT_EQ(h.num_volumes, 5);
  spec.time_step = 1.5f;
  spec.time_units = NIFTI_UNITS_SEC;
  test::write_nifti(dir.file("c.nii"), spec, std::vector<double>(40, 1.0));
  EXPECT_DOUBLE_EQ(read_nifti_header(dir.file("c.nii")).time_step_s, 1.5);
}

TEST(NiftiIo, BoldUnderMaskIsTimeByVoxel) {
  test::TempDir dir;
  for (int version : {1, 2}) {
    for (const char* name : {"bold.nii", "bold.nii.gz"}) {
      test::NiftiSpec spec;
      spec.version = version;
      spec.dims = {4, 3, 2, 6};
      spec.time_step = 2.0f;
      std::vector<double> stored(4 * 3 * 2 * 6);
      for (std::size_t i = 0; i < stored.size(); ++i) stored[i] = std::sin(0.37 * double(i));
      const std::string path = dir.file(std::to_string(version) + name);
      test::write_nifti(path, spec, stored);
      const NiftiHeader h = read_nifti_header(path);
      EXPECT_EQ(h.nifti_version, version);
      Mask mask;
      mask.grid = h.grid;
      mask.source = "mask";
      mask.voxels = {0, 5, 7, 23};
      const BoldData bold = read_bold(path, &mask);
      ASSERT_EQ(bold.data.rows(), 6);
      ASSERT_EQ(bold.data.cols(), 4);
      for (int t = 0; t < 6; ++t)
        for (int c = 0; c < 4; ++c)
          EXPECT_FLOAT_EQ(bold.data(t, c), float(stored[t * 24 + mask.voxels[c]])) << path;
      EXPECT_EQ(read_bold(path, nullptr).data.cols(), 24);
    }
  }
}

TEST(NiftiIo, WrittenMapsKeepTheAffineAndLeaveNoTemporaryFile) {
  test::TempDir dir;
  Grid grid;
  grid.shape = {5, 4, 3};
  grid.affine = oblique_affine();
  std::vector<float> values(60);
  for (int i = 0; i < 60; ++i) values[i] = 0.25f * float(i) - 3.0f;
  for (const char* name : {"map.nii", "map.nii.gz"}) {
    write_volume(dir.file(name), grid, values);
    const Volume back = read_volume(dir.file(name));
    EXPECT_TRUE(back.grid.same_as(grid, 1e-4)) << back.grid.describe();
    EXPECT_EQ(back.values, values);
  }
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
    ++files;
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);
  }
  EXPECT_EQ(files, 2u);
  // Masked maps scatter into the grid.
  Mask mask;
  mask.grid = grid;
  mask.source = "m";
  mask.voxels = {1, 10, 59};
  const std::vector<float> three{1.0f, 2.0f, 3.0f};
  write_masked_map(dir.file("masked.nii.gz"), mask, three);
  const Volume masked = read_volume(dir.file("masked.nii.gz"));
  EXPECT_EQ(masked.values[10], 2.0f);
  EXPECT_EQ(masked.values[0], 0.0f);
  EXPECT_NE(error_of([&] { write_volume(dir.file("no/such/folder/x.nii"), grid, values); })
                .find("no/such/folder/x.nii"),
            std::string::npos);
}

TEST(NiftiIo, TruncatedFileIsAnErrorNamingIt) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.dims = {4, 3, 2, 5};
  std::string bytes = test::nifti_bytes(spec, std::vector<double>(120, 1.0));
  bytes.resize(bytes.size() - 100);
  test::write_bytes(dir.file("cut.nii"), bytes);
  const std::string m = error_of([&] { read_bold(dir.file("cut.nii"), nullptr); });
  EXPECT_NE(m.find("cut.nii"), std::string::npos) << m;
  EXPECT_NE(m.find("truncated"), std::string::npos) << m;
  // A compressed file cut short: the stream ends before the data does.
  std::string gz_bytes;
  test::write_bytes(dir.file("full.nii.gz"), test::nifti_bytes(spec, std::vector<double>(120, 1.0)));
  {
    std::ifstream in(dir.file("full.nii.gz"), std::ios::binary);
    gz_bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  gz_bytes.resize(gz_bytes.size() / 2);
  std::ofstream(dir.file("cut.nii.gz"), std::ios::binary).write(gz_bytes.data(), std::streamsize(gz_bytes.size()));
  const std::string gz = error_of([&] { read_bold(dir.file("cut.nii.gz"), nullptr); });
  EXPECT_NE(gz.find("cut.nii.gz"), std::string::npos) << gz;
  // Shorter than a header.
  test::write_bytes(dir.file("tiny.nii"), std::string(100, 'x'));
  EXPECT_NE(error_of([&] { read_volume(dir.file("tiny.nii")); }).find("truncated"), std::string::npos);
}

TEST(NiftiIo, HeaderAndImagePairsAreRead) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.dims = {4, 3, 2, 1};
  std::vector<double> stored(24);
  for (int i = 0; i < 24; ++i) stored[i] = 0.5 * i;
  std::string bytes = test::nifti_bytes(spec, stored);
  std::string header = bytes.substr(0, 348);
  std::memcpy(header.data() + 344, "ni1\0", 4);  // two-file magic
  const float zero_offset = 0.0f;
  std::memcpy(header.data() + 108, &zero_offset, 4);  // vox_offset: data starts the .img
  test::write_bytes(dir.file("pair.hdr"), header);
  test::write_bytes(dir.file("pair.img"), bytes.substr(352));
  const Volume v = read_volume(dir.file("pair.hdr"));
  EXPECT_EQ(v.values[5], 2.5f);
  // A short .img is reported with its own name.
  test::write_bytes(dir.file("pair.img"), bytes.substr(352, 40));
  const std::string m = error_of([&] { read_volume(dir.file("pair.hdr")); });
  EXPECT_NE(m.find("truncated"), std::string::npos) << m;
  EXPECT_NE(m.find("pair.img' has 40 bytes"), std::string::npos) << m;
}

TEST(NiftiIo, CorruptHeaderIsAnErrorNamingIt) {
  test::TempDir dir;
  std::string garbage(400, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = char(i * 37 + 11);
  test::write_bytes(dir.file("garbage.nii"), garbage);
  const std::string m = error_of([&] { read_volume(dir.file("garbage.nii")); });
  EXPECT_NE(m.find("garbage.nii"), std::string::npos) << m;
  EXPECT_NE(m.find("not a valid NIfTI"), std::string::npos) << m;
  EXPECT_NE(error_of([&] { read_volume(dir.file("missing.nii")); }).find("does not exist"),
            std::string::npos);
}

TEST(NiftiIo, NaNsInBoldAreAnErrorWithTheirPosition) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.dims = {4, 3, 2, 3};
  std::vector<double> stored(72, 1.0);
  stored[2 * 24 + 1 * 4 + 3] = std::nan("");  // volume 2, voxel (3, 1, 0)
  test::write_nifti(dir.file("nan.nii"), spec, stored);
  const std::string m = error_of([&] { read_bold(dir.file("nan.nii"), nullptr); });
  EXPECT_NE(m.find("nan.nii"), std::string::npos) << m;
  EXPECT_NE(m.find("non-finite"), std::string::npos) << m;
  EXPECT_NE(m.find("volume 2, voxel (3, 1, 0)"), std::string::npos) << m;
}

TEST(NiftiIo, MaskOnAnotherGridPrintsBothShapesAndAffines) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.dims = {4, 3, 2, 3};
  test::write_nifti(dir.file("bold.nii"), spec, std::vector<double>(72, 1.0));
  test::NiftiSpec mask_spec;
  mask_spec.dims = {5, 3, 2, 1};
  mask_spec.sform = oblique_affine();
  test::write_nifti(dir.file("mask.nii"), mask_spec, std::vector<double>(30, 1.0));
  const Mask mask = mask_from_volume(read_volume(dir.file("mask.nii")));
  const std::string m = error_of([&] { read_bold(dir.file("bold.nii"), &mask); });
  EXPECT_NE(m.find("bold.nii"), std::string::npos) << m;
  EXPECT_NE(m.find("mask.nii"), std::string::npos) << m;
  EXPECT_NE(m.find("4x3x2, affine [[1 0 0 0]"), std::string::npos) << m;
  EXPECT_NE(m.find("5x3x2, affine [[1.9 0.2 0 -90.5]"), std::string::npos) << m;
}

}  // namespace
}  // namespace b2m::fmri
