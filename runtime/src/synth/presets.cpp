#include "b2m/synth/presets.h"

#include <cmath>

#include "b2m/runtime/error.h"

namespace b2m::synth {

std::vector<std::string> preset_names() { return {"tiny", "default", "paper"}; }

SynthConfig preset_config(std::string_view name) {
  SynthConfig c;
  c.preset = std::string(name);
  c.bold.snr = kDefaultSnr;
  if (name == "tiny") {
    // For tests: one subject, 8 mm voxels (~3.3k cortical voxels), a small bank.
    c.subjects = 1;
    c.voxel_mm = 8.0;
    c.bank_size = 50;
  } else if (name == "default") {
    // The README demo: one subject, 6 mm voxels (~7.8k cortical voxels).
    c.subjects = 1;
    c.voxel_mm = 6.0;
    c.bank_size = 500;
  } else if (name == "paper") {
    // ds003720's size: 5 subjects, 18 runs, ~60k cortical voxels (3 mm on the
    // Harvard-Oxford thr0 mask, which at 2 mm would give ~211k voxels), int16.
    c.subjects = 5;
    c.voxel_mm = 3.0;
    c.bank_size = 1000;
    c.int16 = true;
  } else {
    fail("unknown preset '{}' (presets: tiny, default, paper)", name);
  }
  return c;
}

void validate(const SynthConfig& c) {
  if (c.subjects < 1 || c.subjects > 5) fail("--subjects must be 1..5 (the dataset has 5 subjects), got {}", c.subjects);
  if (!(c.voxel_mm >= 1.0 && c.voxel_mm <= 16.0)) fail("--voxel-size must be 1..16 mm, got {}", c.voxel_mm);
  if (c.bank_size < 0 || c.bank_size > 100000) fail("--bank-size must be 0..100000, got {}", c.bank_size);
  if (!(c.bold.snr >= 0.0) || !std::isfinite(c.bold.snr)) fail("--snr must be a finite number >= 0, got {}", c.bold.snr);
  if (c.threads < 0) fail("--threads must be >= 0 (0: all cores), got {}", c.threads);
}

}  // namespace b2m::synth
