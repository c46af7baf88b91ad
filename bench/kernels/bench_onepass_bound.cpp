// What a one-pass schedule of issue 3's benchmark can reach on this machine,
// and which changes to that schedule would pay: the per-run z-score + mask +
// delay written by hand with AVX-512 (not compiled by b2m), next to the same
// STREAM-like copy bench_fused measures, in paired rounds.
//
// `sequential` is the schedule b2mc compiles today (bench/README.md): work
// items are (run, tile of 320 raw voxels); each reads its run's rows of the
// tile once into float64 sums, prefetching 8 rows ahead, then, the tile still
// in L2, normalizes it 16 raw voxels at a time, compresses the kept lanes in
// registers and stores them packed into output row t+1, each output row's
// block prefetched for writing 8 rows ahead. Threads take chunks of
// consecutive tiles of one run. The variants change one thing each:
//   pipelined  the statistics of tile j+1 interleaved row by row with the
//              normalize of tile j (software pipelining across items: the
//              latency-bound read of one tile overlaps the other's compute);
//   streaming  each output row's block assembled in L1, its whole lines
//              written with non-temporal stores (no read for ownership).
// and the parts of `sequential` timed alone:
//   statistics     the statistics of every tile, no normalize;
//   normalize_hot  the normalize of every item from a tile already in L2
//                  (each chunk's first tile), output at its own place;
//   read           a plain sequential read of x, half per thread: what one
//                  streaming read reaches, for comparison with the tiles'.
// Each is printed as the fraction of its round's copy the whole pipeline
// would reach if it took that long, as medians over the rounds in each
// placement of the two CPUs (core_distance.h).
//
//   bench_onepass_bound [time] [voxel] [threads] [rounds] [tile]
//   (default 4800 60000 2 5 320; tile: raw voxels, a multiple of 16)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "b2m/runtime/avx512.h"

#include "b2m/codegen/launch.h"
#include "b2m/runtime/thread_pool.h"
#include "core_distance.h"
#include "paired_rounds.h"
#include "zscore_inputs.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr std::int64_t kMaxTile = 1024;  // raw voxels per tile at most
std::int64_t g_tile = 320;               // raw voxels per tile: b2mc's tiled schedule picks 320 for 400-row runs
constexpr std::int64_t kAhead = 8;       // rows prefetched ahead, as b2mc's kernels do

struct Problem {
  std::int64_t T, V, K;
  const float* x;
  std::vector<std::uint16_t> lanes;      // per 16 raw voxels: which are kept
  std::vector<std::int64_t> kept_before;  // per 16 raw voxels and at the end: kept voxels before them
  std::vector<std::int64_t> run_start;    // runs + 1 row boundaries (runs are contiguous)
  float* y;                               // [T, K]
};

// A tile's statistics: float64 sums while reading, then the float32 mean and
// 1/SD of every raw voxel (the normalize reads them by raw lane).
struct TileStats {
  alignas(64) double s[kMaxTile], s2[kMaxTile];
  alignas(64) float mean[kMaxTile], inv_sd[kMaxTile];
};

#if defined(__AVX512F__)
void accumulate_row(const float* xr, std::int64_t n, double* s, double* s2) {
  for (std::int64_t c = 0; c < n; c += 16) {
    __m512 f = _mm512_load_ps(xr + c);
    __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(f));
    __m512d hi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1));
    _mm512_store_pd(s + c, _mm512_add_pd(_mm512_load_pd(s + c), lo));
    _mm512_store_pd(s + c + 8, _mm512_add_pd(_mm512_load_pd(s + c + 8), hi));
    _mm512_store_pd(s2 + c, _mm512_fmadd_pd(lo, lo, _mm512_load_pd(s2 + c)));
    _mm512_store_pd(s2 + c + 8, _mm512_fmadd_pd(hi, hi, _mm512_load_pd(s2 + c + 8)));
  }
}

