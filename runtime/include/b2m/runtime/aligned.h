// An allocator giving 64-byte-aligned storage, for std::vector-backed tensors
// whose data kernels load with full-width vector instructions. Large blocks
// (>= 4 MiB) are 2 MiB-aligned and ask for transparent huge pages: on these
// VMs a page fault costs microseconds, and a fresh 1 GiB tensor would
// otherwise take a quarter of a million of them.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <utility>

namespace b2m {

inline constexpr std::size_t kAlignment = 64;
inline constexpr std::size_t kHugePage = std::size_t(2) << 20;
inline constexpr std::size_t kHugeThreshold = std::size_t(4) << 20;

template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}

  static std::size_t alignment_for(std::size_t bytes) { return bytes >= kHugeThreshold ? kHugePage : kAlignment; }

  T* allocate(std::size_t n) {
    std::size_t bytes = n * sizeof(T);
    void* p = ::operator new(bytes, std::align_val_t(alignment_for(bytes)));
    if (bytes >= kHugeThreshold) madvise(p, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);  // a hint; failure is harmless
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    ::operator delete(p, std::align_val_t(alignment_for(n * sizeof(T))));
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
