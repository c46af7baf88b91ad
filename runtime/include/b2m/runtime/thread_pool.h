// One process-wide pool of worker threads (`--threads N`, default: all cores).
//
// parallel_for splits [0, n) into contiguous chunks whose boundaries depend only
// on n and the grain, never on the number of threads, so that any reduction a
// caller does per chunk gives bit-identical results at every thread count.
//
// Idle workers spin for a bounded time (default 50 us, B2M_POOL_SPIN_US) before
// sleeping, so back-to-back small jobs (a decode step issues dozens) do not pay
// a thread wake-up each, while an idle process uses no CPU after that window.
#pragma once

#include <cstddef>
#include <functional>

namespace b2m {

class ThreadPool {
 public:
  // The pool used by the runtime and by generated code.
  static ThreadPool& global();

  // Resize the global pool. n == 0 means "all hardware threads".
  static void set_num_threads(std::size_t n);

  explicit ThreadPool(std::size_t num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t num_threads() const { return num_threads_; }

  // Calls body(begin, end) for chunks covering [0, n); chunk k is
  // [k*grain, min(n, (k+1)*grain)). Blocks until all chunks are done.
  // Exceptions thrown by body are rethrown in the caller (the first one).
  void parallel_for(std::size_t n, std::size_t grain,
                    const std::function<void(std::size_t, std::size_t)>& body);

 private:
  struct Impl;
  Impl* impl_;
  std::size_t num_threads_;
};

// Shorthand for ThreadPool::global().parallel_for(...).
inline void parallel_for(std::size_t n, std::size_t grain,
                         const std::function<void(std::size_t, std::size_t)>& body) {
  ThreadPool::global().parallel_for(n, grain, body);
}

}  // namespace b2m
