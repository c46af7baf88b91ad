#include "b2m/synth/schedule.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "b2m/runtime/error.h"

namespace b2m::synth {

Schedule read_schedule_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail("schedule folder '{}' does not exist", dir);
  static const std::regex kName(R"(.*_task-([A-Za-z0-9]+)_run-([0-9]+)_events\.tsv)");
  Schedule s;
  s.source = dir;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (!entry.is_regular_file() || !std::regex_match(name, m, kName)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in && !in.eof()) fail("cannot read '{}'", entry.path().string());
    s.files.push_back({m[1].str(), std::stoi(m[2].str()), bytes.str()});
  }
  if (s.files.empty()) fail("schedule folder '{}' has no *_task-<task>_run-<NN>_events.tsv file", dir);
  std::sort(s.files.begin(), s.files.end(),
            [](const ScheduleFile& a, const ScheduleFile& b) { return std::tie(a.task, a.run) < std::tie(b.task, b.run); });
  for (std::size_t i = 1; i < s.files.size(); ++i)
    if (s.files[i].task == s.files[i - 1].task && s.files[i].run == s.files[i - 1].run)
      fail("schedule folder '{}' has two events files for task {} run {}", dir, s.files[i].task, s.files[i].run);
  return s;
}

}  // namespace b2m::synth
