#include "b2m/runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace b2m {

namespace {
// Set while a thread runs chunks of a job: a nested parallel_for then runs
// serially instead of waiting on the pool it is part of.
thread_local bool in_parallel_region = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until ready() or until about `budget` has passed; true when ready.
// The clock is read every few iterations only (a pause is tens of cycles).
template <typename Ready>
bool spin_until(Ready ready, std::chrono::nanoseconds budget) {
  if (ready()) return true;
  if (budget.count() <= 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      cpu_relax();
      if (ready()) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}
}  // namespace

// Jobs are published through an atomic sequence number: odd while a job is
// open, even once the caller has closed it. Idle workers spin on it for a
// bounded time (a decode step issues dozens of jobs a few microseconds apart,
// and waking a sleeping thread costs tens of microseconds on a VM), then sleep
// on a condition variable, so an idle process burns no CPU.
//
// The caller takes chunks too and only waits for chunks to be *finished*, not
// for every worker to show up: on a loaded machine a descheduled worker would
// otherwise stall each job until the scheduler runs it. A worker joins a job by
// registering in `active` and re-checking the sequence number; the caller closes
// the job, then waits for the registered workers to leave before the job's
// fields can be reused. Which thread runs a chunk never changes the chunk's
// boundaries, so results stay bit-identical at any thread count.
struct ThreadPool::Impl {
  std::vector<std::thread> workers;
  std::mutex mutex;               // guards sleeping on the condition variables
  std::condition_variable wake;   // workers: a job was opened or stop
  std::condition_variable done;   // caller: the last chunk finished
  std::mutex run_mutex;           // one job at a time

  // Current job; written only while no worker is registered.
  const std::function<void(std::size_t, std::size_t)>* body = nullptr;
  std::size_t n = 0, grain = 1, num_chunks = 0;
  std::exception_ptr error;
  std::mutex error_mutex;

  std::atomic<std::uint64_t> seq{0};          // odd: a job is open
  std::atomic<std::size_t> next_chunk{0};
  std::atomic<std::size_t> finished_chunks{0};
  std::atomic<std::size_t> active{0};         // workers registered in the open job
  std::atomic<std::size_t> sleeping_workers{0};
  std::atomic<bool> caller_sleeping{false};
  std::atomic<bool> stop{false};

  // How long an idle thread spins before sleeping (B2M_POOL_SPIN_US, default 50).
  std::chrono::nanoseconds spin_budget{std::chrono::microseconds(50)};

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
      // seq_cst (pairs with caller_sleeping); also publishes the chunk's writes.
      if (finished_chunks.fetch_add(1) + 1 == num_chunks &&
          caller_sleeping.load()) {
        std::lock_guard<std::mutex> lock(mutex);
        done.notify_one();
      }
    }
  }

  void worker_loop() {
    std::uint64_t seen = 0;
    for (;;) {
      auto has_news = [&] {
        std::uint64_t s = seq.load();
        return stop.load(std::memory_order_relaxed) || (s != seen && (s & 1));
      };
      if (!spin_until(has_news, spin_budget)) {
        std::unique_lock<std::mutex> lock(mutex);
        sleeping_workers.fetch_add(1);  // seq_cst: pairs with the caller's seq store
        wake.wait(lock, has_news);
        sleeping_workers.fetch_sub(1);
      }
      if (stop.load()) return;
      std::uint64_t s = seq.load();
      seen = s;
      if (!(s & 1)) continue;
      active.fetch_add(1);  // seq_cst: pairs with the caller's close
      if (seq.load() == s) run_chunks();
      active.fetch_sub(1);
    }
  }
};

ThreadPool::ThreadPool(std::size_t num_threads)
    : impl_(new Impl), num_threads_(std::max<std::size_t>(1, num_threads)) {
  if (const char* v = std::getenv("B2M_POOL_SPIN_US"))
    impl_->spin_budget = std::chrono::microseconds(std::strtoll(v, nullptr, 10));
  for (std::size_t i = 1; i < num_threads_; ++i)
    impl_->workers.emplace_back([this] { impl_->worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stop.store(true);
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
  Impl& p = *impl_;
  std::lock_guard<std::mutex> run_lock(p.run_mutex);
  // No worker is registered here (the previous job waited for them to leave),
  // so the fields can be written; the seq store below publishes them.
  p.body = &body;
  p.n = n;
  p.grain = grain;
  p.num_chunks = num_chunks;
  p.error = nullptr;
  p.next_chunk.store(0, std::memory_order_relaxed);
  p.finished_chunks.store(0, std::memory_order_relaxed);
  const std::uint64_t open = p.seq.load(std::memory_order_relaxed) + 1;  // odd
  p.seq.store(open);  // seq_cst: pairs with sleeping_workers
  if (p.sleeping_workers.load() > 0) {
    // Taking the mutex orders this notify after a worker's predicate check.
    { std::lock_guard<std::mutex> lock(p.mutex); }
    p.wake.notify_all();
  }
  p.run_chunks();
  // Wait for chunks other threads are still running: spin, then sleep.
  auto all_finished = [&] { return p.finished_chunks.load() == num_chunks; };
  if (!spin_until(all_finished, p.spin_budget)) {
    std::unique_lock<std::mutex> lock(p.mutex);
    p.caller_sleeping.store(true);  // seq_cst: pairs with the last chunk's count
    p.done.wait(lock, all_finished);
    p.caller_sleeping.store(false);
  }
  // Close the job; a worker that registered before seeing the close may still
  // be reading the fields (it finds no chunk left): wait for it to leave.
  p.seq.store(open + 1);
  while (p.active.load() != 0) {
    if (!spin_until([&] { return p.active.load() == 0; }, p.spin_budget)) std::this_thread::yield();
  }
  p.body = nullptr;
  if (p.error) std::rethrow_exception(p.error);
}

}  // namespace b2m
