// Generation benchmarks (bench/README.md, "Generation"):
//  * one decode step of a causal stage at Bark's full size (12 layers, 768
//    wide, 12 heads, coarse vocabulary 12096, context 256) in F32 and BF16,
//    reported as a fraction of the weight-bandwidth floor = weight bytes per
//    step / copy bandwidth measured between the steps of the same run;
//  * the EnCodec-24kHz-size decoder (n_filters 32, dimension 128, 8 codebooks
//    of 1024, ratios 8 5 4 2, 2-layer LSTM) as a multiple of real time.
// The weights are random and written to B2M_BENCH_DIR (default /tmp) so that
// bench/gen/torch_gpt_step.py runs PyTorch on exactly the same ones.
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "b2m/gen/gpt.h"
#include "b2m/gen/random_model.h"
#include "b2m/gen/rvq.h"
#include "b2m/gen/seanet.h"
#include "b2m/runtime/thread_pool.h"

using namespace b2m::gen;

namespace {

std::string bench_dir() {
  const char* d = std::getenv("B2M_BENCH_DIR");
  return d ? d : "/tmp";
}

GptConfig bark_coarse_size() { return {12, 12, 768, 1024, 12096, 12096, true}; }
constexpr std::size_t kContext = 256;

std::string gpt_weights() {
  std::string path = bench_dir() + "/b2m_bench_gpt.safetensors";
  if (!std::filesystem::exists(path)) write_random_gpt(path, bark_coarse_size(), 1234);
  return path;
}

// Copy bandwidth through the same thread pool, counting bytes read + written
// (the STREAM "copy" convention): one 256 MiB memcpy split over the pool.
double copy_once() {
  static const std::size_t n = std::size_t(256) << 20;  // bytes per buffer, far beyond the caches
  static std::unique_ptr<char[]> a, b;
  if (!a) {
    a.reset(new char[n]);
    b.reset(new char[n]);
    std::memset(a.get(), 1, n);
    std::memset(b.get(), 2, n);
  }
  auto t0 = std::chrono::steady_clock::now();
  b2m::parallel_for(n, std::size_t(4) << 20, [&](std::size_t begin, std::size_t end) {
    std::memcpy(b.get() + begin, a.get() + begin, end - begin);
  });
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * double(n) / s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Best of a few copies before the decode benchmarks (for reference).
void BM_CopyBandwidth(benchmark::State& state) {
  double best = 0;
  for (auto _ : state)
    for (int rep = 0; rep < 5; ++rep) best = std::max(best, copy_once());
  state.counters["GB/s"] = best / 1e9;
}

// The machine is a shared 2-core VM whose free bandwidth changes from second
// to second, so the copy bandwidth that sets the floor is measured between
// decode steps (one copy every 16 steps, not timed as a step) and the floor
// uses the median copy, compared with the median step.
void BM_GptDecodeStep(benchmark::State& state) {
  auto precision = static_cast<WeightPrecision>(state.range(0));
  static std::shared_ptr<GptModel> models[3];
  auto& model = models[state.range(0)];
  if (!model) model = std::make_shared<GptModel>(GptModel::load(Weights::open(gpt_weights()), bark_coarse_size(), precision));
  std::vector<std::int64_t> prompt(kContext);
  for (std::size_t i = 0; i < kContext; ++i) prompt[i] = static_cast<std::int64_t>((i * 7919) % 12096);
  KvCache cache = model->new_cache();
  model->forward(cache, prompt);
  std::vector<double> steps, copies;
  std::int64_t token[] = {42};
  for (auto _ : state) {
    if (cache.length() >= kContext + 64 || steps.size() % 16 == 0) {
      state.PauseTiming();
      if (cache.length() >= kContext + 64) {  // stay near the same context length
        cache.clear();
        model->forward(cache, prompt);
      }
      if (steps.size() % 16 == 0) copies.push_back(copy_once());
      state.ResumeTiming();
    }
    auto t0 = std::chrono::steady_clock::now();
    auto logits = model->forward(cache, token);
    steps.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    benchmark::DoNotOptimize(logits.data());
  }
  const double step = median(steps), copy = median(copies);
  const double floor = double(model->step_weight_bytes()) / copy;
  state.counters["weight_MB"] = double(model->step_weight_bytes()) / 1e6;
  state.counters["copy_GB/s"] = copy / 1e9;
  state.counters["floor_ms"] = floor * 1e3;
  state.counters["step_ms"] = step * 1e3;
  state.counters["min_step_ms"] = *std::min_element(steps.begin(), steps.end()) * 1e3;
  state.counters["of_floor"] = floor / step;
  state.counters["GB/s"] = double(model->step_weight_bytes()) / step / 1e9;
  // Keys and values read per step at the middle context (288), for the README.
  state.counters["cache_MB"] = double(kContext + 32) * 2 * bark_coarse_size().n_embd * bark_coarse_size().n_layer *
                               (cache.precision() == CachePrecision::f32 ? 4 : 2) / 1e6;
  state.SetLabel(weight_precision_name(precision));
}

void BM_EncodecDecode(benchmark::State& state) {
  static std::shared_ptr<SeanetDecoder> decoder;
  static ResidualVQ rvq;
  SeanetConfig config;  // EnCodec 24 kHz: the defaults plus causal
  config.causal = true;
  if (!decoder) {
    std::string path = bench_dir() + "/b2m_bench_encodec.safetensors";
    if (!std::filesystem::exists(path)) write_random_codec(path, config, 8, 1024, 99);
    Weights w = Weights::open(path);
    rvq = ResidualVQ::load(w, 8, 1024, config.dimension);
    decoder = std::make_shared<SeanetDecoder>(SeanetDecoder::load(w.under("decoder."), config));
  }
  const std::size_t frames = static_cast<std::size_t>(state.range(0));  // 75 frames per second
  std::vector<std::int64_t> codes(8 * frames);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<std::int64_t>((i * 2654435761u) % 1024);
  double total = 0;
  std::int64_t runs = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    Signal wav = decoder->decode(rvq.dequantize(codes, 8, frames));
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++runs;
    benchmark::DoNotOptimize(wav.data());
  }
  double audio_seconds = double(frames) / 75.0;
  state.counters["audio_s"] = audio_seconds;
  state.counters["x_realtime"] = audio_seconds / (total / double(runs));
}

}  // namespace

BENCHMARK(BM_CopyBandwidth)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GptDecodeStep)
    ->Arg(static_cast<int>(WeightPrecision::f32))
    ->Arg(static_cast<int>(WeightPrecision::bf16))
    ->MinTime(3.0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EncodecDecode)->Arg(150)->MinTime(3.0)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  // The codec allocates multi-megabyte signals layer after layer; keep freed
  // blocks in the heap instead of returning them to the kernel each time
  // (page faults were a third of the decode time).
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (const char* t = std::getenv("B2M_THREADS")) b2m::ThreadPool::set_num_threads(std::strtoul(t, nullptr, 10));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
