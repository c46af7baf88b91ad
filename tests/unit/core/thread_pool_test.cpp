#include "b2m/runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
