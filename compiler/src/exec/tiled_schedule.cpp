#include "tiled_schedule.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::exec {

namespace {

// The x block an item reads twice should stay in this core's L2 (1 MiB per
// core on the development machine) next to the block of output it writes:
// half of it for the input. Measured with bench_fused: tiles of 128 to 256
// kept voxels of 400-row runs (300 to 600 KB) ran alike.
constexpr std::int64_t kTileBytes = 512 << 10;

std::size_t element_bytes(DType d) { return d == DType::F64 || d == DType::I64 ? 8 : d == DType::Bool ? 1 : 4; }

struct Range {
  std::int64_t lo, hi;
};

}  // namespace

bool plan_segments(TiledChain& c) {
  const cpu::HostTensor& ids = *c.ids;
  if (ids.dims.size() != 1 || (ids.dtype != DType::I64 && ids.dtype != DType::I32)) return false;
  auto id = [&](std::int64_t i) {
    return ids.dtype == DType::I64 ? ids.data<std::int64_t>()[i] : ids.data<std::int32_t>()[i];
  };
  std::int64_t n = ids.size(), groups = 0;
  c.segments.clear();
  for (std::int64_t i = 0; i < n;) {
    std::int64_t g = id(i), j = i + 1;
    if (g < 0) return false;  // the ordinary schedule reports it
    while (j < n && id(j) == g) ++j;
    c.segments.push_back({g, i, j});
    groups = std::max(groups, g + 1);
    i = j;
  }
  // One segment per group, and every group present: then each group's
  // statistics come from exactly one item's rows.
  std::vector<int> seen(static_cast<std::size_t>(groups), 0);
  for (const auto& s : c.segments)
    if (seen[static_cast<std::size_t>(s.group)]++) return false;
  if (std::count(seen.begin(), seen.end(), 0)) return false;
  c.kept_index.clear();
  if (c.mask) {
    const auto* m = c.mask->data<std::uint8_t>();
    for (std::int64_t i = 0; i < c.mask->size(); ++i)
      if (m[i]) c.kept_index.push_back(i);
  }
  return !c.segments.empty();
}

