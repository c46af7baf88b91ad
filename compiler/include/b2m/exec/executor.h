// Running a compiled pipeline: @main's ops in order — params from the command
// line, sources and library ops through the runtime-op registry, fused kernels
// through compiled code, outputs written at the end. Shared by `b2mc run`
// (kernels JIT-compiled) and standalone executables (kernels linked in).
//
// Sizes are checked as values appear: a dimension with a constant size in the
// IR must have it, and every dimension sharing a size symbol must have the
// same size, else a b2m::Error names the two places. Outputs are written only
// after the whole graph ran, each atomically, so a failure leaves none.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "b2m/codegen/cpu.h"
#include "b2m/codegen/launch.h"
#include "b2m/ir/ir.h"

namespace b2m::exec {

// A run-time value: a tensor (scalars have no dims), a string, a list
// constant, a record, or an opaque handle.
struct Value {
  enum class Kind { Tensor, String, List, Record, Opaque } kind = Kind::Tensor;
  cpu::HostTensor tensor;
  std::string text;
  ir::Attr list;
  std::vector<std::pair<std::string, std::shared_ptr<Value>>> fields;
  std::shared_ptr<void> handle;
  int sample_rate = 0;  // audio tensors: samples per second (0 = not audio)

  static Value of_tensor(cpu::HostTensor t);
  static Value of_string(std::string s);
  double scalar() const;  // a numeric scalar tensor as double
  const Value& field(const std::string& name) const;
};

// A runtime-backed op ("io.npy", "ridge.fit", ...): arguments in the extern's
// parameter order, the op's result type (sizes as the IR knows them).
using RuntimeFn = std::function<Value(const std::vector<const Value*>& args, const Type& result)>;

class RuntimeRegistry {
 public:
  static RuntimeRegistry& global();
  void add(const std::string& name, RuntimeFn fn);
  const RuntimeFn* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, RuntimeFn> fns_;
};

// Registers the built-in runtime ops (idempotent).
void register_builtin_runtime_ops();
// The ridge, evaluation and retrieval bindings (bind_ridge_eval.cpp).
void register_ridge_eval_ops(RuntimeRegistry& registry);
// The generation bindings (bind_music.cpp).
void register_music_ops(RuntimeRegistry& registry);
// The array-level fMRI preprocessing bindings (bind_fmri.cpp).
void register_fmri_ops(RuntimeRegistry& registry);
// The dataset sources fmri.bids and fmri.atlas (bind_dataset.cpp).
void register_dataset_ops(RuntimeRegistry& registry);
// Event-aligned windows: fmri.windows, music.stimulus_logmel (bind_windows.cpp).
void register_window_ops(RuntimeRegistry& registry);
// The retrieval bank and the embedding's projection (bind_bank.cpp).
void register_bank_ops(RuntimeRegistry& registry);

struct RunOptions {
  std::string out_dir = ".";
  std::map<std::string, std::string> params;  // --name value, as given
  std::uint64_t seed = 0;
  // When set, outputs are kept here (by output path) instead of written
  // (benchmarks and embedding applications).
  std::map<std::string, Value>* capture_outputs = nullptr;
  // Run chains outlined by the tile-segments pass block by block (one pass
  // over their data) when their segments allow; false runs their ops one
  // after the other (for comparisons). The results are the same.
  bool tiling = true;
  // When set, a line per tiled chain run: its schedule, or why it ran op by op.
  std::vector<std::string>* schedule_log = nullptr;
};

// How kernels are found: JIT-compiled or linked into an executable.
using KernelLookup = std::function<cpu::KernelFn(const std::string& kernel_name)>;

// Runs @main of `m` (optimized and fused; `kernels` lowered from it). Throws
// b2m::Error on bad input; writes the outputs into opts.out_dir.
void run(const ir::Module& m, const std::vector<loops::Kernel>& kernels, const KernelLookup& lookup,
         const RunOptions& opts, const SourceManager* sources = nullptr);

// The --help text of a pipeline: its params (types, defaults), sources and outputs.
std::string describe(const ir::Module& m, const std::string& program);

// Parses an executable's command line into RunOptions (and --threads), checking
// option names against the pipeline's params. Returns false and fills `message`
// (help text, or an error) when the program should exit: `exit_code` says how.
bool parse_command_line(const ir::Module& m, const std::string& program, const std::vector<std::string>& args,
                        RunOptions& opts, std::string* message, int* exit_code);

}  // namespace b2m::exec
