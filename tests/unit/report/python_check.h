// Runs a short Python 3 check (the standard library's XML parser) over a
// file and returns its exit status and output.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#ifndef B2M_PYTHON
#define B2M_PYTHON "/usr/bin/python3"
#endif

namespace b2m::report::testing {

struct PythonResult {
  int status = -1;
  std::string output;
};

inline PythonResult run_python(const std::string& script, const std::string& arg) {
  namespace fs = std::filesystem;
  fs::path file = fs::temp_directory_path() / ("b2m_report_check_" + std::to_string(::getpid()) + ".py");
  {
    std::ofstream out(file);
    out << script;
  }
  std::string command = std::string(B2M_PYTHON) + " '" + file.string() + "' '" + arg + "' 2>&1";
  PythonResult result;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
    result.status = ::pclose(pipe);
  }
  fs::remove(file);
  return result;
}

}  // namespace b2m::report::testing