// Normalizes raw voxels [0, n) of one row and stores the kept ones packed at
// yr; prefetches the same place `ahead_bytes` further for writing.
void normalize_row(const float* xr, std::int64_t n, const TileStats& st, const std::uint16_t* lanes, float* yr,
                   std::int64_t ahead_floats) {
  std::int64_t k = 0;
  for (std::int64_t c = 0; c < n; c += 16) {
    _mm_prefetch(reinterpret_cast<const char*>(yr + k + ahead_floats), _MM_HINT_ET0);
    __mmask16 keep = lanes[c / 16];
    __m512 z = _mm512_mul_ps(_mm512_sub_ps(_mm512_load_ps(xr + c), _mm512_load_ps(st.mean + c)), _mm512_load_ps(st.inv_sd + c));
    int count = __builtin_popcount(keep);
    _mm512_mask_storeu_ps(yr + k, static_cast<__mmask16>((1u << count) - 1), _mm512_maskz_compress_ps(keep, z));
    k += count;
  }
}

// The same, the row's block assembled in L1 first: its whole 64-byte lines
// go out with non-temporal stores, the partial lines at its ends (shared
// with the neighbouring tiles) with ordinary ones.
void normalize_row_streaming(const float* xr, std::int64_t n, const TileStats& st, const std::uint16_t* lanes, float* yr,
                             std::int64_t ahead_floats, std::int64_t kept) {
  alignas(64) float block[kMaxTile + 16];
  _mm_prefetch(reinterpret_cast<const char*>(yr + ahead_floats), _MM_HINT_ET0);
  _mm_prefetch(reinterpret_cast<const char*>(yr + ahead_floats + kept - 1), _MM_HINT_ET0);
  std::int64_t k = 0;
  for (std::int64_t c = 0; c < n; c += 16) {
    __mmask16 keep = lanes[c / 16];
    __m512 z = _mm512_mul_ps(_mm512_sub_ps(_mm512_load_ps(xr + c), _mm512_load_ps(st.mean + c)), _mm512_load_ps(st.inv_sd + c));
    _mm512_storeu_ps(block + k, _mm512_maskz_compress_ps(keep, z));
    k += __builtin_popcount(keep);
  }
  std::int64_t head = std::min<std::int64_t>(k, static_cast<std::int64_t>((64 - (reinterpret_cast<std::uintptr_t>(yr) & 63)) & 63) / 4);
  if (head) _mm512_mask_storeu_ps(yr, static_cast<__mmask16>((1u << head) - 1), _mm512_loadu_ps(block));
  std::int64_t i = head;
  for (; i + 16 <= k; i += 16) _mm512_stream_ps(yr + i, _mm512_loadu_ps(block + i));
  if (i < k) _mm512_mask_storeu_ps(yr + i, static_cast<__mmask16>((1u << (k - i)) - 1), _mm512_loadu_ps(block + i));
}
#endif

enum class Schedule { Sequential, Pipelined, Streaming, Statistics, NormalizeHot };

void prefetch_row(const float* xr, std::int64_t n) {
  for (std::int64_t c = 0; c < n; c += 16) _mm_prefetch(reinterpret_cast<const char*>(xr + c), _MM_HINT_T0);
}

