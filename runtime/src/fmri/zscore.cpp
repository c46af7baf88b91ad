// Z-scoring per run and voxel (float64 statistics).
#include <cmath>

#include "b2m/fmri/preprocess.h"
#include "b2m/runtime/thread_pool.h"
#include "run_blocks.h"

namespace b2m::fmri {

void zscore_runs(RowMatrixF& data, RunLengths run_lengths) {
  const auto blocks = detail::run_blocks(run_lengths, data.rows(), "z-score");
  const Eigen::Index voxels = data.cols();
  for (const auto& run : blocks) {
    parallel_for(static_cast<std::size_t>(voxels), 1024, [&](std::size_t v0, std::size_t v1) {
      const std::size_t w = v1 - v0;
      std::vector<double> mean(w, 0.0), ss(w, 0.0);
      for (Eigen::Index i = 0; i < run.length; ++i) {
        const float* row = data.row(run.begin + i).data() + v0;
        for (std::size_t j = 0; j < w; ++j) mean[j] += row[j];
      }
      for (double& m : mean) m /= double(run.length);
      for (Eigen::Index i = 0; i < run.length; ++i) {
        const float* row = data.row(run.begin + i).data() + v0;
        for (std::size_t j = 0; j < w; ++j) ss[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
      }
      std::vector<double> scale(w);
      for (std::size_t j = 0; j < w; ++j) {
        const double sd = std::sqrt(ss[j] / double(run.length));
        // A constant voxel carries no signal; 0 keeps it out of every fit.
        scale[j] = sd > 0.0 ? 1.0 / sd : 0.0;
      }
      for (Eigen::Index i = 0; i < run.length; ++i) {
        float* row = data.row(run.begin + i).data() + v0;
        for (std::size_t j = 0; j < w; ++j) row[j] = static_cast<float>((row[j] - mean[j]) * scale[j]);
      }
    });
  }
}

}  // namespace b2m::fmri
