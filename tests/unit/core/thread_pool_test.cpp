#include "b2m/runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace {

TEST(ThreadPool, CoversRangeExactlyOnce) {
  for (std::size_t threads : {1u, 2u, 4u}) {
    b2m::ThreadPool pool(threads);
    for (std::size_t n : {0u, 1u, 7u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      pool.parallel_for(n, 3, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) hits[i]++;
      });
      for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
    }
  }
}

TEST(ThreadPool, ChunkBoundariesIndependentOfThreadCount) {
  auto chunk_sums = [](std::size_t threads) {
    b2m::ThreadPool pool(threads);
    std::vector<float> x(10007);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1.0f / float(i + 1);
    std::vector<float> partial((x.size() + 63) / 64);
    pool.parallel_for(x.size(), 64, [&](std::size_t b, std::size_t e) {
      float s = 0;
      for (std::size_t i = b; i < e; ++i) s += x[i];
      partial[b / 64] = s;
    });
    return partial;
  };
  EXPECT_EQ(chunk_sums(1), chunk_sums(3));
}

TEST(ThreadPool, PropagatesExceptions) {
  b2m::ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(100, 1,
                                 [](std::size_t b, std::size_t) {
                                   if (b == 57) throw std::runtime_error("boom");
                                 }),
               std::runtime_error);
  // The pool stays usable afterwards.
  std::atomic<int> count{0};
  pool.parallel_for(10, 1, [&](std::size_t, std::size_t) { count++; });
  EXPECT_EQ(count.load(), 10);
}

TEST(ThreadPool, NestedParallelForRunsSerially) {
  b2m::ThreadPool::set_num_threads(2);
  std::atomic<int> count{0};
  b2m::parallel_for(4, 1, [&](std::size_t, std::size_t) {
    b2m::parallel_for(5, 1, [&](std::size_t, std::size_t) { count++; });
  });
  EXPECT_EQ(count.load(), 20);
}

// Back-to-back jobs reach spinning workers and jobs after a pause reach
// sleeping ones; both hand-offs must cover every index exactly once.
TEST(ThreadPool, ManyConsecutiveJobsAndJobsAfterIdle) {
  b2m::ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(257);
  for (int job = 0; job < 2000; ++job) {
    if (job % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // workers asleep
    pool.parallel_for(hits.size(), 1 + job % 7, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) hits[i]++;
    });
  }
  for (std::size_t i = 0; i < hits.size(); ++i) EXPECT_EQ(hits[i].load(), 2000) << i;
}

// Jobs submitted from several outside threads are serialised, not mixed.
TEST(ThreadPool, ConcurrentCallersDoNotMixJobs) {
  b2m::ThreadPool pool(2);
  std::vector<std::vector<int>> hits(3, std::vector<int>(1000));
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c)
    callers.emplace_back([&, c] {
      for (int job = 0; job < 200; ++job)
        pool.parallel_for(1000, 10, [&](std::size_t b, std::size_t e) {
          for (std::size_t i = b; i < e; ++i) hits[c][i]++;  // chunks are disjoint: no race
        });
    });
  for (auto& t : callers) t.join();
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(hits[c][i], 200) << c << " " << i;
}

// The spin before sleeping is bounded: an idle pool uses (almost) no CPU.
TEST(ThreadPool, IdleWorkersSleep) {
  auto cpu_seconds = [] {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  };
  b2m::ThreadPool pool(3);
  pool.parallel_for(100, 1, [](std::size_t, std::size_t) {});  // workers have run once
  std::this_thread::sleep_for(std::chrono::milliseconds(20));   // past the spin window
  double before = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double used = cpu_seconds() - before;
  // Two workers spinning would use ~0.6 s; sleeping ones use close to nothing.
  EXPECT_LT(used, 0.05);
}

}  // namespace