// Tiles [j0, j1) of run r, by one thread.
void run_chunk(const Problem& p, std::int64_t r, std::int64_t j0, std::int64_t j1, Schedule how) {
#if defined(__AVX512F__)
  thread_local TileStats stats[2];
  const std::int64_t t0 = p.run_start[r], t1 = p.run_start[r + 1], rows = t1 - t0;
  auto width = [&](std::int64_t j) { return std::min(g_tile, p.V - j * g_tile); };
  auto x_at = [&](std::int64_t t, std::int64_t j) { return p.x + t * p.V + j * g_tile; };
  auto y_at = [&](std::int64_t t, std::int64_t j) {
    return p.y + (t + 1) * p.K + p.kept_before[static_cast<std::size_t>(std::min(j * g_tile, p.V) / 16)];
  };
  auto lanes = [&](std::int64_t j) { return p.lanes.data() + j * g_tile / 16; };
  auto statistics = [&](std::int64_t j, TileStats& st) {
    std::fill(st.s, st.s + g_tile, 0.0);
    std::fill(st.s2, st.s2 + g_tile, 0.0);
    for (std::int64_t t = t0; t < t1; ++t) {
      if (t + kAhead < t1) prefetch_row(x_at(t + kAhead, j), width(j));
      accumulate_row(x_at(t, j), width(j), st.s, st.s2);
    }
  };
  auto finish = [&](std::int64_t j, TileStats& st) {
    for (std::int64_t c = 0; c < width(j); ++c) {
      double mean = st.s[c] / static_cast<double>(rows);
      st.mean[c] = static_cast<float>(mean);
      st.inv_sd[c] = static_cast<float>(1.0 / std::sqrt(st.s2[c] / static_cast<double>(rows) - mean * mean));
    }
  };
  auto normalize = [&](std::int64_t j, std::int64_t from_tile, const TileStats& st) {
    for (std::int64_t t = t0; t < t1 && t + 1 < p.T; ++t) {
      if (how == Schedule::Streaming) normalize_row_streaming(x_at(t, from_tile), width(j), st, lanes(j), y_at(t, j), kAhead * p.K, y_at(t, j + 1) - y_at(t, j));
      else normalize_row(x_at(t, from_tile), width(j), st, lanes(j), y_at(t, j), kAhead * p.K);
    }
  };
  switch (how) {
    case Schedule::Sequential:
    case Schedule::Streaming:
      for (std::int64_t j = j0; j < j1; ++j) {
        statistics(j, stats[0]);
        finish(j, stats[0]);
        normalize(j, j, stats[0]);
      }
      break;
    case Schedule::Statistics:
      for (std::int64_t j = j0; j < j1; ++j) {
        statistics(j, stats[0]);
        finish(j, stats[0]);
      }
      break;
    case Schedule::NormalizeHot:
      statistics(j0, stats[0]);
      finish(j0, stats[0]);
      for (std::int64_t j = j0; j < j1; ++j) normalize(j, j0, stats[0]);
      break;
    case Schedule::Pipelined: {
      TileStats *cur = &stats[0], *next = &stats[1];
      statistics(j0, *cur);
      for (std::int64_t j = j0; j < j1; ++j) {
        finish(j, *cur);
        if (j + 1 == j1) {
          normalize(j, j, *cur);
          break;
        }
        std::fill(next->s, next->s + g_tile, 0.0);
        std::fill(next->s2, next->s2 + g_tile, 0.0);
        for (std::int64_t t = t0; t < t1; ++t) {
          if (t + kAhead < t1) prefetch_row(x_at(t + kAhead, j + 1), width(j + 1));
          accumulate_row(x_at(t, j + 1), width(j + 1), next->s, next->s2);
          if (t + 1 < p.T) normalize_row(x_at(t, j), width(j), *cur, lanes(j), y_at(t, j), kAhead * p.K);
        }
        std::swap(cur, next);
      }
      break;
    }
  }
#else
  (void)p, (void)r, (void)j0, (void)j1, (void)how;
#endif
}

double run_once(const Problem& p, Schedule how) {
  const std::int64_t runs = static_cast<std::int64_t>(p.run_start.size()) - 1;
  const std::int64_t tiles = (p.V + g_tile - 1) / g_tile;
  // Chunks of consecutive tiles of one run, at least 4 per thread.
  const std::int64_t threads = static_cast<std::int64_t>(b2m::ThreadPool::global().num_threads());
  const std::int64_t pieces = std::max<std::int64_t>(1, (4 * threads + runs - 1) / runs);
  const std::int64_t per_piece = (tiles + pieces - 1) / pieces;
  auto t0 = std::chrono::steady_clock::now();
  b2m::parallel_for(static_cast<std::size_t>(runs * pieces), 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t c = b; c < e; ++c) {
      std::int64_t r = static_cast<std::int64_t>(c) / pieces, j0 = static_cast<std::int64_t>(c) % pieces * per_piece;
      if (j0 < tiles) run_chunk(p, r, j0, std::min(tiles, j0 + per_piece), how);
    }
  });
  if (how != Schedule::Statistics) std::memset(p.y, 0, static_cast<std::size_t>(p.K) * sizeof(float));  // the delay's first row
