// CPU code generation: loop-level kernels -> LLVM IR for the host (vector
// units included), optimized at O3 with the new pass manager, then assembly,
// an object file, or in-process machine code through ORC LLJIT.
//
// Every kernel becomes a function with one C signature:
//
//   void NAME(void** buffers, const int64_t* dims, int64_t begin, int64_t end,
//             int32_t* error)
//
// `buffers` holds the data pointers of the inputs (in order), then the output,
// then the scratch buffers, then the index lists (a fused compress's true
// positions, built by the launcher); every buffer is dense, row-major. `dims` holds the
// sizes of every buffer's dimensions, buffer after buffer. The kernel computes
// the chunk [begin, end) of its parallel (outermost output) dimension, so the
// runtime's thread pool splits the work; a kernel without one ignores them.
// `*error` is set to 1 when a gathered index is out of range (bad data), in
// which case the results are unspecified but memory is never read or written
// out of bounds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "b2m/codegen/loops.h"

namespace b2m::cpu {

// A compiled kernel: buffers and dimension sizes in ABI order (loops.h), the
// chunk [begin, end) of the parallel dimension, and `box`: lower and upper
// bound of each of Kernel::box's loop dimensions, in that order.
using KernelFn = void (*)(void** buffers, const std::int64_t* dims, std::int64_t begin, std::int64_t end,
                          const std::int64_t* box, std::int32_t* error);

struct CodegenOptions {
  int opt_level = 3;
  // Run the loops marked `lanes of` (loops.h, mark_compressed_lanes) over the
  // raw positions with in-register compress/expand where the host has
  // AVX-512 F and VL; off (or elsewhere), they gather through the index list.
  // Both give the same results; the switch exists to test and measure that.
  bool compressed_lanes = true;
};

// LLVM IR text of the kernels, optimized (opt_level > 0) or as generated.
std::string emit_llvm(const std::vector<loops::Kernel>& kernels, const CodegenOptions& opts = {});
// Host assembly of the kernels.
std::string emit_asm(const std::vector<loops::Kernel>& kernels, const CodegenOptions& opts = {});
// What an executable carries besides its kernels: the pipeline's IR, printed
// with source locations, and the text of the source files those locations
// point into, so that its run-time errors name the .b2m line wherever the
// executable is run from.
struct ExecutableText {
  std::string ir;
  std::string sources;  // JSON: [{"path": ..., "text": ...}, ...]
};

// A host object file; returns false and sets `error` on failure. With
// `executable`, the object also defines what an executable's main needs:
// `b2m_pipeline_ir` and `b2m_pipeline_sources` (the texts above),
// `b2m_kernel_table` ({name, function} pairs) and `b2m_kernel_count`.
bool emit_object(const std::vector<loops::Kernel>& kernels, const std::string& path, std::string* error,
                 const CodegenOptions& opts = {}, const ExecutableText* executable = nullptr);

// Kernels compiled in memory. Keeps the machine code alive.
class JitKernels {
 public:
  static std::unique_ptr<JitKernels> compile(const std::vector<loops::Kernel>& kernels, std::string* error,
                                             const CodegenOptions& opts = {});
  ~JitKernels();
  KernelFn lookup(const std::string& kernel_name) const;

 private:
  JitKernels();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The symbol a kernel's function has ("fused.0" -> "b2m_kernel_fused_0").
std::string kernel_symbol(const std::string& kernel_name);

}  // namespace b2m::cpu
