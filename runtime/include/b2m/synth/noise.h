// Scanner noise of the simulated bold: AR(1) autocorrelated Gaussian noise and
// slow drift.
#pragma once

#include <span>

#include "b2m/synth/random.h"

namespace b2m::synth {

// n[0] ~ N(0, sd^2); n[t] = phi n[t-1] + e[t], e[t] ~ N(0, sd^2 (1 - phi^2)):
// stationary from the first scan, with variance sd^2 and lag-k
// autocorrelation phi^k. Writes out.size() values.
void ar1_noise(Rng& rng, double phi, double sd, std::span<float> out);

// Per-run drift: a linear trend plus the first three DCT-II cosines of the
// run (periods 2T, T, 2T/3 for a run of T seconds), with amplitudes drawn
// N(0, (scale * sd)^2) (linear: total change over the run). Adds into out.
void add_drift(Rng& rng, double scale, double sd, std::span<float> out);

}  // namespace b2m::synth
