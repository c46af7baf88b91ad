// b2m-report's core: renders a decoding run (RunData) as one self-contained
// HTML file: inline CSS, inline SVG charts, PNG spectrograms and WAV audio as
// data: URIs, no external references. See docs/report.md.
#pragma once

#include <cstddef>
#include <string>

#include "b2m/report/example_media.h"
#include "b2m/report/run_data.h"

namespace b2m::report {

struct ReportOptions {
  std::string run_dir, data_dir;
  std::string out_path;  // empty: <run_dir>/report.html
  std::string title = "Brain2Music decoding report";
  std::size_t examples = 4;
  MediaOptions media;
};

struct ReportStats {
  std::string out_path;
  std::size_t clips = 0, examples = 0;
  std::size_t svgs = 0, images = 0, audios = 0;
  std::size_t bytes = 0;
};

// The HTML text; stats (optional) counts what it contains.
std::string render_report(const RunData& run, const ReportOptions& options, ReportStats* stats = nullptr);

// Loads, renders and writes the report atomically (nothing is written on error).
ReportStats write_report(const ReportOptions& options);

}  // namespace b2m::report
