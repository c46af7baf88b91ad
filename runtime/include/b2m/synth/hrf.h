// The canonical haemodynamic response (SPM's double gamma) and the causal
// convolution of stimulus features with it.
#pragma once

#include <span>
#include <vector>

#include "b2m/ridge/matrix.h"

namespace b2m::synth {

// SPM's canonical HRF parameters: response delay 6 s, undershoot delay 16 s
// (gamma shapes, scale 1 s), undershoot ratio 1/6, 32 s long.
struct HrfSpec {
  double peak_delay_s = 6.0;
  double undershoot_delay_s = 16.0;
  double dispersion_s = 1.0;
  double undershoot_ratio = 1.0 / 6.0;
  double length_s = 32.0;
};

// h(t) = g(t; a1, b) - ratio * g(t; a2, b), g the gamma density with shape
// a = delay / dispersion and scale b = dispersion; 0 for t <= 0. Unnormalised.
double double_gamma_hrf(double t_s, const HrfSpec& spec = {});

// h(k dt) for k = 0 .. floor(length / dt), scaled to unit sum (SPM's convention,
// so a sustained unit input gives a unit steady-state response).
std::vector<double> hrf_kernel(double dt_s, const HrfSpec& spec = {});

// y[t] = sum_k kernel[k] x[t - k] for every column, with x = 0 before row 0
// (the input before the run is the features' mean, i.e. 0 once standardized).
RowMatrixF convolve_hrf(const RowMatrixF& x, std::span<const double> kernel);

}  // namespace b2m::synth
