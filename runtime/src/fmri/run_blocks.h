// Run boundaries for the preprocessing kernels (internal).
#pragma once

#include <numeric>
#include <vector>

#include "b2m/fmri/preprocess.h"
#include "b2m/runtime/error.h"

namespace b2m::fmri::detail {

struct RunBlock {
  Eigen::Index begin, length;
};

// Validates that run_lengths cover `rows` exactly and returns (begin, length) blocks.
inline std::vector<RunBlock> run_blocks(RunLengths run_lengths, Eigen::Index rows, const char* op) {
  if (run_lengths.empty()) fail("{}: no run lengths given", op);
  std::vector<RunBlock> blocks;
  Eigen::Index begin = 0;
  for (Eigen::Index length : run_lengths) {
    if (length <= 0) fail("{}: run lengths must be positive, got {}", op, length);
    blocks.push_back({begin, length});
    begin += length;
  }
  if (begin != rows)
    fail("{}: run lengths sum to {} but the data has {} rows", op, begin, rows);
  return blocks;
}

}  // namespace b2m::fmri::detail
