// Generates large, valid, deterministic .b2m pipelines: the compiler
// benchmark's input and the randomized round-trip tests' programs.
#pragma once

#include <cstdint>
#include <string>

namespace b2m {

// About `lines` lines: sources, user fns, and lets mixing elementwise math,
// broadcasts, reductions by name, grouped reductions and fn calls.
std::string generate_pipeline(int lines, std::uint64_t seed);

}  // namespace b2m
