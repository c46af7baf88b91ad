// b2m-report: turns a decoding run's outputs (metrics.json and .npy arrays,
// optional reconstructions) and its dataset into one self-contained
// report.html (docs/report.md). Nothing is written when an input is missing
// or malformed; the error names the file and the problem.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

#include "b2m/report/html_report.h"
#include "b2m/runtime/error.h"

int main(int argc, char** argv) {
  CLI::App app{"Write the self-contained HTML report of a b2m decoding run"};
  b2m::report::ReportOptions options;
  bool quiet = false;
  app.add_option("--run", options.run_dir, "the run's output folder (metrics.json, *.npy, recon/)")->required();
  app.add_option("--data", options.data_dir, "the dataset folder (stimuli/, bank/, dataset_description.json)")
      ->required();
  app.add_option("-o,--out", options.out_path, "output HTML (default: RUN/report.html)");
  app.add_option("--examples", options.examples, "test clips shown with spectrograms and audio")
      ->check(CLI::Range(0, 1000));
  app.add_option("--title", options.title, "page title");
  app.add_option("--max-seconds", options.media.max_seconds, "audio longer than this is cut (0: keep all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--audio-rate", options.media.audio_rate, "sample rate of the embedded audio")
      ->check(CLI::Range(4000, 48000));
  app.add_flag("-q,--quiet", quiet, "no summary line");
  CLI11_PARSE(app, argc, argv);
  try {
    auto start = std::chrono::steady_clock::now();
    auto stats = b2m::report::write_report(options);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!quiet)
      std::printf("b2m-report: wrote %s (%.1f MB): %zu clips, %zu plots, %zu spectrograms, %zu audio players, %.2f s\n",
                  stats.out_path.c_str(), double(stats.bytes) / 1e6, stats.clips, stats.svgs, stats.images,
                  stats.audios, seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "b2m-report: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