#if defined(__AVX512F__)
  _mm_sfence();
#endif
  return seconds_since(t0);
}

float g_read_sink = 0;

double read_once(const b2m::cpu::HostTensor& x) {
  const float* data = x.data<float>();
  const std::size_t n = static_cast<std::size_t>(x.size());
  const std::size_t threads = b2m::ThreadPool::global().num_threads();
  std::vector<float> sums(threads, 0.0f);
  auto t0 = std::chrono::steady_clock::now();
  b2m::parallel_for(threads, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t part = b; part < e; ++part) {
      std::size_t lo = n * part / threads / 16 * 16, hi = part + 1 == threads ? n : n * (part + 1) / threads / 16 * 16;
      float total = 0;
#if defined(__AVX512F__)
      __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
      for (; lo + 64 <= hi; lo += 64)
        for (int a = 0; a < 4; ++a) acc[a] = _mm512_add_ps(acc[a], _mm512_load_ps(data + lo + 16 * a));
      for (int a = 0; a < 4; ++a) total += _mm512_reduce_add_ps(acc[a]);
#endif
      for (; lo < hi; ++lo) total += data[lo];
      sums[part] = total;
    }
  });
  double s = seconds_since(t0);
  for (float v : sums) g_read_sink += v;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t T = argc > 1 ? std::atoll(argv[1]) : 4800;
  std::int64_t V = argc > 2 ? std::atoll(argv[2]) : 60000;
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  int rounds = argc > 4 ? std::atoi(argv[4]) : 5;
  if (argc > 5) g_tile = std::atoll(argv[5]);
  b2m::ThreadPool::set_num_threads(static_cast<std::size_t>(threads));
#if !defined(__AVX512F__)
  std::fprintf(stderr, "bench_onepass_bound: written with AVX-512 intrinsics; this build targets a CPU without AVX-512\n");
  return 2;
