// Atlases: the real mricron-data volumes, name lookup, nearest-neighbour resampling.
#include <gtest/gtest.h>

#include <cmath>

#include "b2m/fmri/atlas.h"
#include "b2m/runtime/error.h"
#include "nifti_test_files.h"

namespace b2m::fmri {
namespace {

const std::string kTemplates = "/usr/share/mricron/templates";
const std::string kStdlibAtlases = std::string(B2M_SOURCE_DIR) + "/stdlib/atlases";

TEST(Atlas, AalHas116NamedRegions) {
  const Atlas aal = read_builtin_atlas("aal", kTemplates, kStdlibAtlases);
  EXPECT_EQ(aal.names.size(), 116u);
  EXPECT_EQ(aal.max_label(), 116);
  EXPECT_EQ(aal.grid.shape, (std::array<std::int64_t, 3>{181, 217, 181}));
  EXPECT_EQ(aal.names.at(1), "Precentral_L");
  const std::vector<std::string> heschl{"Heschl_L", "heschl r"};
  EXPECT_EQ(aal.find_labels(heschl), (std::vector<std::int32_t>{79, 80}));
  EXPECT_GT(aal.region_mask(heschl).voxels.size(), 1000u);
}

TEST(Atlas, HarvardOxfordHas48NamedRegionsMatchingItsVolume) {
  const Atlas ho = read_builtin_atlas("harvard-oxford", kTemplates, kStdlibAtlases);
  EXPECT_EQ(ho.names.size(), 48u);
  EXPECT_EQ(ho.max_label(), static_cast<std::int32_t>(ho.names.size()));
  const std::vector<std::string> auditory{"Heschl's Gyrus (includes H1 and H2)", "Planum Temporale"};
  EXPECT_EQ(ho.find_labels(auditory), (std::vector<std::int32_t>{45, 46}));
  // Every label of the table is used by the volume.
  std::vector<bool> used(49, false);
  for (std::int32_t l : ho.labels) used[l] = true;
  for (int l = 1; l <= 48; ++l) EXPECT_TRUE(used[l]) << l;
}

TEST(Atlas, UnknownRegionNamesAreListedWithSuggestions) {
  const Atlas aal = read_builtin_atlas("aal", kTemplates, kStdlibAtlases);
  const std::vector<std::string> names{"Heshcl_L", "Temporal_Sup_L", "Insulla_R"};
  try {
    aal.find_labels(names);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("aal.nii.gz"), std::string::npos) << m;
    EXPECT_NE(m.find("'Heshcl_L' (did you mean 'Heschl_L'"), std::string::npos) << m;
    EXPECT_NE(m.find("'Insulla_R' (did you mean 'Insula_R'"), std::string::npos) << m;
    EXPECT_EQ(m.find("'Temporal_Sup_L' (did"), std::string::npos) << m;  // that one exists
  }
  EXPECT_THROW(read_builtin_atlas("destrieux", kTemplates, kStdlibAtlases), Error);
}

TEST(Atlas, EditDistance) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("heschl", "heschl"), 0u);
}

// A small random label atlas on a 1 mm grid resampled to a 2 mm grid with a
// shifted origin; every output voxel is checked against a direct lookup.
TEST(Atlas, NearestNeighbourResamplingThroughBothAffines) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.dims = {12, 10, 8, 1};
  spec.datatype = DT_UINT8;
  spec.sform = Eigen::Matrix4d::Identity();
  spec.sform.col(3) << -6.0, -5.0, -4.0, 1.0;
  std::mt19937 rng(3);
  std::vector<double> labels(12 * 10 * 8);
  for (double& l : labels) l = double(rng() % 4);
  test::write_nifti(dir.file("atlas.nii"), spec, labels);
  test::write_text(dir.file("atlas.txt"), "1\tA\n2\tB\n3\tC\n");
  const Atlas atlas = read_atlas(dir.file("atlas.nii"), dir.file("atlas.txt"));
  EXPECT_TRUE(atlas.resample_note.empty());

  Grid bold;
  bold.shape = {5, 4, 3};
  bold.affine = Eigen::Matrix4d::Identity() * 2.0;
  bold.affine(3, 3) = 1.0;
  bold.affine.col(3) << -5.0, -5.0, -3.0, 1.0;
  const Atlas on_bold = atlas.resampled_to(bold);
  EXPECT_NE(on_bold.resample_note.find("resampled by nearest neighbour"), std::string::npos);
  EXPECT_TRUE(on_bold.grid.same_as(bold));
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 5; ++i) {
        // world = 2*ijk + origin; atlas voxel = world - atlas origin.
        const int ai = 2 * i - 5 + 6, aj = 2 * j - 5 + 5, ak = 2 * k - 3 + 4;
        const bool inside = ai >= 0 && ai < 12 && aj >= 0 && aj < 10 && ak >= 0 && ak < 8;
        const double expected = inside ? labels[(ak * 10 + aj) * 12 + ai] : 0.0;
        EXPECT_EQ(on_bold.labels[(k * 4 + j) * 5 + i], expected) << i << "," << j << "," << k;
      }
  // Regions under a mask of the bold grid.
  Mask mask;
  mask.grid = bold;
  mask.source = "test mask";
  for (std::int64_t v = 0; v < bold.num_voxels(); ++v) mask.voxels.push_back(v);
  std::size_t covered = 0;
  for (const Region& r : on_bold.regions_under(mask)) covered += r.columns.size();
  std::size_t nonzero = 0;
  for (std::int32_t l : on_bold.labels) nonzero += l != 0;
  EXPECT_EQ(covered, nonzero);
  // The unresampled atlas is on another grid: an error printing both grids.
  try {
    atlas.regions_under(mask);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("atlas.nii' is on another grid than 'test mask'"), std::string::npos) << m;
    EXPECT_NE(m.find("12x10x8, affine [[1 0 0 -6]"), std::string::npos) << m;
    EXPECT_NE(m.find("5x4x3, affine [[2 0 0 -5]"), std::string::npos) << m;
  }
}

TEST(Atlas, NonIntegerOrUnnamedLabelsAreErrors) {
  test::TempDir dir;
  test::NiftiSpec spec;
  spec.dims = {2, 2, 2, 1};
  test::write_nifti(dir.file("frac.nii"), spec, {0, 1, 1.5, 0, 0, 0, 0, 0});
  test::write_text(dir.file("t.txt"), "1\tA\n");
  EXPECT_THROW(read_atlas(dir.file("frac.nii"), dir.file("t.txt")), Error);
  test::write_nifti(dir.file("nine.nii"), spec, {0, 1, 9, 0, 0, 0, 0, 0});
  try {
    read_atlas(dir.file("nine.nii"), dir.file("t.txt"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("uses label 9"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace b2m::fmri
