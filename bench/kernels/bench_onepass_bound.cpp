// What a one-pass schedule of issue 3's benchmark can reach on this machine:
// the per-run z-score + mask + delay written by hand (not compiled by b2m),
// next to the same STREAM-like copy bench_fused measures. It answers "would
// a one-pass kernel reach 70% of the copy?" before (or instead of) teaching
// the compiler to produce it, and how much of the time its parts take.
//
// Schedule: work items are (run, tile of kept voxels); each reads its run's
// rows of the tile's raw voxel range once into float64 sums (AVX-512: 16
// floats per load, two 8-lane accumulators each for x and x²), then — the
// tile still in L2 — gathers the kept voxels again, normalizes them and
// writes output row t+1 (the one-scan delay). Output stores are ordinary or
// non-temporal (after peeling to a 64-byte boundary). Each row of the
// statistics prefetches the tile's row `prefetch` scans ahead: the tile's
// rows are a few hundred bytes long and 240 KB apart, which the hardware
// prefetcher does not follow.
//
// Each round times, back to back: the copy; the whole schedule with
// ordinary and with streaming stores; its statistics alone; and the bare
// read of the same tiles in the same order (one float sum per row, the same
// prefetch), which is what any schedule that keeps a tile of a run in L2
// between its two passes cannot go below. Fractions are per round (against
// that round's copy) and the medians are printed, as bench_fused does.
//
//   bench_onepass_bound [time] [voxel] [threads] [rounds] [tile] [prefetch]
//   (default 4800 60000 2 5 256 8; tile in kept voxels; prefetch in rows,
//   0 for none)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "b2m/runtime/avx512.h"

#include "b2m/codegen/launch.h"
#include "b2m/runtime/thread_pool.h"
#include "zscore_inputs.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Rows ahead to prefetch (0: none).
int g_prefetch = 8;

// What a work item does: the whole schedule, its statistics alone, or only
// the read of its tile's rows.
enum class Part { All, Statistics, Read };

struct Problem {
  std::int64_t T, V, K, runs;
  const float* x;
  const std::int32_t* idx;       // kept voxels
  const std::int64_t* run_start;  // runs + 1 row boundaries (runs are contiguous)
  float* y;                       // [T, K]
};

// Statistics of rows [t0, t1) over raw voxels [v0, v0 + n) into s, s2.
void tile_stats(const Problem& p, std::int64_t t0, std::int64_t t1, std::int64_t v0, std::int64_t n, double* s,
                double* s2) {
  std::fill(s, s + n, 0.0);
  std::fill(s2, s2 + n, 0.0);
  for (std::int64_t t = t0; t < t1; ++t) {
    const float* xr = p.x + t * p.V + v0;
    std::int64_t v = 0;
    if (g_prefetch && t + g_prefetch < t1)
      for (std::int64_t c = 0; c < n; c += 16) __builtin_prefetch(xr + g_prefetch * p.V + c, 0, 3);
#if defined(__AVX512F__)
    for (; v + 16 <= n; v += 16) {
      __m512 f = _mm512_loadu_ps(xr + v);
      __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(f));
      __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1)));
      _mm512_storeu_pd(s + v, _mm512_add_pd(_mm512_loadu_pd(s + v), lo));
      _mm512_storeu_pd(s + v + 8, _mm512_add_pd(_mm512_loadu_pd(s + v + 8), hi));
      _mm512_storeu_pd(s2 + v, _mm512_fmadd_pd(lo, lo, _mm512_loadu_pd(s2 + v)));
      _mm512_storeu_pd(s2 + v + 8, _mm512_fmadd_pd(hi, hi, _mm512_loadu_pd(s2 + v + 8)));
    }
#endif
    for (; v < n; ++v) {
      double d = xr[v];
      s[v] += d;
      s2[v] = std::fma(d, d, s2[v]);
    }
  }
}

