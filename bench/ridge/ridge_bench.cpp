// Ridge benchmark: b2m::ridge::fit with 20 alphas and 5-fold CV at the
// paper's decoding and encoding sizes, against the float32 GEMM peak measured
// in the same run. Prints one JSON object per case; optionally writes the
// data and the chosen alphas as .npy so that compare.py runs scikit-learn and
// numpy on exactly the same arrays.
//
//   ridge_bench --case encoding --out /tmp/ridge-bench   (X 4800x1024, Y 4800x60000)
//   ridge_bench --case decoding --out /tmp/ridge-bench   (X 4800x6000, Y 4800x128)
//   ridge_bench --n 600 --p 100 --t 500                  (any size)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "b2m/io/npy.h"
#include "b2m/ridge/blas.h"
#include "b2m/ridge/ridge.h"
#include "b2m/runtime/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Peak resident memory (VmHWM) in GiB; reset_peak_rss() restarts it so that
// the fit is measured without the data generation's temporaries (the data
// itself stays resident and is counted).
double peak_rss_gib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1.0;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  std::fclose(f);
  return double(kib) / double(1 << 20);
}
void reset_peak_rss() {
  if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

b2m::RowMatrixF random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint32_t seed) {
  b2m::RowMatrixF m(rows, cols);
  // Independent streams per row block keep generation parallel and deterministic.
  b2m::parallel_for(std::size_t(rows), 64, [&](std::size_t r0, std::size_t r1) {
    std::mt19937 rng(seed * 1000003u + std::uint32_t(r0));
    std::normal_distribution<float> normal;
    for (std::size_t r = r0; r < r1; ++r)
      for (Eigen::Index c = 0; c < cols; ++c) m(Eigen::Index(r), c) = normal(rng);
  });
  return m;
}

// Best of `repeats` square float32 GEMMs (size x size x size), in GFLOP/s.
double sgemm_peak_gflops(Eigen::Index size, int repeats) {
  const b2m::RowMatrixF a = random_matrix(size, size, 1), b = random_matrix(size, size, 2);
  b2m::RowMatrixF c(size, size);
  double best = 0.0;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    b2m::blas::gemm(false, b2m::blas::view(a), false, b2m::blas::view(b), 1.0f, 0.0f,
                    b2m::blas::mutable_view(c));
    best = std::max(best, 2.0 * double(size) * double(size) * double(size) / seconds_since(start) / 1e9);
  }
  return best;
}

