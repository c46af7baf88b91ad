// Running a compiled kernel on dense row-major buffers: binds dimension sizes,
// allocates the output and scratch buffers, and splits the parallel dimension
// over the runtime's thread pool. Used by the JIT path and by tests; the
// executables' main template will use the same entry points.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "b2m/codegen/cpu.h"
#include "b2m/runtime/aligned.h"

namespace b2m::cpu {

struct HostTensor {
  DType dtype = DType::F32;
  std::vector<std::int64_t> dims;
  std::vector<unsigned char, AlignedAllocator<unsigned char>> bytes;  // dense, row-major, 64-byte aligned

  static HostTensor zeros(DType dtype, std::vector<std::int64_t> dims);
  // Contents unspecified: for buffers that are written completely.
  static HostTensor uninitialized(DType dtype, std::vector<std::int64_t> dims);
  std::int64_t size() const;
  template <typename T> T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <typename T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }
};

// Runs `fn`, the compiled form of `k`, on `inputs` (in the kernel's input
// order). Sizes of output dimensions that no input has (a grouped reduction's
// groups) come from `extra_sizes`. Throws b2m::Error on bad data (mismatched
// sizes, an index out of range).
HostTensor launch(const loops::Kernel& k, KernelFn fn, const std::vector<const HostTensor*>& inputs,
                  const std::map<std::string, std::int64_t>& extra_sizes = {});
// The same for a kernel with several outputs: all of them, in order.
std::vector<HostTensor> launch_all(const loops::Kernel& k, KernelFn fn, const std::vector<const HostTensor*>& inputs,
                                   const std::map<std::string, std::int64_t>& extra_sizes = {});

}  // namespace b2m::cpu
