#include "b2m/runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace b2m {

namespace {
// Set while a thread runs chunks of a job: a nested parallel_for then runs
// serially instead of waiting on the pool it is part of.
thread_local bool in_parallel_region = false;
}  // namespace

// Workers sleep on a condition variable and are woken for each parallel_for
// "job". Chunks are handed out through an atomic counter; the calling thread
// takes chunks too, so a pool of N threads has N-1 workers.
struct ThreadPool::Impl {
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  std::mutex run_mutex;  // one job at a time

  // Current job.
  const std::function<void(std::size_t, std::size_t)>* body = nullptr;
  std::size_t n = 0, grain = 1, num_chunks = 0;
  std::atomic<std::size_t> next_chunk{0};
  std::size_t active = 0;
  std::uint64_t generation = 0;
  bool stop = false;
  std::exception_ptr error;
  std::mutex error_mutex;

  void run_chunks() {
    bool was_inside = in_parallel_region;
    in_parallel_region = true;
    struct Restore {
      bool value;
      ~Restore() { in_parallel_region = value; }
    } restore{was_inside};
    for (;;) {
      std::size_t k = next_chunk.fetch_add(1, std::memory_order_relaxed);
      if (k >= num_chunks) return;
      std::size_t begin = k * grain;
      std::size_t end = std::min(n, begin + grain);
      try {
        (*body)(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  }

  void worker_loop() {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
      }
      run_chunks();
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (--active == 0) done.notify_one();
      }
    }
  }
};

ThreadPool::ThreadPool(std::size_t num_threads)
    : impl_(new Impl), num_threads_(std::max<std::size_t>(1, num_threads)) {
  for (std::size_t i = 1; i < num_threads_; ++i)
    impl_->workers.emplace_back([this] { impl_->worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->workers) t.join();
  delete impl_;
}

namespace {
std::unique_ptr<ThreadPool>& global_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
std::size_t hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}
}  // namespace

ThreadPool& ThreadPool::global() {
  auto& slot = global_slot();
  if (!slot) slot = std::make_unique<ThreadPool>(hardware_threads());
  return *slot;
}

void ThreadPool::set_num_threads(std::size_t n) {
  global_slot() = std::make_unique<ThreadPool>(n == 0 ? hardware_threads() : n);
}

void ThreadPool::parallel_for(std::size_t n, std::size_t grain,
                              const std::function<void(std::size_t, std::size_t)>& body) {
  if (n == 0) return;
  grain = std::max<std::size_t>(1, grain);
  std::size_t num_chunks = (n + grain - 1) / grain;
  if (num_threads_ == 1 || num_chunks == 1 || in_parallel_region) {
    for (std::size_t k = 0; k < num_chunks; ++k) body(k * grain, std::min(n, (k + 1) * grain));
    return;
  }
  std::lock_guard<std::mutex> run_lock(impl_->run_mutex);
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->body = &body;
    impl_->n = n;
    impl_->grain = grain;
    impl_->num_chunks = num_chunks;
    impl_->next_chunk.store(0);
    impl_->active = impl_->workers.size();
    impl_->error = nullptr;
    ++impl_->generation;
  }
  impl_->wake.notify_all();
  impl_->run_chunks();
  {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    impl_->done.wait(lock, [&] { return impl_->active == 0; });
    impl_->body = nullptr;
  }
  if (impl_->error) std::rethrow_exception(impl_->error);
}

}  // namespace b2m
