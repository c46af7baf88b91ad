// Event-aligned windows: mean of the scans covering each embedding window.
#include <cmath>

#include "b2m/fmri/preprocess.h"
#include "b2m/runtime/error.h"

namespace b2m::fmri {

ScanRange scans_covering(double start_s, double end_s, double tr_s, double lag_s) {
  if (!(tr_s > 0.0)) fail("windows: TR must be positive, got {}", tr_s);
  if (!(end_s > start_s)) fail("windows: window [{}, {}) s is empty", start_s, end_s);
  // A tiny tolerance keeps boundaries computed in floating point (e.g. 1.5 * 7
  // vs 10.5) on the side they are meant to be on.
  constexpr double eps = 1e-9;
  const double start = start_s + lag_s, end = end_s + lag_s;
  const auto first = static_cast<Eigen::Index>(std::floor(start / tr_s + eps));
  const auto last = static_cast<Eigen::Index>(std::ceil(end / tr_s - eps)) - 1;
  return {first, last - first + 1};
}

RowMatrixF event_windows(const RowMatrixF& run_data, double tr_s,
                         std::span<const double> clip_onsets_s, const WindowSpec& spec) {
  if (spec.windows_per_clip < 1) fail("windows: windows_per_clip must be >= 1");
  const Eigen::Index per_clip = spec.windows_per_clip;
  RowMatrixF out(Eigen::Index(clip_onsets_s.size()) * per_clip, run_data.cols());
  for (std::size_t c = 0; c < clip_onsets_s.size(); ++c)
    for (Eigen::Index w = 0; w < per_clip; ++w) {
      const double start = clip_onsets_s[c] + double(w) * spec.step_s;
      const ScanRange scans = scans_covering(start, start + spec.window_s, tr_s, spec.lag_s);
      if (scans.first < 0 || scans.first + scans.count > run_data.rows())
        fail("windows: clip at {} s, window {} ([{}, {}) s + lag {} s) needs scans {}..{} but the "
             "run has {} scans",
             clip_onsets_s[c], w, start, start + spec.window_s, spec.lag_s, scans.first,
             scans.first + scans.count - 1, run_data.rows());
      out.row(Eigen::Index(c) * per_clip + w) =
          run_data.middleRows(scans.first, scans.count).colwise().mean();
    }
  return out;
}

}  // namespace b2m::fmri
