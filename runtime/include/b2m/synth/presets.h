// Simulator settings and the named presets (tiny, default, paper).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "b2m/synth/bold_model.h"
#include "b2m/synth/features.h"

namespace b2m::synth {

// The SNR every preset uses unless --snr says otherwise.
// With it the default preset decodes clearly (docs/simulator.md: test
// identification ~0.88, retrieved genre agreement ~0.6 with a ridge decoder on
// the Heschl + superior temporal voxels, no hemodynamic lag).
inline constexpr double kDefaultSnr = 2.0;

struct SynthConfig {
  std::string preset = "default";
  std::uint64_t seed = 0;
  int subjects = 1;      // 1..5 (ds003720 has 5)
  double voxel_mm = 6.0;
  int bank_size = 500;   // retrieval bank clips (balanced over the 10 genres)
  int threads = 0;       // 0: all cores
  bool int16 = false;    // bold stored as int16 + scl_slope instead of float32
  std::string templates_dir = "/usr/share/mricron/templates";
  BoldSpec bold;         // snr, noise, drift
  FeatureSpec features;  // mel front end of the stimulus features
};

std::vector<std::string> preset_names();
// Fails naming the presets when `name` is not one.
SynthConfig preset_config(std::string_view name);
// Fails with a message naming the option when a value is out of range.
void validate(const SynthConfig& config);

}  // namespace b2m::synth
