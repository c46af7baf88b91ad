#include "b2m/synth/noise.h"

#include <cmath>
#include <numbers>

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
  const double a = scale * sd;
  const double slope = a * rng.normal();
  double amp[3];
  for (double& v : amp) v = a * rng.normal();
  for (std::size_t t = 0; t < n; ++t) {
    const double x = static_cast<double>(t);
    double d = slope * (x / static_cast<double>(n - 1) - 0.5);
    for (int k = 1; k <= 3; ++k) d += amp[k - 1] * std::cos(std::numbers::pi * k * (x + 0.5) / static_cast<double>(n));
    out[t] += static_cast<float>(d);
  }
}

}  // namespace b2m::synth
