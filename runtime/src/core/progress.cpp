#include "b2m/runtime/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace b2m {

namespace {
enum class Mode { Off, Tty, Lines };
Mode progress_mode() {
  const char* env = std::getenv("B2M_PROGRESS");
  if (env && std::strcmp(env, "0") == 0) return Mode::Off;
  if (isatty(STDERR_FILENO)) return Mode::Tty;
  if (env && std::strcmp(env, "1") == 0) return Mode::Lines;
  return Mode::Off;
}
}  // namespace

bool Progress::enabled() { return progress_mode() != Mode::Off; }

Progress::Progress(std::string label, std::size_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(std::size_t by) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += by;
  auto now = std::chrono::steady_clock::now();
  // Redraw at most 10 times a second: progress must never cost measurable time.
  if (now - last_draw_ > std::chrono::milliseconds(100)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final_line) {
  Mode mode = progress_mode();
  if (mode == Mode::Off) return;
  if (mode == Mode::Lines && !final_line) return;
  double secs = elapsed_seconds();
  double rate = secs > 0 ? done_ / secs : 0.0;
  char bar[32];
  const int width = 24;
  if (total_ > 0) {
    int filled = static_cast<int>(width * (double)std::min(done_, total_) / (double)total_);
    for (int i = 0; i < width; ++i) bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    std::fprintf(stderr, "%s%-18s [%s] %zu/%zu  %.1f %s/s  %.1fs%s", mode == Mode::Tty ? "\r" : "",
                 label_.c_str(), bar, done_, total_, rate, unit_.c_str(), secs,
                 final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s%-18s %zu %s  %.1f %s/s  %.1fs%s", mode == Mode::Tty ? "\r" : "",
                 label_.c_str(), done_, unit_.c_str(), rate, unit_.c_str(), secs,
                 final_line ? "\n" : "");
  }
  std::fflush(stderr);
}

}  // namespace b2m
