// fmri.bids, fmri.windows and music.embed_windows from a compiled pipeline, on
// a hand-made BIDS dataset (NIfTI files written field by field, not by b2m):
// the bold rows and mask columns, the run labels, the stimulus codes, the
// event-aligned window means against a direct computation, the lead-in
// convention, and the embedding rows that must line up with the windows.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "../fmri/nifti_test_files.h"
#include "b2m/io/audio.h"
#include "b2m/io/npy.h"
#include "shell.h"

namespace fs = std::filesystem;

namespace {

constexpr int kScans = 30;     // 3 events of 15 s at TR 1.5 s
constexpr int kNx = 4, kNy = 3, kNz = 2;
constexpr double kTr = 1.5;

// Bold value of voxel v at scan t of run r: distinct everywhere.
double bold_value(int r, int t, int v) { return 1000.0 * r + 10.0 * t + 0.01 * v; }

// As in the real design, each run starts with a repeat of a clip presented
// elsewhere: run 1 opens with run 2's last clip (disco.00007), run 2 with run
// 1's last (jazz.00011). One genre has the dataset's malformed quote.
std::string events_text(int run, const char* run2_last) {
  if (run == 1)
    return "onset\tduration\tgenre\ttrack\tstart\tend\n0\t15\t'disco'\t7\t0\t15\n15\t15\tblues'\t3\t0\t15\n"
           "30\t15\t'jazz'\t11\t0\t15\n";
  return std::string("onset\tduration\tgenre\ttrack\tstart\tend\n0\t15\t'jazz'\t11\t0\t15\n15\t15\t'rock'\t2\t0\t15\n") +
         "30\t15\t" + run2_last + "\t0\t15\n";
}

void make_dataset(const fs::path& root, const char* run2_last = "'disco'\t7") {
  using namespace b2m::test;
  fs::create_directories(root / "sub-01" / "func");
  fs::create_directories(root / "derivatives" / "prep" / "sub-01" / "func");
  fs::create_directories(root / "stimuli");
  write_text((root / "dataset_description.json").string(), R"({"Name": "t", "BIDSVersion": "1.8.0"})");
  for (int r = 1; r <= 2; ++r) {
    std::string stem = (root / "sub-01" / "func" / ("sub-01_task-A_run-0" + std::to_string(r))).string();
    write_text(stem + "_events.tsv", events_text(r, run2_last));
    write_text(stem + "_bold.json", R"({"RepetitionTime": 1.5})");
    NiftiSpec spec;
    spec.dims = {kNx, kNy, kNz, kScans};
    spec.time_step = static_cast<float>(kTr);
    std::vector<double> values;
    for (int t = 0; t < kScans; ++t)
      for (int v = 0; v < kNx * kNy * kNz; ++v) values.push_back(bold_value(r, t, v));
    write_nifti(stem + "_bold.nii.gz", spec, values);
  }
  // Mask: voxels 1, 5, 6, 20.
  NiftiSpec mask;
  mask.dims = {kNx, kNy, kNz, 1};
  mask.datatype = DT_UINT8;
  std::vector<double> m(kNx * kNy * kNz, 0.0);
  for (int v : {1, 5, 6, 20}) m[v] = 1;
  write_nifti((root / "derivatives" / "prep" / "sub-01" / "func" / "sub-01_desc-brain_mask.nii.gz").string(), mask, m);
  // Stimuli: 15 s tones whose pitch depends on the clip.
  int k = 0;
  for (const char* name : {"disco.00007", "blues.00003", "jazz.00011", "rock.00002"}) {
    b2m::io::Audio a;
    a.sample_rate = 22050;
    a.samples.resize(15 * 22050);
    double hz = 220.0 * std::pow(2.0, k++);
    for (std::size_t i = 0; i < a.samples.size(); ++i)
      a.samples[i] = static_cast<float>(0.2 * std::sin(2 * std::numbers::pi * hz * i / 22050.0) *
                                        (1.0 + 0.5 * std::sin(2 * std::numbers::pi * 0.3 * i / 22050.0)));
    b2m::io::write_audio((root / "stimuli" / (std::string(name) + ".wav")).string(), a, b2m::io::AudioFormat::wav_pcm16);
  }
}

const char* kPipeline = R"(import fmri, music
source r = fmri.bids("ds", "01", task="A")
let w = fmri.windows(r.bold, r.run, r.events, r.tr)
out "bold.npy" = r.bold
out "run.npy" = r.run
out "stimulus.npy" = r.events.stimulus
out "w.npy" = w.data
out "clip.npy" = w.clip
out "wstim.npy" = w.stimulus
out "wgenre.npy" = w.genre
out "emb.npy" = music.embed_windows("ds", r.events)
out "wlag.npy" = fmri.windows(r.bold, r.run, r.events, r.tr, lag=4.5).data
)";