void run_tiled(TiledChain& c) {
  if (c.steps.empty() || !c.steps.front().kernel || !c.steps.back().kernel) fail("a tiled chain must start and end with a kernel");
  const cpu::BoundKernel& first = *c.steps.front().kernel;
  const cpu::BoundKernel& last = *c.steps.back().kernel;
  const std::int64_t rows = c.ids->size();
  // Entries of the inner dimension before (full) and after (kept) the mask.
  const std::int64_t full = c.mask ? c.mask->size() : first.size(c.inner);
  if (!c.mask) {
    c.kept_index.resize(static_cast<std::size_t>(full));
    for (std::int64_t i = 0; i < full; ++i) c.kept_index[static_cast<std::size_t>(i)] = i;
  }
  const std::int64_t kept = c.kept();
  std::int64_t longest = 0;
  for (const auto& s : c.segments) longest = std::max(longest, s.end - s.begin);
  // Tiles of the raw (unmasked) inner dimension, a multiple of 16 entries
  // wide (a 64-byte line of floats: the reduction's rows then start on a
  // line and its vector loop has no remainder); each covers the kept entries
  // inside it. Sizes only: the same at any thread count.
  std::size_t eb = element_bytes(first.kernel().inputs.front().type.dtype);
  std::int64_t tile = kTileBytes / (std::max<std::int64_t>(1, longest) * static_cast<std::int64_t>(eb));
  tile = std::max<std::int64_t>(16, tile / 16 * 16);
  struct Tile {
    Range raw, kept;
  };
  std::vector<Tile> tile_list;
  for (std::int64_t r0 = 0, k = 0; r0 < full; r0 += tile) {
    std::int64_t r1 = std::min(full, r0 + tile), k0 = k;
    while (k < kept && c.kept_index[static_cast<std::size_t>(k)] < r1) ++k;
    if (k > k0) tile_list.push_back({{r0, r1}, {k0, k}});
  }
  const std::int64_t tiles = static_cast<std::int64_t>(tile_list.size());
  c.tile = tile;
  c.items = static_cast<std::int64_t>(c.segments.size()) * tiles;

  // Bounds of one loop dimension of a kernel in an item. `rows_of` is the
  // range of rows of this kernel; inner ranges are the tile's kept entries
  // or the raw range they span, told apart by the dimension's size.
  auto range = [&](const std::string& var, std::int64_t n, Range rows_of, Range group, Range raw, Range tile_kept) {
    if (var == c.rows) return rows_of;
    if (var == c.groups) return group;
    if (var == c.inner || var == c.inner + ".kept") {
      if (n == full) return raw;
      if (n == kept) return tile_kept;
    }
    return Range{0, n};
  };
  auto run_kernel = [&](const cpu::BoundKernel& b, Range rows_of, Range group, Range raw, Range tile_kept) {
    const loops::Kernel& k = b.kernel();
    std::vector<std::int64_t> box;
    for (const auto& [var, extent] : k.box) {
      Range r = range(var, b.size(var), rows_of, group, raw, tile_kept);
      box.push_back(r.lo);
      box.push_back(r.hi);
    }
    Range par{0, 1};
    if (!b.parallel_dim().empty())
      par = range(b.parallel_dim(), b.size(b.parallel_dim()), rows_of, group, raw, tile_kept);
    if (par.lo >= par.hi) return std::int32_t{0};
    return b.run_block(par.lo, par.hi, box.data());
  };

  std::vector<std::int32_t> errors(c.steps.size() * static_cast<std::size_t>(std::max<std::int64_t>(1, c.items)) + 1, 0);
  // Chunks of consecutive items (the tiles of one segment, left to right; a
  // few chunks per thread): two threads then work on neighbouring tiles of
  // the same rows only at chunk edges. Neighbouring tiles share the cache
  // lines at the edges of their kept blocks in every output row, and threads
  // taking items one by one moved those lines between cores all the time.
  const std::size_t threads = ThreadPool::global().num_threads();
  const std::size_t grain = std::max<std::size_t>(
      1, std::min(static_cast<std::size_t>(tiles), static_cast<std::size_t>(c.items) / (threads * 4)));
  parallel_for(static_cast<std::size_t>(c.items), grain, [&](std::size_t b, std::size_t e) {
    for (std::size_t item = b; item < e; ++item) {
      const auto& seg = c.segments[item / static_cast<std::size_t>(tiles)];
      const Tile& t = tile_list[item % static_cast<std::size_t>(tiles)];
      Range tile_kept = t.kept, raw = t.raw;
      std::int64_t k0 = t.kept.lo, k1 = t.kept.hi;
      Range group{seg.group, seg.group + 1};
      Range own{seg.begin, seg.end};
      // The consumer's rows t read the group of row t - delay.
      Range shifted{std::clamp<std::int64_t>(seg.begin + c.delay, 0, rows), std::clamp<std::int64_t>(seg.end + c.delay, 0, rows)};
      for (std::size_t s = 0; s < c.steps.size(); ++s) {
        const auto& st = c.steps[s];
        if (st.kernel) {
          bool consumer = st.kernel == &last;
          errors[item * c.steps.size() + s] = run_kernel(*st.kernel, consumer ? shifted : own, group, raw, tile_kept);
          continue;
        }
        // compress of this group's row, this tile's entries.
        std::size_t w = element_bytes(st.src->dtype);
        const unsigned char* src = st.src->bytes.data() + static_cast<std::size_t>(seg.group * full) * w;
        unsigned char* dst = st.dst->bytes.data() + static_cast<std::size_t>(seg.group * kept) * w;
        for (std::int64_t k = k0; k < k1; ++k)
          std::memcpy(dst + static_cast<std::size_t>(k) * w, src + static_cast<std::size_t>(c.kept_index[static_cast<std::size_t>(k)]) * w, w);
      }
    }
  });
  // Rows of the consumer no segment reaches: with a delay k > 0 the first k
  // rows (k < 0: the last -k), whose shifted reads fall outside the data.
  // The statistics are all complete now, so any group may be read.
  Range all_raw{0, full}, all_kept{0, kept};
  std::int32_t tail = 0;
  if (c.delay > 0) tail = run_kernel(last, Range{0, std::min(c.delay, rows)}, Range{0, 0}, all_raw, all_kept);
  if (c.delay < 0) tail = run_kernel(last, Range{std::max<std::int64_t>(0, rows + c.delay), rows}, Range{0, 0}, all_raw, all_kept);
  errors.back() = tail;
  for (std::size_t i = 0; i + 1 < errors.size(); ++i)
    if (errors[i]) c.steps[i % c.steps.size()].kernel->fail_if(errors[i]);
  last.fail_if(tail);
}

std::string TiledChain::describe() const {
  return fmt::format("{} segments of '{}' x tiles of {} raw '{}' entries: {} items, {} steps", segments.size(), rows, tile,
                     inner, items, steps.size());
}

}  // namespace b2m::exec
