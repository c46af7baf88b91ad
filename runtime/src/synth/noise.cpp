#include "b2m/synth/noise.h"

#include <cmath>
#include <numbers>
#include <vector>

namespace b2m::synth {

void ar1_noise(Rng& rng, double phi, double sd, std::span<float> out) {
  if (out.empty()) return;
  const double innovation = sd * std::sqrt(1.0 - phi * phi);
  double n = sd * rng.normal();
  out[0] = static_cast<float>(n);
  for (std::size_t t = 1; t < out.size(); ++t) {
    n = phi * n + innovation * rng.normal();
    out[t] = static_cast<float>(n);
  }
}

void add_drift(Rng& rng, double scale, double sd, std::span<float> out) {
  const std::size_t n = out.size();
  if (n < 2) return;
  // The DCT-II cosines of this run length, computed once per thread.
  thread_local std::vector<double> basis;
  thread_local std::size_t basis_n = 0;
  if (basis_n != n) {
    basis.resize(3 * n);
    for (int k = 1; k <= 3; ++k)
      for (std::size_t t = 0; t < n; ++t)
        basis[(k - 1) * n + t] = std::cos(std::numbers::pi * k * (static_cast<double>(t) + 0.5) / static_cast<double>(n));
    basis_n = n;
  }
  const double a = scale * sd;
  const double slope = a * rng.normal();
  double amp[3];
  for (double& v : amp) v = a * rng.normal();
  for (std::size_t t = 0; t < n; ++t) {
    double d = slope * (static_cast<double>(t) / static_cast<double>(n - 1) - 0.5);
    for (int k = 0; k < 3; ++k) d += amp[k] * basis[k * n + t];
    out[t] += static_cast<float>(d);
  }
}

}  // namespace b2m::synth
