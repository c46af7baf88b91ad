// Cosine-basis (DCT-II) high-pass per run.
#include <cmath>
#include <numbers>

#include "b2m/fmri/preprocess.h"
#include "run_blocks.h"

namespace b2m::fmri {

void highpass_cosine(RowMatrixF& data, RunLengths run_lengths, double tr_s, double cutoff_s) {
  if (!(tr_s > 0.0) || !(cutoff_s > 0.0))
    fail("high-pass (cosine): TR and cutoff must be positive, got {} s and {} s", tr_s, cutoff_s);
  for (const auto& run : detail::run_blocks(run_lengths, data.rows(), "high-pass (cosine)")) {
    const Eigen::Index t = run.length;
    const auto num_cosines =
        std::min<Eigen::Index>(t - 1, Eigen::Index(std::floor(2.0 * double(t) * tr_s / cutoff_s)));
    if (num_cosines <= 0) continue;
    // The DCT-II vectors are orthonormal, so the projection needs no solve.
    Eigen::MatrixXf basis(t, num_cosines);
    for (Eigen::Index k = 1; k <= num_cosines; ++k)
      for (Eigen::Index i = 0; i < t; ++i)
        basis(i, k - 1) = static_cast<float>(
            std::sqrt(2.0 / double(t)) * std::cos(std::numbers::pi * double(k) * (double(i) + 0.5) / double(t)));
    auto block = data.middleRows(run.begin, t);
    const RowMatrixF coefficients = basis.transpose() * block;
    block -= basis * coefficients;
  }
}

}  // namespace b2m::fmri
