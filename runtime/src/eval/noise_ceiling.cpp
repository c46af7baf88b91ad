// Explainable variance and maximum attainable correlation from repeats.
#include <cmath>

#include "b2m/eval/metrics.h"
#include "b2m/runtime/error.h"

namespace b2m::eval {

NoiseCeiling noise_ceiling(std::span<const RowMatrixF> repeats) {
  const std::size_t num_repeats = repeats.size();
  if (num_repeats < 2) fail("noise ceiling: needs at least 2 repetitions, got {}", num_repeats);
  const Eigen::Index s = repeats[0].rows(), d = repeats[0].cols();
  if (s < 2) fail("noise ceiling: needs at least 2 stimuli, got {}", s);
  for (std::size_t r = 1; r < num_repeats; ++r)
    if (repeats[r].rows() != s || repeats[r].cols() != d)
      fail("noise ceiling: repetition {} is {}x{} but repetition 0 is {}x{}", r, repeats[r].rows(),
           repeats[r].cols(), s, d);
  auto variance = [](const Eigen::VectorXd& v) {
    return (v.array() - v.mean()).square().sum() / double(v.size());
  };
  const double big_r = double(num_repeats);
  NoiseCeiling out;
  out.explainable_variance.resize(static_cast<std::size_t>(d));
  out.max_correlation.resize(static_cast<std::size_t>(d));
  for (Eigen::Index j = 0; j < d; ++j) {
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(s);
    for (const RowMatrixF& rep : repeats) sum += rep.col(j).cast<double>();
    const Eigen::VectorXd mean = sum / big_r;
    double var_each = 0.0, var_residual = 0.0;
    for (const RowMatrixF& rep : repeats) {
      const Eigen::VectorXd y = rep.col(j).cast<double>();
      var_each += variance(y);
      var_residual += variance(y - mean);
    }
    double ev = var_each > 0.0 ? 1.0 - var_residual / var_each : 0.0;
    ev -= (1.0 - ev) / (big_r - 1.0);
    out.explainable_variance[std::size_t(j)] = ev;
    const double signal_power = (variance(sum) - var_each) / (big_r * (big_r - 1.0));
    const double var_mean = variance(mean);
    out.max_correlation[std::size_t(j)] =
        (signal_power > 0.0 && var_mean > 0.0) ? std::sqrt(std::min(1.0, signal_power / var_mean)) : 0.0;
  }
  return out;
}

}  // namespace b2m::eval
