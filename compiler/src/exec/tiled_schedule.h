// The one-pass schedule of a chain outlined by the tile-segments pass
// (docs/ir.md, "Tiled schedules"): per-group statistics of rows and the
// kernels that read them back, run item by item, one item per (segment of
// rows, tile of the inner dimension), each kernel on its block of the item.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "b2m/codegen/launch.h"

namespace b2m::exec {

struct TiledChain {
  // From the `fused` op of kind "tiled": dimension names and the delay k
  // (the consumer's row t reads the statistics of the group of row t - k).
  std::string rows, groups, inner;
  std::int64_t delay = 0;
  const cpu::HostTensor* ids = nullptr;   // [rows] group ids
  const cpu::HostTensor* mask = nullptr;  // [inner] mask of the chain's compresses, or null

  // The chain in order: a bound kernel, or a compress of `src` ([groups,
  // inner]) into `dst` ([groups, kept]) by the mask.
  struct Step {
    cpu::BoundKernel* kernel = nullptr;
    const cpu::HostTensor* src = nullptr;
    cpu::HostTensor* dst = nullptr;
  };
  std::vector<Step> steps;

  // Filled by plan_segments.
  struct Segment {
    std::int64_t group, begin, end;  // rows [begin, end) all have id `group`
  };
  std::vector<Segment> segments;
  std::vector<std::int64_t> kept_index;  // the mask's true positions

  // Filled by run_tiled.
  std::int64_t tile = 0, items = 0;

  std::int64_t kept() const { return static_cast<std::int64_t>(kept_index.size()); }
  std::string describe() const;
};

// Finds the segments of rows with equal ids. True when the tiled schedule
// applies: every group from 0 to the largest id has rows, and they are
// contiguous. Also lists the mask's kept positions.
bool plan_segments(TiledChain& c);

// Runs the chain's steps item by item over the thread pool, then the
// consumer's rows that no segment reaches (the first `delay` rows, which a
// shift fills with zeros). Throws b2m::Error when a kernel reports an index
// out of range.
void run_tiled(TiledChain& c);

}  // namespace b2m::exec
