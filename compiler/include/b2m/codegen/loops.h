// The loop-level form of a fused kernel: target-neutral loop nests over named
// dimensions with scalar instructions, between the graph IR (`fused` kernels)
// and the code generators (LLVM for the CPU, later NVPTX/CUDA). Printed by
// `b2mc --emit=loops`.
//
// A kernel computes one output tensor. Its outermost output dimension is split
// into chunks that the runtime's thread pool runs in parallel; inside a chunk
// the loops follow the data's dimension order so the innermost loop walks
// contiguous memory. A kernel rooted at a reduction has three nests per chunk:
// initialize the output, accumulate into it in the input's order, then apply
// the finishing step (a mean's division) and the epilogue ops.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "b2m/ir/ir.h"
#include "b2m/lang/diagnostics.h"

namespace b2m::loops {

// One index of a load or store: a loop variable plus a constant offset (shift),
// or the value of a scalar (take); `guarded` loads yield 0 out of range.
struct Index {
  std::string var;        // loop variable (dimension name)
  std::int64_t offset = 0;
  int scalar = -1;        // >= 0: index given by this scalar (an indirect gather)
  bool trusted = false;   // the scalar is in range by construction (a compress's index list)
};

struct Inst {
  // InRange: whether index[0] lies inside dimension `buffer` (shift's zero fill).
  // Position: the current value of loop variable `buffer` (argmax's index).
  // Extent: the extent of dimension `buffer` as f64 (a mean's divisor).
  enum class Kind { Load, Store, Const, Op, InRange, Position, Extent } kind = Kind::Op;
  int result = -1;      // scalar id (Load, Const, Op)
  DType dtype = DType::F32;
  OpId op = OpId::Add;  // Op: the graph op applied to scalars
  std::vector<int> args;
  ir::Attr value;       // Const: the value; Op cast: unused
  std::string buffer;   // Load/Store: a buffer name; InRange/Position/Extent: a dimension
  std::vector<Index> index;
  bool guarded = false; // Load: zero when an index is out of range (shift)
  bool checked = false; // Load: an indirect index out of range is a run-time error
};

struct Node {
  enum class Kind { Parallel, Loop, Inst } kind = Kind::Inst;
  std::string var;      // Parallel/Loop: the dimension iterated
  Size extent;          // Loop: full extent; Parallel: the dimension's extent, chunked
  bool chunk = false;   // Loop: only the current chunk of the parallel dimension
  // Loop over a compressed dimension: the index list (of a kernel input mask)
  // through which every gather of the loop reads, when the loop may instead
  // run over the mask's raw positions lane by lane (mark_compressed_lanes).
  std::string lanes;
  std::vector<Node> body;
  Inst inst;
};

struct Buffer {
  std::string name;
  Type type;
};

// The positions where a bool mask (a kernel input, 1-D) is true, in order:
// built by the launcher before the kernel runs (a fused `compress` gathers
// through it). Its one dimension is the compressed dimension, whose size is
// the number of true entries.
struct IndexList {
  Buffer buffer;            // i32[<compressed dim>] (masks of up to 2^31 entries)
  std::size_t mask_input;   // index into Kernel::inputs
};

struct Kernel {
  std::string name;
  std::vector<Buffer> inputs;
  Buffer output;                     // "out"
  std::vector<Buffer> more_outputs;  // a multi-output kernel's others, "out1"...: after "out" in the ABI
  std::vector<Buffer> accumulators;  // scratch, e.g. float64 sums for var
  std::vector<IndexList> index_lists; // after the scratch buffers in the ABI
  std::vector<Node> body;
  // The dimensions of the loops other than the parallel chunk, each once, in
  // order of first appearance, with their extents: the kernel's function
  // takes a lower and an upper bound for each (the whole extent in an
  // ordinary launch; a block in a tiled schedule).
  std::vector<std::pair<std::string, Size>> box;
  int num_scalars = 0;
  // Run block by block by a tiled schedule (a kernel of a `tiled` chain):
  // its loops over the rows of an output write short row segments.
  bool blocked = false;
  std::string kind;                  // "elementwise" or "reduce"
};

// Lowers every `fused` kernel function of the module. Reports unsupported
// constructs as errors at the op.
std::vector<Kernel> lower_kernels(const ir::Module& m, DiagnosticEngine& diags);

// Marks each innermost loop over a compressed dimension whose gathers all go
// through one index list and whose other reads and writes follow the loop's
// variable contiguously (Node::lanes): a code generator may run such a loop
// over the mask's raw positions instead, a vector of lanes at a time, reading
// the gathered rows contiguously and compressing the kept lanes in registers
// (docs/ir.md, "Compressed lanes"). Lanes outside the mask compute on zeros,
// so loops with integer division (whose division by zero is an error) are
// left alone.
void mark_compressed_lanes(Kernel& k);

std::string print_kernel(const Kernel& k);

}  // namespace b2m::loops
