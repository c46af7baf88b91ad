// Polynomial detrending per run: project out an orthonormal polynomial basis.
#include <Eigen/QR>

#include "b2m/fmri/preprocess.h"
#include "run_blocks.h"

namespace b2m::fmri {

void detrend_polynomial(RowMatrixF& data, RunLengths run_lengths, int order) {
  if (order < 0) fail("detrend: polynomial order must be >= 0, got {}", order);
  for (const auto& run : detail::run_blocks(run_lengths, data.rows(), "detrend")) {
    const Eigen::Index t = run.length;
    if (order + 1 > t) fail("detrend: order {} needs more than {} scans in a run", order, t);
    // Powers of time scaled to [-1, 1], orthonormalised by QR in float64
    // (raw powers of 0..T-1 are too ill-conditioned for high orders).
    Eigen::MatrixXd powers(t, order + 1);
    for (Eigen::Index i = 0; i < t; ++i) {
      const double x = t > 1 ? 2.0 * double(i) / double(t - 1) - 1.0 : 0.0;
      double v = 1.0;
      for (int k = 0; k <= order; ++k, v *= x) powers(i, k) = v;
    }
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(powers);
    const Eigen::MatrixXf q =
        (qr.householderQ() * Eigen::MatrixXd::Identity(t, order + 1)).cast<float>();
    auto block = data.middleRows(run.begin, t);
    const RowMatrixF coefficients = q.transpose() * block;
    block -= q * coefficients;
  }
}

}  // namespace b2m::fmri
