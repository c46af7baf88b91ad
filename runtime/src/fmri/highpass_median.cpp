// Running-median high-pass per run (the paper's 240 s median filter).
#include <algorithm>
#include <cmath>

#include "b2m/fmri/preprocess.h"
#include "b2m/runtime/thread_pool.h"
#include "run_blocks.h"

namespace b2m::fmri {
namespace {

// Median of a sorted window (mean of the two middle values when even).
float sorted_median(const std::vector<float>& sorted) {
  const std::size_t n = sorted.size(), mid = n / 2;
  return n % 2 ? sorted[mid] : 0.5f * (sorted[mid - 1] + sorted[mid]);
}

}  // namespace

Eigen::Index highpass_median(RowMatrixF& data, RunLengths run_lengths, double tr_s, double window_s) {
  if (!(tr_s > 0.0) || !(window_s > 0.0))
    fail("high-pass (median): TR and window must be positive, got {} s and {} s", tr_s, window_s);
  Eigen::Index window = std::max<Eigen::Index>(1, Eigen::Index(std::lround(window_s / tr_s)));
  if (window % 2 == 0) ++window;
  const Eigen::Index half = window / 2;
  const auto blocks = detail::run_blocks(run_lengths, data.rows(), "high-pass (median)");
  const Eigen::Index voxels = data.cols();
  parallel_for(static_cast<std::size_t>(voxels), 64, [&](std::size_t v0, std::size_t v1) {
    std::vector<float> series, medians, sorted;
    for (std::size_t v = v0; v < v1; ++v) {
      for (const auto& run : blocks) {
        const Eigen::Index t = run.length;
        series.resize(std::size_t(t));
        medians.resize(std::size_t(t));
        for (Eigen::Index i = 0; i < t; ++i) series[std::size_t(i)] = data(run.begin + i, Eigen::Index(v));
        // Sliding sorted window over [i - half, i + half] clipped to the run:
        // each step inserts one value and removes one (binary search + move).
        sorted.assign(series.begin(), series.begin() + std::min(t, half + 1));
        std::sort(sorted.begin(), sorted.end());
        for (Eigen::Index i = 0; i < t; ++i) {
          medians[std::size_t(i)] = sorted_median(sorted);
          const Eigen::Index enter = i + half + 1, leave = i - half;
          if (leave >= 0) sorted.erase(std::lower_bound(sorted.begin(), sorted.end(), series[std::size_t(leave)]));
          if (enter < t) {
            const float x = series[std::size_t(enter)];
            sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), x), x);
          }
        }
        for (Eigen::Index i = 0; i < t; ++i)
          data(run.begin + i, Eigen::Index(v)) = series[std::size_t(i)] - medians[std::size_t(i)];
      }
    }
  });
  return window;
}

}  // namespace b2m::fmri
