// An allocator giving B2M_ALIGNMENT-aligned storage, for std::vector-backed
// tensors whose data kernels load with full-width vector instructions.
#pragma once

#include <cstddef>
#include <new>

namespace b2m {

inline constexpr std::size_t kAlignment = 64;

template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kAlignment)));
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kAlignment)); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
};

}  // namespace b2m
