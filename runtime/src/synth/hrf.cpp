#include "b2m/synth/hrf.h"

#include <cmath>

#include "b2m/runtime/error.h"

namespace b2m::synth {

namespace {
double gamma_pdf(double t, double shape, double scale) {
  if (t <= 0.0) return 0.0;
  return std::exp((shape - 1.0) * std::log(t) - t / scale - std::lgamma(shape) - shape * std::log(scale));
}
}  // namespace

double double_gamma_hrf(double t, const HrfSpec& s) {
  const double b = s.dispersion_s;
  return gamma_pdf(t, s.peak_delay_s / b, b) - s.undershoot_ratio * gamma_pdf(t, s.undershoot_delay_s / b, b);
}

std::vector<double> hrf_kernel(double dt_s, const HrfSpec& spec) {
  if (!(dt_s > 0)) fail("hrf_kernel: the sampling step must be positive, got {}", dt_s);
  const auto n = static_cast<std::size_t>(std::floor(spec.length_s / dt_s)) + 1;
  std::vector<double> h(n);
  double sum = 0.0;
  for (std::size_t k = 0; k < n; ++k) sum += h[k] = double_gamma_hrf(static_cast<double>(k) * dt_s, spec);
  for (double& v : h) v /= sum;
  return h;
}

RowMatrixF convolve_hrf(const RowMatrixF& x, std::span<const double> kernel) {
  RowMatrixF y = RowMatrixF::Zero(x.rows(), x.cols());
  const Eigen::Index n = x.rows();
  for (Eigen::Index t = 0; t < n; ++t) {
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
      double acc = 0.0;
      const Eigen::Index kmax = std::min<Eigen::Index>(static_cast<Eigen::Index>(kernel.size()) - 1, t);
      for (Eigen::Index k = 0; k <= kmax; ++k) acc += kernel[static_cast<std::size_t>(k)] * x(t - k, c);
      y(t, c) = static_cast<float>(acc);
    }
  }
  return y;
}

}  // namespace b2m::synth
