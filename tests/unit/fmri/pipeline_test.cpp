// End to end on a small synthetic subject written as a BIDS dataset: load runs
// under a mask, z-score, average event-aligned windows, resample an atlas to
// the bold grid, fit a ROI-wise ridge ensemble and identify test clips.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>

#include "b2m/eval/metrics.h"
#include "b2m/fmri/atlas.h"
#include "b2m/fmri/bids.h"
#include "b2m/fmri/preprocess.h"
#include "b2m/ridge/ridge.h"
#include "nifti_test_files.h"

namespace b2m {
namespace {

constexpr int kClipsPerRun = 6, kScansPerClip = 10, kDims = 8;
constexpr int kNx = 6, kNy = 5, kNz = 4, kVoxels = kNx * kNy * kNz;

TEST(Pipeline, SyntheticSubjectIsDecodedFromTheInformativeRegion) {
  test::TempDir dir;
  test::write_text(dir.file("dataset_description.json"), R"({"Name": "synthetic", "BIDSVersion": "1.4.0"})");
  const auto func = dir.path / "sub-01" / "func";
  std::filesystem::create_directories(func);

  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  // Voxels with x < 2 (bold grid) respond to the clip's embedding.
  std::vector<std::array<double, kDims>> loading(kVoxels);
  for (auto& l : loading)
    for (double& v : l) v = normal(rng);
  std::vector<std::array<double, kDims>> embedding;  // one per clip, all runs
  const int runs = 4;  // 3 training runs, 1 test run
  for (int r = 0; r < runs; ++r) {
    const std::string stem = (func / ("sub-01_task-Music_run-0" + std::to_string(r + 1))).string();
    std::string events = "onset\tduration\tgenre\ttrack\n";
    std::vector<double> bold(std::size_t(kVoxels) * kClipsPerRun * kScansPerClip);
    for (int c = 0; c < kClipsPerRun; ++c) {
      std::array<double, kDims> e;
      for (double& v : e) v = normal(rng);
      embedding.push_back(e);
      events += fmt::format("{}\t15\t'pop'\t{}\n", c * 15, r * kClipsPerRun + c);
      for (int s = 0; s < kScansPerClip; ++s) {
        const int scan = c * kScansPerClip + s;
        for (int v = 0; v < kVoxels; ++v) {
          double signal = 0.0;
          if (v % kNx < 2)
            for (int d = 0; d < kDims; ++d) signal += e[std::size_t(d)] * loading[std::size_t(v)][std::size_t(d)];
          bold[std::size_t(scan) * kVoxels + std::size_t(v)] = 100.0 + 2.0 * signal + 3.0 * normal(rng);
        }
      }
    }
    test::write_text(stem + "_events.tsv", events);
    test::write_text(stem + "_bold.json", R"({"RepetitionTime": 1.5})");
    test::NiftiSpec spec;
    spec.dims = {kNx, kNy, kNz, kClipsPerRun * kScansPerClip};
    spec.time_step = 1.5f;
    spec.sform = Eigen::Matrix4d::Identity() * 2.0;
    spec.sform(3, 3) = 1.0;
    test::write_nifti(stem + "_bold.nii.gz", spec, bold);
  }
  // A whole-grid mask on the bold grid, and a 1 mm atlas of three slabs in x.
  test::NiftiSpec mask_spec;
  mask_spec.dims = {kNx, kNy, kNz, 1};
  mask_spec.sform = Eigen::Matrix4d::Identity() * 2.0;
  mask_spec.sform(3, 3) = 1.0;
  test::write_nifti(dir.file("mask.nii"), mask_spec, std::vector<double>(kVoxels, 1.0));
  test::NiftiSpec atlas_spec;
  atlas_spec.dims = {12, 10, 8, 1};
  atlas_spec.datatype = DT_UINT8;
  std::vector<double> labels(12 * 10 * 8);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = 1.0 + double((i % 12) / 4);
  test::write_nifti(dir.file("atlas.nii"), atlas_spec, labels);
  test::write_text(dir.file("atlas.txt"), "1\tAuditory\n2\tMiddle\n3\tFar\n");

  const fmri::BidsDataset dataset = fmri::open_bids_dataset(dir.path.string());
  const fmri::Mask mask = fmri::mask_from_volume(fmri::read_volume(dir.file("mask.nii")));
  const fmri::Atlas atlas =
      fmri::read_atlas(dir.file("atlas.nii"), dir.file("atlas.txt")).resampled_to(mask.grid);
  EXPECT_FALSE(atlas.resample_note.empty());

  // Windows of every clip (4 x 10 s per 15 s clip), targets = the clip's embedding.
  RowMatrixF x_train, y_train, x_test, y_test;
  std::vector<std::size_t> test_clip;
  int clip_counter = 0;
  for (const fmri::BidsRun& run : dataset.runs_of("01", "Music")) {
    fmri::RunData data = fmri::load_run(run, &mask);
    const std::vector<Eigen::Index> lengths{data.bold.data.rows()};
    fmri::zscore_runs(data.bold.data, lengths);
    std::vector<double> onsets;
    for (const fmri::Event& e : data.events.events) onsets.push_back(e.onset_s);
    const RowMatrixF windows = fmri::event_windows(data.bold.data, data.tr_s, onsets, fmri::WindowSpec{});
    RowMatrixF targets(windows.rows(), kDims);
    for (Eigen::Index w = 0; w < windows.rows(); ++w)
      for (int d = 0; d < kDims; ++d)
        targets(w, d) = float(embedding[std::size_t(clip_counter + int(w / 4))][std::size_t(d)]);
    const bool is_test = run.run == runs;
    RowMatrixF& xs = is_test ? x_test : x_train;
    RowMatrixF& ys = is_test ? y_test : y_train;
    const Eigen::Index old = xs.rows();
    xs.conservativeResize(old + windows.rows(), windows.cols());
    ys.conservativeResize(old + targets.rows(), kDims);
    xs.bottomRows(windows.rows()) = windows;
    ys.bottomRows(targets.rows()) = targets;
    if (is_test)
      for (Eigen::Index w = 0; w < windows.rows(); ++w) test_clip.push_back(std::size_t(w / 4));
    clip_counter += kClipsPerRun;
  }
  ASSERT_EQ(x_train.rows(), 3 * kClipsPerRun * 4);
  ASSERT_EQ(x_test.rows(), kClipsPerRun * 4);

  std::vector<ridge::ColumnGroup> groups;
  for (const fmri::Region& region : atlas.regions_under(mask))
    groups.push_back({region.name, region.columns});
  ASSERT_EQ(groups.size(), 3u);
  ridge::RidgeOptions options;
  options.alphas = {0.1, 1, 10, 100, 1000, 10000};
  options.cv = ridge::CvScheme::grouped(std::vector<int>(x_train.rows(), 0), 0);
  for (Eigen::Index i = 0; i < x_train.rows(); ++i) options.cv.groups[std::size_t(i)] = int(i / (kClipsPerRun * 4));
  options.show_progress = false;
  const ridge::RoiEnsemble ensemble = ridge::fit_roi_ensemble(x_train, y_train, groups, 1, options);
  EXPECT_EQ(ensemble.ranked[0].group.name, "Auditory");

  // Test windows averaged per clip (as the paper averages the 4 MuLan windows).
  const fmri::RepeatAverage predicted = fmri::average_repeats(ensemble.predict(x_test), test_clip);
  const fmri::RepeatAverage truth = fmri::average_repeats(y_test, test_clip);
  EXPECT_GT(eval::identification_accuracy(predicted.data, truth.data).accuracy, 0.8);
}

}  // namespace
}  // namespace b2m
