// The fused preprocessing of issue 3's benchmark: per-run z-score over time,
// voxel mask, one-scan hemodynamic delay, on f32[time, voxel], compiled by
// b2mc's pipeline (fusion -> loops -> LLVM) and run by the executor in
// memory, next to a STREAM-like copy measured in the same process.
//
//   bench_fused [time] [voxel] [threads] [repeats]   (default 4800 60000 2 3)
//
// Prints one line of key=value figures; bench/kernels/run.sh adds numpy.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "b2m/driver/frontend.h"
#include "b2m/exec/executor.h"
#include "b2m/runtime/thread_pool.h"

namespace {

const char* kPipeline = R"(import fmri
extern source fn data(name: str) -> annotated
source x: f32[time, voxel] = data("bold")
source run: i64[time] = data("run")
source keep: bool[voxel] = data("mask")
out "y.npy" = shift(compress(fmri.zscore_runs(x, run), keep), by=1, along=time)
)";

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t T = argc > 1 ? std::atoll(argv[1]) : 4800;
  std::int64_t V = argc > 2 ? std::atoll(argv[2]) : 60000;
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  int repeats = argc > 4 ? std::atoi(argv[4]) : 3;
  b2m::ThreadPool::set_num_threads(static_cast<std::size_t>(threads));

  // Inputs: 12 runs of 400 scans; two voxels in three are kept.
  using b2m::cpu::HostTensor;
  HostTensor x = HostTensor::zeros(b2m::DType::F32, {T, V});
  HostTensor run = HostTensor::zeros(b2m::DType::I64, {T});
  HostTensor mask = HostTensor::zeros(b2m::DType::Bool, {V});
  b2m::parallel_for(static_cast<std::size_t>(T), 64, [&](std::size_t b, std::size_t e) {
    std::mt19937 rng(static_cast<unsigned>(b));
    std::normal_distribution<float> n(100, 10);
    for (std::size_t t = b; t < e; ++t)
      for (std::int64_t v = 0; v < V; ++v) x.data<float>()[t * V + v] = n(rng);
  });
  for (std::int64_t t = 0; t < T; ++t) run.data<std::int64_t>()[t] = t * 12 / T;
  std::int64_t kept = 0;
  for (std::int64_t v = 0; v < V; ++v) kept += (mask.data<std::uint8_t>()[v] = (v % 3 != 0));

  // Compile once (not timed: compile time is reported separately).
  auto c0 = std::chrono::steady_clock::now();
  b2m::SourceManager sm;
  b2m::DiagnosticEngine diags(sm);
  diags.set_buffered(true);
  auto f = sm.add("bench.b2m", kPipeline);
  b2m::FrontendOptions fo;
  fo.stop_after = b2m::Stage::Loops;
  fo.stdlib_dirs = {B2M_SOURCE_DIR "/stdlib"};
  auto r = b2m::run_frontend(sm, diags, f, fo);
  if (!r.ok) {
    for (const auto& d : diags.diagnostics()) diags.print(d);
    return 1;
  }
  std::string err;
  auto jit = b2m::cpu::JitKernels::compile(r.kernels, &err);
  if (!jit) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  double compile_s = seconds_since(c0);
  b2m::exec::register_builtin_runtime_ops();
  b2m::exec::RuntimeRegistry::global().add("data", [&](const std::vector<const b2m::exec::Value*>& a, const b2m::Type&) {
    const std::string& n = a[0]->text;
    return b2m::exec::Value::of_tensor(n == "bold" ? x : n == "run" ? run : mask);
  });

  // STREAM-like copy of the input, with the same threads.
  HostTensor dst = HostTensor::zeros(b2m::DType::F32, {T, V});
  double copy_best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    std::size_t bytes = x.bytes.size();
    b2m::parallel_for(bytes, 1 << 22, [&](std::size_t b, std::size_t e) {
      std::memcpy(dst.bytes.data() + b, x.bytes.data() + b, e - b);
    });
    copy_best = std::min(copy_best, seconds_since(t0));
  }
  double copy_gbs = 2.0 * static_cast<double>(x.bytes.size()) / copy_best / 1e9;

  // The pipeline; the input "source" hands over a copy, which is timed apart.
  double run_best = 1e30, source_best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    HostTensor copy = x;
    source_best = std::min(source_best, seconds_since(t0));
    std::map<std::string, b2m::exec::Value> outs;
    b2m::exec::RunOptions opts;
    opts.capture_outputs = &outs;
    t0 = std::chrono::steady_clock::now();
    b2m::exec::run(*r.module, r.kernels, [&](const std::string& k) { return jit->lookup(k); }, opts);
    run_best = std::min(run_best, seconds_since(t0));
    if (outs.at("y.npy").tensor.dims != std::vector<std::int64_t>{T, kept}) return 1;
  }
  // The same pipeline without the tiled (one-pass) schedule: the two-pass
  // kernels one after the other. Same results, bit for bit; its time too.
  double untiled_best = 1e30;
  bool same = true;
  for (int i = 0; i < repeats; ++i) {
    std::map<std::string, b2m::exec::Value> tiled_outs, outs;
    b2m::exec::RunOptions opts;
    opts.capture_outputs = &outs;
    opts.tiling = false;
    auto t0 = std::chrono::steady_clock::now();
    b2m::exec::run(*r.module, r.kernels, [&](const std::string& k) { return jit->lookup(k); }, opts);
    untiled_best = std::min(untiled_best, seconds_since(t0));
    if (i == 0) {
      opts.tiling = true;
      opts.capture_outputs = &tiled_outs;
      b2m::exec::run(*r.module, r.kernels, [&](const std::string& k) { return jit->lookup(k); }, opts);
      same = tiled_outs.at("y.npy").tensor.bytes == outs.at("y.npy").tensor.bytes;
    }
  }
  double pipeline_s = std::max(1e-9, run_best - source_best);
  double untiled_s = std::max(1e-9, untiled_best - source_best);
  // The least traffic any implementation needs: read the input, write the output.
  double min_bytes = static_cast<double>(x.bytes.size()) + 4.0 * static_cast<double>(T * kept);
  double achieved_gbs = min_bytes / pipeline_s / 1e9;
  std::printf("time=%lld voxel=%lld threads=%d kernels=%zu compile_s=%.3f copy_GBps=%.2f pipeline_s=%.3f "
              "min_traffic_GB=%.2f achieved_GBps=%.2f fraction_of_copy=%.2f untiled_s=%.3f untiled_fraction=%.2f tiled_equal=%d\n",
              static_cast<long long>(T), static_cast<long long>(V), threads, r.kernels.size(), compile_s, copy_gbs,
              pipeline_s, min_bytes / 1e9, achieved_gbs, achieved_gbs / copy_gbs, untiled_s,
              min_bytes / untiled_s / 1e9 / copy_gbs, same ? 1 : 0);
  if (!same) return 1;
  return 0;
}
