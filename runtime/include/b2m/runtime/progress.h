// Progress bars for long runtime stages ("ridge cv  [#####.....] 12/20  3.1 it/s").
// Drawn on stderr only when it is a terminal, or when B2M_PROGRESS=1; with
// B2M_PROGRESS=0 nothing is drawn. A finished stage always prints one summary
// line with its elapsed time unless progress is off, so logs stay readable.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace b2m {

class Progress {
 public:
  // total == 0: unknown length (a spinner-like counter).
  Progress(std::string label, std::size_t total, std::string unit = "it");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Both may be called from worker threads (parallel stages advance per item).
  void advance(std::size_t by = 1);
  void finish();
  double elapsed_seconds() const;

  // Whether progress output is on at all (B2M_PROGRESS, isatty(stderr)).
  static bool enabled();

 private:
  void draw(bool final_line);
  std::mutex mutex_;
  std::string label_;
  std::string unit_;
  std::size_t total_;
  std::size_t done_ = 0;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace b2m
