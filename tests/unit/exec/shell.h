// Running a shell command in a test's directory and capturing its output,
// for the tests that drive b2mc and compiled executables end to end.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace b2m::testing {

// Runs `cmd` in `dir` with stdout and stderr captured into `*output`;
// returns the exit status (-1 if it did not exit normally).
inline int run_in(const std::filesystem::path& dir, const std::string& cmd, std::string* output) {
  std::filesystem::path log = dir / "log.txt";
  int rc = std::system(("cd '" + dir.string() + "' && " + cmd + " > '" + log.string() + "' 2>&1").c_str());
  if (output) {
    std::ifstream in(log.string());
    output->assign(std::istreambuf_iterator<char>(in), {});
  }
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace b2m::testing