std::vector<std::int64_t> ints(const fs::path& p) { return b2m::io::read_npy(p.string()).as_i64(); }

TEST(DatasetBindings, BidsWindowsAndEmbeddingsLineUp) {
  fs::path dir = fs::temp_directory_path() / ("b2m_dataset_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  make_dataset(dir / "ds");
  std::ofstream((dir / "p.b2m").string()) << kPipeline;
  std::string cmd = std::string("'") + B2M_BINARY_DIR + "/bin/b2mc' run p.b2m --stdlib-dir '" + B2M_SOURCE_DIR +
                    "/stdlib' -- --out res";
  std::string out;
  ASSERT_EQ(b2m::testing::run_in(dir, cmd, &out), 0) << out;
  const fs::path res = dir / "res";

  // Bold: both runs, masked columns in index order.
  const std::vector<int> voxels = {1, 5, 6, 20};
  auto bold = b2m::io::read_npy((res / "bold.npy").string());
  ASSERT_EQ(bold.shape(), (std::vector<std::size_t>{2 * kScans, voxels.size()}));
  auto b = bold.as_f32();
  for (int r = 1; r <= 2; ++r)
    for (int t = 0; t < kScans; ++t)
      for (std::size_t j = 0; j < voxels.size(); ++j)
        EXPECT_FLOAT_EQ(b[((r - 1) * kScans + t) * voxels.size() + j], bold_value(r, t, voxels[j]));
  auto run = ints(res / "run.npy");
  EXPECT_EQ(run.front(), 1);
  EXPECT_EQ(run.back(), 2);
  // Stimulus codes: genre index * 100 + track (disco 3, blues 0, jazz 5, rock 9).
  EXPECT_EQ(ints(res / "stimulus.npy"), (std::vector<std::int64_t>{307, 3, 511, 511, 902, 307}));

  // Windows: each run's first event dropped; 4 windows of 10 s at a 1.5 s step
  // per kept event; window w of the event at onset o averages the scans
  // floor((o + 1.5 w) / 1.5) .. ceil((o + 1.5 w + 10) / 1.5) - 1 of its run.
  struct Kept { int run; double onset; std::int64_t clip, stimulus, genre; };
  const std::vector<Kept> kept = {{1, 15, 0, 3, 0}, {1, 30, 1, 511, 5}, {2, 15, 2, 902, 9}, {2, 30, 3, 307, 3}};
  auto w = b2m::io::read_npy((res / "w.npy").string());
  ASSERT_EQ(w.shape(), (std::vector<std::size_t>{kept.size() * 4, voxels.size()}));
  auto wv = w.as_f32();
  auto wlag = b2m::io::read_npy((res / "wlag.npy").string()).as_f32();
  auto clip = ints(res / "clip.npy"), wstim = ints(res / "wstim.npy"), wgenre = ints(res / "wgenre.npy");
  for (std::size_t e = 0; e < kept.size(); ++e)
    for (int k = 0; k < 4; ++k) {
      std::size_t row = e * 4 + k;
      double start = kept[e].onset + 1.5 * k;
      int first = static_cast<int>(std::floor(start / kTr)), last = static_cast<int>(std::ceil((start + 10) / kTr)) - 1;
      for (std::size_t j = 0; j < voxels.size(); ++j) {
        double sum = 0;
        for (int t = first; t <= last; ++t) sum += bold_value(kept[e].run, t, voxels[j]);
        EXPECT_NEAR(wv[row * voxels.size() + j], sum / (last - first + 1), 1e-3) << "row " << row;
      }
      // With a 4.5 s lag the window moves 3 scans later; past the run's end
      // it averages the scans that exist.
      int lag_first = first + 3, lag_last = std::min(last + 3, kScans - 1);
      for (std::size_t j = 0; j < voxels.size(); ++j) {
        double sum = 0;
        for (int t = lag_first; t <= lag_last; ++t) sum += bold_value(kept[e].run, t, voxels[j]);
        EXPECT_NEAR(wlag[row * voxels.size() + j], sum / (lag_last - lag_first + 1), 1e-3) << "lagged row " << row;
      }
      EXPECT_EQ(clip[row], kept[e].clip);
      EXPECT_EQ(wstim[row], kept[e].stimulus);
      EXPECT_EQ(wgenre[row], kept[e].genre);
    }

  // Embeddings: one unit-norm row per window, in the same order; different
  // stimuli give different rows.
  auto emb = b2m::io::read_npy((res / "emb.npy").string());
  ASSERT_EQ(emb.shape(), (std::vector<std::size_t>{kept.size() * 4, 128}));
  auto ev = emb.as_f32();
  for (std::size_t row = 0; row < kept.size() * 4; ++row) {
    double norm = 0;
    for (int d = 0; d < 128; ++d) norm += double(ev[row * 128 + d]) * ev[row * 128 + d];
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  double cos_same_clip = 0, cos_other = 0;
  for (int d = 0; d < 128; ++d) {
    cos_same_clip += double(ev[0 * 128 + d]) * ev[1 * 128 + d];  // blues windows 0 and 1
    cos_other += double(ev[0 * 128 + d]) * ev[8 * 128 + d];      // blues vs rock
  }
  EXPECT_GT(cos_same_clip, cos_other);
  fs::remove_all(dir);
}

TEST(DatasetBindings, LeadInThatIsNotARepeatIsAnErrorAndMissingFilesAreNamed) {
  fs::path dir = fs::temp_directory_path() / ("b2m_dataset_bad_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Run 1's first clip (disco.00007) is no longer presented again.
  make_dataset(dir / "ds", "'jazz'\t11");
  std::ofstream((dir / "p.b2m").string()) << kPipeline;
  std::string cmd = std::string("'") + B2M_BINARY_DIR + "/bin/b2mc' run p.b2m --stdlib-dir '" + B2M_SOURCE_DIR +
                    "/stdlib' -- --out res";
  std::string out;
  EXPECT_EQ(b2m::testing::run_in(dir, cmd, &out), 1);
  EXPECT_NE(out.find("disco.00007 is not presented again"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "res"));

  // A missing stimulus file is named.
  make_dataset(dir / "ds");
  fs::remove(dir / "ds" / "stimuli" / "rock.00002.wav");
  EXPECT_EQ(b2m::testing::run_in(dir, cmd, &out), 1);
  EXPECT_NE(out.find("rock.00002.wav"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "res"));

  // A subject that does not exist: the message lists the subjects.
  std::ofstream((dir / "p.b2m").string()) << std::string(kPipeline).replace(std::string(kPipeline).find("\"01\""), 4, "\"02\"");
  EXPECT_EQ(b2m::testing::run_in(dir, cmd, &out), 1);
  EXPECT_NE(out.find("has no subject '02' (subjects: 01)"), std::string::npos) << out;
  fs::remove_all(dir);
}

// Runs `pipeline` with `b2mc run` on a fresh copy of the test dataset:
// expects exit status 1 and no output folder, and returns what it printed.
std::string failing_run(const std::string& name, const std::string& pipeline) {
  fs::path dir = fs::temp_directory_path() / ("b2m_dataset_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  make_dataset(dir / "ds");
  std::ofstream((dir / "p.b2m").string()) << pipeline;
  std::string out;
  EXPECT_EQ(b2m::testing::run_in(dir,
                                 std::string("'") + B2M_BINARY_DIR + "/bin/b2mc' run p.b2m --stdlib-dir '" +
                                     B2M_SOURCE_DIR + "/stdlib' -- --out res",
                                 &out),
            1)
      << out;
  EXPECT_FALSE(fs::exists(dir / "res"));
  fs::remove_all(dir);
  return out;
}

// A lag that pushes a window mostly past the end of its run: fewer than half
// of the window's scans exist, and the message names the window, the scans it
// needs and the run's length.
TEST(DatasetBindings, WindowMostlyPastTheRunIsAnError) {
  std::string out = failing_run("lag", R"(import fmri
source r = fmri.bids("ds", "01", task="A")
out "w.npy" = fmri.windows(r.bold, r.run, r.events, r.tr, lag=12.0).data
)");
  EXPECT_NE(out.find("p.b2m:3:15 (fmri.windows): fmri.windows: window"), std::string::npos) << out;
  EXPECT_NE(out.find("but the run has 30 scans"), std::string::npos) << out;
}

// An atlas region that covers none of the brain mask's voxels on the bold
// grid (the tiny test grid lies outside AAL's auditory cortex) is an error
// naming the region, the atlas, the mask and the grid, not an empty ROI.
TEST(DatasetBindings, AtlasRegionOutsideTheMaskIsAnError) {
  std::string out = failing_run("atlas", R"(import fmri
source atlas = fmri.atlas("aal", ["Heschl_L"], "ds", "01")
out "roi.npy" = fmri.roi_mask(atlas)
)");
  EXPECT_NE(out.find("fmri.atlas: region 'Heschl_L' of atlas 'aal' has no voxel inside the brain mask"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("sub-01_desc-brain_mask.nii.gz"), std::string::npos) << out;
}

}  // namespace