struct Args {
  std::string label = "custom";
  Eigen::Index n = 0, p = 0, t = 0;
  int alphas = 20, folds = 5;
  std::string out;  // folder for .npy files ("" = none)
  int threads = 0;
  Eigen::Index peak_size = 4096;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", key.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (key == "--case") {
      a.label = value();
      if (a.label == "encoding") a.n = 4800, a.p = 1024, a.t = 60000;
      else if (a.label == "decoding") a.n = 4800, a.p = 6000, a.t = 128;
      else {
        std::fprintf(stderr, "unknown case %s (encoding, decoding)\n", a.label.c_str());
        std::exit(2);
      }
    } else if (key == "--n") a.n = std::stol(value());
    else if (key == "--p") a.p = std::stol(value());
    else if (key == "--t") a.t = std::stol(value());
    else if (key == "--alphas") a.alphas = std::stoi(value());
    else if (key == "--folds") a.folds = std::stoi(value());
    else if (key == "--out") a.out = value();
    else if (key == "--threads") a.threads = std::stoi(value());
    else if (key == "--peak-size") a.peak_size = std::stol(value());
    else {
      std::fprintf(stderr, "usage: ridge_bench [--case encoding|decoding] [--n N --p P --t T] "
                           "[--alphas 20] [--folds 5] [--out DIR] [--threads N]\n");
      std::exit(2);
    }
  }
  if (a.n <= 0 || a.p <= 0 || a.t <= 0) {
    std::fprintf(stderr, "give --case or --n/--p/--t\n");
    std::exit(2);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  if (args.threads > 0) b2m::ThreadPool::set_num_threads(std::size_t(args.threads));
  b2m::blas::set_blas_threads_from_pool();

  // Data: Y = X W + noise with a per-target noise level spread over two
  // decades, so that the best alpha differs between targets.
  const b2m::RowMatrixF x = random_matrix(args.n, args.p, 11);
  b2m::RowMatrixF y = random_matrix(args.n, args.t, 12);
  {
    // y = noise_j * E + X W, built in place (no second n x t matrix).
    for (Eigen::Index r = 0; r < args.n; ++r)
      for (Eigen::Index j = 0; j < args.t; ++j)
        y(r, j) *= std::pow(10.0f, 2.0f * float(j % 97) / 96.0f - 0.5f);
    const b2m::RowMatrixF w = random_matrix(args.p, args.t, 13) / std::sqrt(float(args.p));
    b2m::blas::gemm(false, b2m::blas::view(x), false, b2m::blas::view(w), 1.0f, 1.0f,
                    b2m::blas::mutable_view(y));
  }
  if (!args.out.empty()) {
    std::filesystem::create_directories(args.out);
    const std::size_t xs[] = {std::size_t(args.n), std::size_t(args.p)};
    const std::size_t ys[] = {std::size_t(args.n), std::size_t(args.t)};
    b2m::io::write_npy(args.out + "/" + args.label + "_X.npy", b2m::io::DType::f32, x.data(), xs);
    b2m::io::write_npy(args.out + "/" + args.label + "_Y.npy", b2m::io::DType::f32, y.data(), ys);
  }

  const double peak = sgemm_peak_gflops(args.peak_size, 3);

  b2m::ridge::RidgeOptions options;
  for (int i = 0; i < args.alphas; ++i)
    options.alphas.push_back(std::pow(10.0, -2.0 + 8.0 * double(i) / double(std::max(1, args.alphas - 1))));
  options.cv = b2m::ridge::CvScheme::kfold(args.folds);
  options.alpha_per_target = true;
  options.score = b2m::ridge::Score::Pearson;
  options.show_progress = false;

  reset_peak_rss();
  const auto start = Clock::now();
  const b2m::ridge::RidgeModel model = b2m::ridge::fit(x, y, options);
  const double elapsed = seconds_since(start);
  const double fit_peak_rss = peak_rss_gib();
  const double flops =
      b2m::ridge::fit_flops(args.n, args.p, args.t, options.alphas.size(), options.cv, model.solver_used);
  const double achieved = flops / elapsed / 1e9;

  if (!args.out.empty()) {
    const std::size_t shape[] = {std::size_t(args.t)};
    b2m::io::write_npy(args.out + "/" + args.label + "_alpha_b2m.npy", b2m::io::DType::f64,
                       model.alpha.data(), shape);
    const std::size_t as[] = {options.alphas.size()};
    b2m::io::write_npy(args.out + "/" + args.label + "_alphas.npy", b2m::io::DType::f64,
                       options.alphas.data(), as);
  }
  double mean_score = 0.0;
  for (float s : model.best_cv_score) mean_score += s / double(model.best_cv_score.size());
  std::printf(
      "{\"case\": \"%s\", \"n\": %ld, \"p\": %ld, \"t\": %ld, \"alphas\": %zu, \"folds\": %d, "
      "\"threads\": %zu, \"blas_threads\": %d, \"solver\": \"%s\", \"seconds\": %.3f, "
      "\"gflop\": %.1f, \"gflops\": %.1f, \"sgemm_peak_gflops\": %.1f, \"fraction_of_peak\": %.3f, "
      "\"peak_rss_gib\": %.2f, \"mean_best_cv_r\": %.4f}\n",
      args.label.c_str(), long(args.n), long(args.p), long(args.t), options.alphas.size(),
      args.folds, b2m::ThreadPool::global().num_threads(), b2m::blas::blas_threads(),
      b2m::ridge::solver_name(model.solver_used), elapsed, flops / 1e9, achieved, peak,
      achieved / peak, fit_peak_rss, mean_score);
  return 0;
}
