// The event schedule of the simulated dataset: the events files of one
// subject of ds003720 (task Training runs 01-12, Test runs 01-06), kept byte
// for byte so that the simulated dataset has exactly the real schedule,
// quirks included.
#pragma once

#include <string>
#include <vector>

namespace b2m::synth {

struct ScheduleFile {
  std::string task;      // "Training"
  int run = 0;           // 1
  std::string contents;  // the events.tsv bytes
};

struct Schedule {
  std::string source;  // where it came from, for messages
  std::vector<ScheduleFile> files;  // sorted by task, run
};

// Reads every "*_task-<task>_run-<NN>_events.tsv" in `dir` (e.g. a subject's
// func folder of ds003720, or tools/b2m-synth/schedule). Fails when none is found.
Schedule read_schedule_dir(const std::string& dir);

}  // namespace b2m::synth
