// Loading a run of a small BIDS dataset written at test time, and the errors
// on bold/events length mismatch and on missing or disagreeing TRs.
#include <gtest/gtest.h>

#include "b2m/fmri/bids.h"
#include "b2m/runtime/error.h"
#include "nifti_test_files.h"

namespace b2m::fmri {
namespace {

struct SmallDataset {
  test::TempDir dir;
  std::string func;
  SmallDataset(int volumes, const std::string& sidecar, float pixdim4 = 1.5f,
               int time_units = NIFTI_UNITS_SEC) {
    test::write_text(dir.file("dataset_description.json"),
                     R"({"Name": "tiny", "BIDSVersion": "1.4.0"})");
    std::filesystem::create_directories(dir.path / "sub-01" / "func");
    func = (dir.path / "sub-01" / "func").string();
    // Two 15 s clips = 30 s = 20 scans at TR 1.5 s.
    test::write_text(func + "/sub-01_task-Test_run-01_events.tsv",
                     "onset\tduration\tgenre\ttrack\tstart\tend\n"
                     "0\t15\t'pop'\t3\t1.0\t16.0\n15\t15\t'rock'\t4\t2.5\t17.5\n");
    test::write_text(func + "/sub-01_task-Test_run-01_bold.json", sidecar);
    test::NiftiSpec spec;
    spec.dims = {3, 2, 2, volumes};
    spec.time_step = pixdim4;
    spec.time_units = time_units;
    std::vector<double> values(12 * std::size_t(volumes));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = double(i % 17);
    test::write_nifti(func + "/sub-01_task-Test_run-01_bold.nii.gz", spec, values);
  }
  BidsRun run() const { return open_bids_dataset(dir.path.string()).runs.at(0); }
};

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BidsRun, LoadsAConsistentRun) {
  SmallDataset d(20, R"({"RepetitionTime": 1.5})");
  const BidsRun run = d.run();
  EXPECT_EQ(run.subject, "01");
  EXPECT_EQ(run.task, "Test");
  EXPECT_EQ(run.run, 1);
  const RunData data = load_run(run, nullptr);
  EXPECT_EQ(data.bold.data.rows(), 20);
  EXPECT_EQ(data.bold.data.cols(), 12);
  EXPECT_DOUBLE_EQ(data.tr_s, 1.5);
  EXPECT_EQ(data.events.events.size(), 2u);
  EXPECT_EQ(data.events.events[1].clip, (Clip{"rock", 4}));
  // A header TR in milliseconds agrees with 1.5 s.
  SmallDataset ms(20, R"({"RepetitionTime": 1.5})", 1500.0f, NIFTI_UNITS_MSEC);
  EXPECT_NO_THROW(load_run(ms.run(), nullptr));
}

TEST(BidsRun, BoldAndEventsOfDifferentLengthsIsAnError) {
  SmallDataset d(18, R"({"RepetitionTime": 1.5})");
  const std::string m = error_of([&] { load_run(d.run(), nullptr); });
  EXPECT_NE(m.find("differ in length"), std::string::npos) << m;
  EXPECT_NE(m.find("_bold.nii.gz' has 18 volumes"), std::string::npos) << m;
  EXPECT_NE(m.find("_events.tsv"), std::string::npos) << m;
  EXPECT_NE(m.find("end at 30 s"), std::string::npos) << m;
}

TEST(BidsRun, MissingRepetitionTimeIsAnError) {
  SmallDataset d(20, R"({"EchoTime": 0.03})");
  const std::string m = error_of([&] { load_run(d.run(), nullptr); });
  EXPECT_NE(m.find("_bold.json' has no RepetitionTime"), std::string::npos) << m;
  SmallDataset bad(20, R"({"RepetitionTime": "fast"})");
  EXPECT_NE(error_of([&] { load_run(bad.run(), nullptr); }).find("not a positive number"),
            std::string::npos);
}

TEST(BidsRun, DisagreeingRepetitionTimeIsAnError) {
  SmallDataset d(20, R"({"RepetitionTime": 2.0})");
  const std::string m = error_of([&] { load_run(d.run(), nullptr); });
  EXPECT_NE(m.find("TR disagrees"), std::string::npos) << m;
  EXPECT_NE(m.find("RepetitionTime 2 s"), std::string::npos) << m;
  EXPECT_NE(m.find("pixdim[4] = 1.5 s"), std::string::npos) << m;
  SmallDataset none(20, R"({"RepetitionTime": 1.5})", 0.0f);
  EXPECT_NE(error_of([&] { load_run(none.run(), nullptr); }).find("pixdim[4]"),
            std::string::npos);
}

TEST(BidsRun, MissingDescriptionOrBoldIsAnError) {
  test::TempDir empty;
  EXPECT_NE(error_of([&] { open_bids_dataset(empty.path.string()); }).find("dataset_description.json"),
            std::string::npos);
  const BidsDataset real = open_bids_dataset(std::string(B2M_SHARED_DIR) + "/data/ds003720");
  // The shared copy has metadata only: loading a run names what is missing.
  EXPECT_NE(error_of([&] { load_run(real.runs.at(0), nullptr); }).find("has no bold file"),
            std::string::npos);
}

}  // namespace
}  // namespace b2m::fmri
