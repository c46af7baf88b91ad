// How far apart the first two CPUs are: the one-way latency of handing a
// cache line back and forth between threads pinned to CPUs 0 and 1. On the
// development VMs the host moves the two vCPUs between placements from one
// minute to the next: ~50 ns apart (one CCD: both cores share its link to
// memory, and a 2-thread copy runs at ~40 GB/s) or ~200 ns apart (two CCDs:
// ~75 GB/s). bench_fused prints it for every round so that each round's
// fraction can be read with the placement it ran in.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace b2m::bench {

inline bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Nanoseconds, or a negative number if the two threads cannot be pinned.
inline double core_to_core_ns(int iterations = 20000) {
  alignas(128) std::atomic<int> turn{0};
  std::atomic<bool> pinned{true};
  std::thread other([&] {
    if (!pin_to_cpu(1)) pinned = false;
    for (int i = 0; i < iterations; ++i) {
      while (turn.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      turn.store(2 * i + 2, std::memory_order_release);
    }
  });
  cpu_set_t before;
  pthread_getaffinity_np(pthread_self(), sizeof before, &before);
  if (!pin_to_cpu(0)) pinned = false;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    turn.store(2 * i + 1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  other.join();
  pthread_setaffinity_np(pthread_self(), sizeof before, &before);  // unpin the caller again
  return pinned ? s / iterations / 2 * 1e9 : -1;
}

}  // namespace b2m::bench
