// What bench_fused and bench_onepass_bound share to compare a schedule with
// this machine's memory bandwidth in paired rounds: the STREAM-like copy
// timed in every round, which placement of the two CPUs a round ran in
// (core_distance.h), and the median of the rounds.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "b2m/codegen/launch.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::bench {

// Seconds to copy src into dst (same size) with the thread pool's threads,
// in 4 MiB pieces.
inline double copy_seconds(cpu::HostTensor& dst, const cpu::HostTensor& src) {
  auto t0 = std::chrono::steady_clock::now();
  parallel_for(src.bytes.size(), std::size_t(1) << 22, [&](std::size_t b, std::size_t e) {
    std::memcpy(dst.bytes.data() + b, src.bytes.data() + b, e - b);
  });
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Two CPUs at least this far apart (core_to_core_ns) sit on two CCDs.
constexpr double kFarApartNs = 120;

inline bool far_apart(double distance_ns) { return distance_ns >= kFarApartNs; }

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace b2m::bench
