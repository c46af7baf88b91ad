// An allocator giving 64-byte-aligned storage, for std::vector-backed tensors
// whose data kernels load with full-width vector instructions. Large blocks
// (>= 4 MiB) are 2 MiB-aligned and ask for transparent huge pages: on these
// VMs a page fault costs microseconds, and a fresh 1 GiB tensor would
// otherwise take a quarter of a million of them.
//
// glibc returns blocks above 32 MiB (the most M_MMAP_THRESHOLD accepts) to the
// kernel when freed, so every fresh large tensor faults all its pages in
// again (measured: 0.06 to 1.5 s for 0.77 GB on this VM, more than the
// kernel that writes it). With `set_large_block_cache(bytes)` (the executor
// enables it), freed blocks of 32 MiB and more are kept, up to that many bytes
// in all, and handed out again for a request of the same size (or up to 1/8
// smaller). Off by default: other users keep glibc's behaviour.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <new>
#include <utility>

namespace b2m {

inline constexpr std::size_t kAlignment = 64;
inline constexpr std::size_t kHugePage = std::size_t(2) << 20;
inline constexpr std::size_t kHugeThreshold = std::size_t(4) << 20;
inline constexpr std::size_t kCachedBlockMin = std::size_t(32) << 20;

namespace detail {
struct LargeBlockCache {
  std::mutex mutex;
  std::multimap<std::size_t, void*> blocks;  // by size
  std::size_t cached = 0, limit = 0;

  static LargeBlockCache& get() {
    static LargeBlockCache* c = new LargeBlockCache();  // never destroyed: tensors may outlive statics
    return *c;
  }
  void* take(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = blocks.lower_bound(bytes);
    if (it == blocks.end() || it->first > bytes + bytes / 8) return nullptr;
    void* p = it->second;
    cached -= it->first;
    blocks.erase(it);
    return p;
  }
  // Blocks handed out for a smaller request come back under that size: the
  // cache may undercount a block's bytes by at most 1/8.
  bool keep(void* p, std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex);
    if (cached + bytes > limit) return false;
    blocks.emplace(bytes, p);
    cached += bytes;
    return true;
  }
};
}  // namespace detail

// Keeps up to `bytes` of freed large blocks for reuse (0: none; blocks
// already kept beyond the new limit are released).
inline void set_large_block_cache(std::size_t bytes) {
  auto& c = detail::LargeBlockCache::get();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.limit = bytes;
  while (c.cached > c.limit && !c.blocks.empty()) {
    auto it = c.blocks.begin();
    ::operator delete(it->second, std::align_val_t(kHugePage));
    c.cached -= it->first;
    c.blocks.erase(it);
  }
}

template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}

  static std::size_t alignment_for(std::size_t bytes) { return bytes >= kHugeThreshold ? kHugePage : kAlignment; }

  T* allocate(std::size_t n) {
    std::size_t bytes = n * sizeof(T);
    if (bytes >= kCachedBlockMin)
      if (void* p = detail::LargeBlockCache::get().take(bytes)) return static_cast<T*>(p);
    void* p = ::operator new(bytes, std::align_val_t(alignment_for(bytes)));
    if (bytes >= kHugeThreshold) madvise(p, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);  // a hint; failure is harmless
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    std::size_t bytes = n * sizeof(T);
    if (bytes >= kCachedBlockMin && detail::LargeBlockCache::get().keep(p, bytes)) return;
    ::operator delete(p, std::align_val_t(alignment_for(bytes)));
  }
  // Elements are default-initialized (left as they are for bytes), so a
  // buffer a kernel overwrites is not zero-filled first; zero it explicitly
  // where zeros are meant.
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
};

}  // namespace b2m
