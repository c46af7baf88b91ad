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

// A kernel bound to its inputs: dimension sizes bound and checked, outputs,
// scratch buffers and index lists allocated. An ordinary launch runs it once
// over its whole domain; a tiled schedule (the executor's) runs it block by
// block, interleaved with other kernels. Inputs must outlive it.
class BoundKernel {
 public:
  BoundKernel(const loops::Kernel& k, KernelFn fn, const std::vector<const HostTensor*>& inputs,
              const std::map<std::string, std::int64_t>& extra_sizes = {});
  // The whole domain, the parallel dimension split over the thread pool.
  // Throws b2m::Error on bad data.
  void run_all();
  // On the calling thread: chunk [begin, end) of the parallel dimension and
  // the given bounds of the loop dimensions (two per Kernel::box entry).
  // Returns the kernel's error flag (non-zero: an index out of range).
  std::int32_t run_block(std::int64_t begin, std::int64_t end, const std::int64_t* box) const;
  // Size of a dimension of the kernel's buffers (or of its loops).
  std::int64_t size(const std::string& dim) const { return sizes_.at(dim); }
  const std::string& parallel_dim() const { return parallel_; }
  const loops::Kernel& kernel() const { return k_; }
  std::vector<HostTensor>& outputs() { return outs_; }
  void fail_if(std::int32_t error) const;

 private:
  const loops::Kernel& k_;
  KernelFn fn_;
  std::map<std::string, std::int64_t> sizes_;
  std::vector<HostTensor> outs_, scratch_, lists_;
  std::vector<void*> buffers_;
  std::vector<std::int64_t> dims_;
  std::string parallel_;
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
