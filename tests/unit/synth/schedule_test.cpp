// The schedule shipped with b2m-synth is byte for byte the events files of
// ds003720's sub-001 (checked when ../shared/data/ds003720 is present).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "b2m/synth/schedule.h"

namespace b2m::synth {
namespace {

namespace fs = std::filesystem;

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path kSchedule = fs::path(B2M_SOURCE_DIR) / "tools" / "b2m-synth" / "schedule";
const fs::path kReal = fs::path(B2M_SHARED_DIR) / "data" / "ds003720";

TEST(Schedule, ShipsTheEighteenRunsOfSub001) {
  const Schedule s = read_schedule_dir(kSchedule.string());
  ASSERT_EQ(s.files.size(), 18u);
  int test = 0, training = 0;
  for (const auto& f : s.files) (f.task == "Test" ? test : training) += 1;
  EXPECT_EQ(training, 12);
  EXPECT_EQ(test, 6);
  EXPECT_EQ(s.files.front().task, "Test");
  EXPECT_EQ(s.files.front().run, 1);
  // CRLF line ends as in the real files (git must not normalise them).
  EXPECT_NE(s.files.front().contents.find("\r\n"), std::string::npos);
}

TEST(Schedule, CopiesAreByteIdenticalToDs003720) {
  if (!fs::exists(kReal))
    GTEST_SKIP() << kReal << " is absent: the copies in " << kSchedule << " cannot be compared with the real files";
  std::size_t compared = 0;
  for (const auto& entry : fs::directory_iterator(kSchedule)) {
    if (entry.path().extension() != ".tsv") continue;
    const fs::path real = kReal / "sub-001" / "func" / entry.path().filename();
    ASSERT_TRUE(fs::exists(real)) << real;
    EXPECT_EQ(bytes_of(entry.path()), bytes_of(real)) << entry.path().filename();
    ++compared;
  }
  EXPECT_EQ(compared, 18u);
  // Every subject heard the same schedule: shipping sub-001's files loses nothing.
  for (int s = 2; s <= 5; ++s)
    for (const auto& entry : fs::directory_iterator(kSchedule)) {
      if (entry.path().extension() != ".tsv") continue;
      std::string name = entry.path().filename().string();
      name.replace(0, 7, "sub-00" + std::to_string(s));
      const fs::path other = kReal / ("sub-00" + std::to_string(s)) / "func" / name;
      if (fs::exists(other)) {
        EXPECT_EQ(bytes_of(entry.path()), bytes_of(other)) << other;
      }
    }
}

TEST(Schedule, ReadingAFolderWithoutEventsFails) {
  EXPECT_THROW(read_schedule_dir("/nonexistent-b2m-folder"), std::exception);
  EXPECT_THROW(read_schedule_dir((fs::path(B2M_SOURCE_DIR) / "docs").string()), std::exception);
}

}  // namespace
}  // namespace b2m::synth
