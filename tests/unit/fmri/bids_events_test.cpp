// The real ds003720 events files: all 90 of them, malformed rows included.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "b2m/fmri/bids.h"
#include "b2m/runtime/error.h"
#include "nifti_test_files.h"

namespace b2m::fmri {
namespace {

const std::string kDataset = std::string(B2M_SHARED_DIR) + "/data/ds003720";

std::vector<EventsFile> read_all(const std::vector<BidsRun>& runs) {
  std::vector<EventsFile> files;
  for (const BidsRun& r : runs) files.push_back(read_events(r.events_path));
  return files;
}

TEST(BidsEvents, DatasetHasNinetyRunsAcrossFiveSubjects) {
  const BidsDataset dataset = open_bids_dataset(kDataset);
  EXPECT_EQ(dataset.bids_version, "1.4.0");
  EXPECT_EQ(dataset.subjects, (std::vector<std::string>{"001", "002", "003", "004", "005"}));
  ASSERT_EQ(dataset.runs.size(), 90u);
  for (const BidsRun& r : dataset.runs) {
    EXPECT_FALSE(r.events_path.empty());
    EXPECT_FALSE(r.sidecar_path.empty());
    EXPECT_DOUBLE_EQ(read_repetition_time(r.sidecar_path), 1.5);
  }
  EXPECT_EQ(dataset.runs_of("003", "Training").size(), 12u);
  EXPECT_EQ(dataset.runs_of("003", "Test").size(), 6u);
}

TEST(BidsEvents, EveryFileParsesIntoFortyOneFifteenSecondClips) {
  const BidsDataset dataset = open_bids_dataset(kDataset);
  const std::set<std::string> genres(gtzan_genres().begin(), gtzan_genres().end());
  int malformed = 0;
  std::set<std::string> malformed_files;
  for (const BidsRun& r : dataset.runs) {
    const EventsFile f = read_events(r.events_path);
    ASSERT_EQ(f.events.size(), 41u) << r.events_path;
    EXPECT_DOUBLE_EQ(f.end_s(), 615.0);  // 410 scans x 1.5 s
    for (std::size_t i = 0; i < f.events.size(); ++i) {
      EXPECT_DOUBLE_EQ(f.events[i].onset_s, 15.0 * double(i));
      EXPECT_DOUBLE_EQ(f.events[i].duration_s, 15.0);
      EXPECT_TRUE(genres.count(f.events[i].clip.genre)) << f.events[i].clip.genre;
      EXPECT_NEAR(f.events[i].excerpt_end_s - f.events[i].excerpt_start_s, 15.0, 0.011);  // one row per subject says 14.99
      EXPECT_GE(f.events[i].clip.track, 0);
      EXPECT_LT(f.events[i].clip.track, 100);
    }
    malformed += f.malformed_rows;
    if (f.malformed_rows) malformed_files.insert(r.task + "-" + std::to_string(r.run));
  }
  // classical', jazz' and metal' in Training run-04 of every subject.
  EXPECT_EQ(malformed, 15);
  EXPECT_EQ(malformed_files, std::set<std::string>{"Training-4"});
}

TEST(BidsEvents, MalformedGenresAreRecoveredNotDropped) {
  const BidsDataset dataset = open_bids_dataset(kDataset);
  const EventsFile f = read_events(dataset.runs_of("002", "Training")[3].events_path);
  std::multiset<std::string> malformed_genres;
  for (const Event& e : f.events)
    if (e.malformed_genre) malformed_genres.insert(e.clip.genre);
  EXPECT_EQ(malformed_genres, (std::multiset<std::string>{"classical", "jazz", "metal"}));
}

TEST(BidsEvents, LeadInsRepeatThePreviousClip) {
  const BidsDataset dataset = open_bids_dataset(kDataset);
  for (const std::string& subject : dataset.subjects) {
    const auto training = read_all(dataset.runs_of(subject, "Training"));
    ASSERT_EQ(training.size(), 12u);
    for (std::size_t r = 0; r < 12; ++r) {
      const EventsFile& previous = training[(r + 11) % 12];  // run-01 repeats run-12's last
      EXPECT_EQ(training[r].events.front().clip, previous.events.back().clip) << training[r].path;
    }
    for (const EventsFile& f : read_all(dataset.runs_of(subject, "Test")))
      EXPECT_EQ(f.events.front().clip, f.events.back().clip) << f.path;
  }
}

TEST(BidsEvents, TrainingHas480UniqueClipsAndTestHas60ClipsTimesFour) {
  const BidsDataset dataset = open_bids_dataset(kDataset);
  std::vector<Clip> first_subject_training;
  for (const std::string& subject : dataset.subjects) {
    const auto training_files = read_all(dataset.runs_of(subject, "Training"));
    const auto test_files = read_all(dataset.runs_of(subject, "Test"));
    const StimulusTable training = collect_presentations(training_files);
    const StimulusTable test = collect_presentations(test_files);

    EXPECT_EQ(training.lead_ins_dropped, 12u);
    EXPECT_EQ(training.presentations.size(), 480u);
    EXPECT_EQ(training.clips.size(), 480u);
    EXPECT_EQ(training.malformed_rows, 3);
    EXPECT_EQ(test.lead_ins_dropped, 6u);
    EXPECT_EQ(test.presentations.size(), 240u);
    ASSERT_EQ(test.clips.size(), 60u);
    for (const Clip& c : test.clips) EXPECT_EQ(test.repetitions_of(c), 4u) << c.id();
    for (std::size_t i = 0; i < test.presentations.size(); ++i)
      EXPECT_EQ(test.clips[test.clip_of[i]], test.presentations[i].clip);

    std::map<std::string, int> training_per_genre, test_per_genre;
    for (const Clip& c : training.clips) ++training_per_genre[c.genre];
    for (const Clip& c : test.clips) ++test_per_genre[c.genre];
    ASSERT_EQ(training_per_genre.size(), 10u);
    ASSERT_EQ(test_per_genre.size(), 10u);
    for (const std::string& g : gtzan_genres()) {
      EXPECT_EQ(training_per_genre[g], 48) << g;
      EXPECT_EQ(test_per_genre[g], 6) << g;
    }
    // No GTZAN track in both sets.
    const std::set<Clip> training_set(training.clips.begin(), training.clips.end());
    for (const Clip& c : test.clips) EXPECT_FALSE(training_set.count(c)) << c.id();
    // Every subject heard the same clips in the same order.
    if (first_subject_training.empty()) first_subject_training = training.clips;
    EXPECT_EQ(training.clips, first_subject_training);
  }
}

TEST(BidsEvents, ClipIdIsTheGtzanFileStem) {
  EXPECT_EQ((Clip{"blues", 17}).id(), "blues.00017");
}

TEST(BidsEvents, LeadInThatIsNotARepeatIsAnError) {
  const BidsDataset dataset = open_bids_dataset(kDataset);
  // One training run alone: its lead-in repeats a clip of another run.
  const auto one_run = read_all({dataset.runs_of("001", "Training")[4]});
  try {
    collect_presentations(one_run);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("run-05_events.tsv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not presented again"), std::string::npos) << e.what();
  }
  // Keeping lead-ins is always possible.
  EXPECT_EQ(collect_presentations(one_run, /*drop_lead_in=*/false).presentations.size(), 41u);
}

TEST(BidsEvents, BadEventsFilesNameFileAndLine) {
  test::TempDir dir;
  const std::string missing_column = dir.file("a_events.tsv");
  test::write_text(missing_column, "onset\tduration\ttrack\n0\t15\t3\n");
  EXPECT_THROW(
      {
        try {
          read_events(missing_column);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("no 'genre' column"), std::string::npos);
          EXPECT_NE(std::string(e.what()).find(missing_column), std::string::npos);
          throw;
        }
      },
      Error);
  const std::string bad_onset = dir.file("b_events.tsv");
  test::write_text(bad_onset, "onset\tduration\tgenre\ttrack\n0\t15\t'pop'\t3\nabc\t15\t'pop'\t4\n");
  try {
    read_events(bad_onset);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad_onset + ":3"), std::string::npos) << e.what();
  }
  const std::string nan_duration = dir.file("c_events.tsv");
  test::write_text(nan_duration, "onset\tduration\tgenre\ttrack\n0\tnan\t'pop'\t3\n");
  try {
    read_events(nan_duration);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(nan_duration + ":2: column 'duration'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace b2m::fmri