#endif
  if (V % 16 || g_tile % 16 || g_tile < 16 || g_tile > kMaxTile) {
    std::fprintf(stderr, "bench_onepass_bound: voxel and tile must be multiples of 16 (whole lines per row), tile at most %lld\n",
                 static_cast<long long>(kMaxTile));
    return 2;
  }

  // The inputs of bench_fused: 12 runs, two voxels in three kept.
  using b2m::cpu::HostTensor;
  b2m::bench::ZscoreInputs in = b2m::bench::make_zscore_inputs(T, V);
  Problem p{T, V, in.kept, in.x.data<float>(), {}, {}, {}, nullptr};
  const std::int64_t runs = b2m::bench::kRuns;
  p.run_start.assign(static_cast<std::size_t>(runs + 1), T);
  for (std::int64_t t = T; t-- > 0;) p.run_start[static_cast<std::size_t>(in.run.data<std::int64_t>()[t])] = t;
  for (std::int64_t g = 0, k = 0; g < V / 16; ++g) {
    std::uint16_t bits = 0;
    p.kept_before.push_back(k);
    for (int l = 0; l < 16; ++l)
      if (in.mask.data<std::uint8_t>()[g * 16 + l]) bits = static_cast<std::uint16_t>(bits | (1u << l)), ++k;
    p.lanes.push_back(bits);
  }
  p.kept_before.push_back(p.K);
  // One extra line: the last block's compressed store may reach 15 floats past it.
  HostTensor y = HostTensor::zeros(b2m::DType::F32, {T * p.K + 16});
  HostTensor dst = HostTensor::zeros(b2m::DType::F32, {T, V});
  p.y = y.data<float>();
  const HostTensor& x = in.x;
  auto copy_once = [&] { return b2m::bench::copy_seconds(dst, x); };

  // Check the model against a float64 reference on a few voxels before timing it.
  run_once(p, Schedule::Sequential);
  double worst = 0;
  for (std::int64_t k = 0; k < p.K; k += p.K / 7 + 1) {
    std::int64_t v = 0;
    for (std::int64_t seen = -1; v < V; ++v)
      if (in.mask.data<std::uint8_t>()[v] && ++seen == k) break;
    for (std::int64_t r = 0; r < runs; ++r) {
      std::int64_t a = p.run_start[static_cast<std::size_t>(r)], b = p.run_start[static_cast<std::size_t>(r + 1)];
      double s = 0, s2 = 0;
      for (std::int64_t t = a; t < b; ++t) s += p.x[t * V + v], s2 += double(p.x[t * V + v]) * p.x[t * V + v];
      double mean = s / double(b - a), sd = std::sqrt(s2 / double(b - a) - mean * mean);
      for (std::int64_t t = a; t < b && t + 1 < T; ++t)
        worst = std::max(worst, std::abs(p.y[(t + 1) * p.K + k] - (p.x[t * V + v] - mean) / sd));
    }
  }
  if (worst > 1e-4) {
    std::fprintf(stderr, "bench_onepass_bound: the model is wrong (largest error %g)\n", worst);
    return 1;
  }
  // The variants compute the same values in the same order: same bytes.
  const std::size_t y_bytes = static_cast<std::size_t>(T * p.K) * sizeof(float);  // not the padding line
  std::vector<unsigned char> expected(y.bytes.begin(), y.bytes.begin() + static_cast<std::ptrdiff_t>(y_bytes));
  for (Schedule s : {Schedule::Pipelined, Schedule::Streaming}) {
    std::fill(y.bytes.begin(), y.bytes.end(), 0xff);
    run_once(p, s);
    if (!std::equal(expected.begin(), expected.end(), y.bytes.begin())) {
      std::fprintf(stderr, "bench_onepass_bound: a variant gives other bytes than the sequential schedule\n");
      return 1;
    }
  }
  copy_once();  // fault in dst's pages outside the rounds

  // Paired rounds: the placement, the copy, then every part back to back.
  const double min_bytes = static_cast<double>(x.bytes.size()) + 4.0 * static_cast<double>(T * p.K);
  const char* names[] = {"sequential", "pipelined", "streaming", "statistics", "normalize_hot", "read"};
  const Schedule order[] = {Schedule::Sequential, Schedule::Pipelined, Schedule::Streaming, Schedule::Statistics,
                            Schedule::NormalizeHot};
  constexpr int kParts = 6;
  std::vector<double> frac[kParts], secs[kParts], copy_gbs, distance_ns;
  for (int i = 0; i < rounds; ++i) {
    distance_ns.push_back(b2m::bench::core_to_core_ns());
    copy_gbs.push_back(2.0 * static_cast<double>(x.bytes.size()) / copy_once() / 1e9);
    for (int k = 0; k < kParts; ++k) {
      double s = k < 5 ? run_once(p, order[k]) : read_once(x);
      secs[k].push_back(s);
      frac[k].push_back(min_bytes / s / 1e9 / copy_gbs.back());
    }
  }
  using b2m::bench::median;
  // Per placement: the rounds' medians of copy GB/s, then each part's
  // fraction and seconds.
  auto placement = [&](bool far) {
    std::vector<std::size_t> in_it;
    for (std::size_t i = 0; i < distance_ns.size(); ++i)
      if (distance_ns[i] >= 0 && b2m::bench::far_apart(distance_ns[i]) == far) in_it.push_back(i);
    if (in_it.empty()) return std::string(far ? " far: none" : " near: none");
    auto pick = [&](const std::vector<double>& v) {
      std::vector<double> out;
      for (std::size_t i : in_it) out.push_back(v[i]);
      return median(out);
    };
    char buf[128];
    std::snprintf(buf, sizeof buf, " %s(rounds=%zu copy_GBps=%.0f):", far ? "far" : "near", in_it.size(), pick(copy_gbs));
    std::string line = buf;
    for (int k = 0; k < kParts; ++k) {
      std::snprintf(buf, sizeof buf, " %s=%.2f/%.4fs", names[k], pick(frac[k]), pick(secs[k]));
      line += buf;
    }
    return line;
  };
  std::printf("tile=%lld max_abs_error=%.1e%s%s\n", static_cast<long long>(g_tile), worst, placement(false).c_str(), placement(true).c_str());
  return 0;
}