// The bare read of rows [t0, t1) over raw voxels [v0, v0 + n), with the
// statistics' prefetch: a float sum per row, kept so the loads stay.
float tile_read(const Problem& p, std::int64_t t0, std::int64_t t1, std::int64_t v0, std::int64_t n) {
  float total = 0;
  for (std::int64_t t = t0; t < t1; ++t) {
    const float* xr = p.x + t * p.V + v0;
    if (g_prefetch && t + g_prefetch < t1)
      for (std::int64_t c = 0; c < n; c += 16) __builtin_prefetch(xr + g_prefetch * p.V + c, 0, 3);
    std::int64_t v = 0;
#if defined(__AVX512F__)
    __m512 acc = _mm512_setzero_ps();
    for (; v + 16 <= n; v += 16) acc = _mm512_add_ps(acc, _mm512_loadu_ps(xr + v));
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, acc);
    for (float l : lanes) total += l;
#endif
    for (; v < n; ++v) total += xr[v];
  }
  return total;
}

template <bool Stream>
void tile_normalize(const Problem& p, std::int64_t t0, std::int64_t t1, std::int64_t k0, std::int64_t n,
                    const float* m, const float* sd) {
  for (std::int64_t t = t0; t < t1 && t + 1 < p.T; ++t) {
    const float* xr = p.x + t * p.V;
    float* yr = p.y + (t + 1) * p.K + k0;
    const std::int32_t* ix = p.idx + k0;
    std::int64_t k = 0;
#if defined(__AVX512F__)
    if (Stream)
      for (; k < n && (reinterpret_cast<std::uintptr_t>(yr + k) & 63); ++k) yr[k] = (xr[ix[k]] - m[k]) / sd[k];
    for (; k + 16 <= n; k += 16) {
      __m512 g = _mm512_i32gather_ps(_mm512_loadu_si512(ix + k), xr, 4);
      __m512 z = _mm512_div_ps(_mm512_sub_ps(g, _mm512_loadu_ps(m + k)), _mm512_loadu_ps(sd + k));
      if (Stream) _mm512_stream_ps(yr + k, z);
      else _mm512_storeu_ps(yr + k, z);
    }
#endif
    for (; k < n; ++k) yr[k] = (xr[ix[k]] - m[k]) / sd[k];
  }
}

std::atomic<float> g_read_sink{0};

template <bool Stream>
void work_item(const Problem& p, std::int64_t tile, std::int64_t w, Part part) {
  std::int64_t ntiles = (p.K + tile - 1) / tile;
  std::int64_t r = w / ntiles, k0 = (w % ntiles) * tile, k1 = std::min(p.K, k0 + tile);
  std::int64_t t0 = p.run_start[r], t1 = p.run_start[r + 1];
  std::int64_t v0 = p.idx[k0], nv = p.idx[k1 - 1] + 1 - v0;
  if (part == Part::Read) {
    g_read_sink.store(tile_read(p, t0, t1, v0, nv), std::memory_order_relaxed);
    return;
  }
  thread_local std::vector<double> s, s2;
  thread_local std::vector<float> m, sd;
  s.resize(static_cast<std::size_t>(nv));
  s2.resize(static_cast<std::size_t>(nv));
  m.resize(static_cast<std::size_t>(k1 - k0));
  sd.resize(static_cast<std::size_t>(k1 - k0));
  tile_stats(p, t0, t1, v0, nv, s.data(), s2.data());
  double rows = static_cast<double>(t1 - t0);
  for (std::int64_t k = k0; k < k1; ++k) {
    std::int64_t j = p.idx[k] - v0;
    double mean = s[j] / rows;
    m[k - k0] = static_cast<float>(mean);
    sd[k - k0] = static_cast<float>(std::sqrt(s2[j] / rows - mean * mean));
  }
  if (part == Part::All) tile_normalize<Stream>(p, t0, t1, k0, k1 - k0, m.data(), sd.data());
  if (r == 0) std::fill(p.y + k0, p.y + k1, 0.0f);  // the delay's first row
}

