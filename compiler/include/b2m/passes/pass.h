// Passes over the graph IR, registered by name, and the pass manager that runs
// a pipeline of them with printing, timing and verification between passes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "b2m/ir/ir.h"
#include "b2m/lang/diagnostics.h"

namespace b2m::passes {

class Pass {
 public:
  virtual ~Pass() = default;
  virtual const char* name() const = 0;
  virtual const char* description() const = 0;
  // Returns true if the module changed. Reports user errors through `diags`
  // (shape mismatches point at the .b2m source); the pipeline stops on error.
  virtual bool run(ir::Module& m, DiagnosticEngine& diags) = 0;
};

using PassFactory = std::function<std::unique_ptr<Pass>()>;

void register_pass(const std::string& name, PassFactory factory);
std::unique_ptr<Pass> create_pass(const std::string& name);
std::vector<std::string> pass_names();

// Registers the built-in passes (idempotent).
void register_builtin_passes();

// Optimization remarks (--remarks=fusion): passes report the decisions they
// did not take as Remark diagnostics when their kind is enabled.
void enable_remarks(const std::string& kind);
bool remarks_enabled(const std::string& kind);

// The default optimization pipeline behind --emit=ir-opt.
const char* default_pipeline();

struct PassManagerOptions {
  bool print_ir_after_all = false;
  std::vector<std::string> print_ir_after;  // pass names
  bool time_passes = false;
  bool verify_each = false;
  std::function<std::string(const ir::Module&)> printer;  // for --print-ir-after*
  std::function<void(const std::string& pass, const ir::Module&)> after_pass;  // e.g. B2M_DUMP_DIR
};

class PassManager {
 public:
  explicit PassManager(PassManagerOptions opts) : opts_(std::move(opts)) {}
  // "inline,shape-infer,cse"; reports unknown names (with a suggestion).
  bool parse_pipeline(const std::string& pipeline, DiagnosticEngine& diags);
  void add(std::unique_ptr<Pass> p) { passes_.push_back(std::move(p)); }
  // Runs every pass; false if a pass or a verification reported an error.
  bool run(ir::Module& m, DiagnosticEngine& diags);

 private:
  PassManagerOptions opts_;
  std::vector<std::unique_ptr<Pass>> passes_;
};

// Static self-registration is fragile in static libraries (the linker drops
// unreferenced objects), so register_builtin_passes() lists these explicitly.
std::unique_ptr<Pass> make_inline_pass();
std::unique_ptr<Pass> make_shape_infer_pass();
std::unique_ptr<Pass> make_canonicalize_pass();
std::unique_ptr<Pass> make_cse_pass();
std::unique_ptr<Pass> make_dce_pass();
std::unique_ptr<Pass> make_fuse_pass();
std::unique_ptr<Pass> make_tile_segments_pass();

}  // namespace b2m::passes
