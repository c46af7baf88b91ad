// The inputs of issue 3's benchmark, shared by bench_fused and
// bench_onepass_bound so both time the same data: x[time, voxel] ~ N(100, 10)
// (one generator per 64 rows, so any thread count gives the same values),
// 12 runs of contiguous scans, two voxels in three kept.
#pragma once

#include <cstdint>
#include <random>

#include "b2m/codegen/launch.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::bench {

constexpr std::int64_t kRuns = 12;

struct ZscoreInputs {
  cpu::HostTensor x, run, mask;  // f32[T, V], i64[T], bool[V]
  std::int64_t kept = 0;
};

inline ZscoreInputs make_zscore_inputs(std::int64_t T, std::int64_t V) {
  ZscoreInputs in;
  in.x = cpu::HostTensor::zeros(DType::F32, {T, V});
  in.run = cpu::HostTensor::zeros(DType::I64, {T});
  in.mask = cpu::HostTensor::zeros(DType::Bool, {V});
  float* x = in.x.data<float>();
  parallel_for(static_cast<std::size_t>(T), 64, [&](std::size_t b, std::size_t e) {
    std::mt19937 rng(static_cast<unsigned>(b));
    std::normal_distribution<float> n(100, 10);
    for (std::size_t t = b; t < e; ++t)
      for (std::int64_t v = 0; v < V; ++v) x[static_cast<std::int64_t>(t) * V + v] = n(rng);
  });
  for (std::int64_t t = 0; t < T; ++t) in.run.data<std::int64_t>()[t] = t * kRuns / T;
  for (std::int64_t v = 0; v < V; ++v) in.kept += (in.mask.data<std::uint8_t>()[v] = (v % 3 != 0));
  return in;
}

}  // namespace b2m::bench