template <bool Stream>
double run_once(const Problem& p, std::int64_t tile, Part part = Part::All) {
  std::int64_t items = p.runs * ((p.K + tile - 1) / tile);
  auto t0 = std::chrono::steady_clock::now();
  b2m::parallel_for(static_cast<std::size_t>(items), 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t w = b; w < e; ++w) work_item<Stream>(p, tile, static_cast<std::int64_t>(w), part);
  });
#if defined(__AVX512F__)
  _mm_sfence();
#endif
  return seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t T = argc > 1 ? std::atoll(argv[1]) : 4800;
  std::int64_t V = argc > 2 ? std::atoll(argv[2]) : 60000;
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  int rounds = argc > 4 ? std::atoi(argv[4]) : 5;
  std::int64_t tile = argc > 5 ? std::atoll(argv[5]) : 256;
  b2m::ThreadPool::set_num_threads(static_cast<std::size_t>(threads));
  if (argc > 6) g_prefetch = std::atoi(argv[6]);

  // The inputs of bench_fused: 12 runs, two voxels in three kept.
  using b2m::cpu::HostTensor;
  b2m::bench::ZscoreInputs in = b2m::bench::make_zscore_inputs(T, V);
  const HostTensor& x = in.x;
  const std::int64_t runs = b2m::bench::kRuns;
  std::vector<std::int64_t> run_start(runs + 1, T);  // first row of each run; runs are contiguous
  for (std::int64_t t = T; t-- > 0;) run_start[in.run.data<std::int64_t>()[t]] = t;
  std::vector<std::int32_t> idx;
  for (std::int64_t v = 0; v < V; ++v)
    if (in.mask.data<std::uint8_t>()[v]) idx.push_back(static_cast<std::int32_t>(v));
  std::int64_t K = static_cast<std::int64_t>(idx.size());
  HostTensor y = HostTensor::zeros(b2m::DType::F32, {T, K});  // faulted in once, as the executor's block cache does
  HostTensor dst = HostTensor::zeros(b2m::DType::F32, {T, V});
  Problem p{T, V, K, runs, x.data<float>(), idx.data(), run_start.data(), y.data<float>()};

  // Paired rounds: each part's fraction against its own round's copy.
  const double min_bytes = static_cast<double>(x.bytes.size()) + 4.0 * static_cast<double>(T * K);
  enum { kCopy, kPlain, kStream, kStats, kRead, kParts };
  std::vector<double> secs[kParts], frac[kParts];
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    std::size_t bytes = x.bytes.size();
    b2m::parallel_for(bytes, 1 << 22, [&](std::size_t b, std::size_t e) {
      std::memcpy(dst.bytes.data() + b, x.bytes.data() + b, e - b);
    });
    secs[kCopy].push_back(seconds_since(t0));
    secs[kPlain].push_back(run_once<false>(p, tile));
    secs[kStream].push_back(run_once<true>(p, tile));
    secs[kStats].push_back(run_once<false>(p, tile, Part::Statistics));
    secs[kRead].push_back(run_once<false>(p, tile, Part::Read));
    double copy_gbs = 2.0 * static_cast<double>(bytes) / secs[kCopy].back() / 1e9;
    frac[kCopy].push_back(copy_gbs);
    for (int k = kPlain; k < kParts; ++k) frac[k].push_back(min_bytes / secs[k].back() / 1e9 / copy_gbs);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  // fraction_* of the statistics and of the read: the fraction of the copy
  // the pipeline would reach if it took only that long.
  std::printf("tile=%lld prefetch=%d rounds=%d copy_GBps=%.2f onepass_s=%.3f fraction=%.2f onepass_stream_s=%.3f "
              "fraction_stream=%.2f statistics_s=%.3f fraction_if_statistics_only=%.2f tile_read_s=%.3f "
              "fraction_if_read_only=%.2f\n",
              static_cast<long long>(tile), g_prefetch, rounds, median(frac[kCopy]), median(secs[kPlain]),
              median(frac[kPlain]), median(secs[kStream]), median(frac[kStream]), median(secs[kStats]),
              median(frac[kStats]), median(secs[kRead]), median(frac[kRead]));
  return 0;
}
