// report_fixture ROOT [--clips N] [--seconds S]: writes a test run and dataset
// (ROOT/run, ROOT/data) for the browser test and for timing b2m-report.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fixture.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: report_fixture ROOT [--clips N] [--seconds S]\n");
    return 2;
  }
  b2m::report::testing::FixtureOptions options;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--clips") options.clips = std::strtoul(argv[i + 1], nullptr, 10);
    else if (flag == "--seconds") options.seconds = std::strtod(argv[i + 1], nullptr);
    else {
      std::fprintf(stderr, "report_fixture: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  try {
    auto f = b2m::report::testing::make_fixture(argv[1], options);
    std::printf("%s %s\n", f.run_dir.c_str(), f.data_dir.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "report_fixture: %s\n", e.what());
    return 1;
  }
  return 0;
}
