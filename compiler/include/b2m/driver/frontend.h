// The compiler's front half as one call: source text -> checked program ->
// IR -> optimized IR, stopping at a named stage. Shared by b2mc, the fuzzer
// and the benchmarks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "b2m/codegen/loops.h"
#include "b2m/ir/ir.h"
#include "b2m/lang/sema.h"
#include "b2m/passes/pass.h"

namespace b2m {

// Ordered stages; --emit=NAME stops after the one named. Loops runs the
// optimization pipeline plus fuse,dce and lowers each kernel to loop nests.
enum class Stage { Tokens, Ast, Ir, IrOpt, Loops, Llvm, Asm, Obj };

struct FrontendOptions {
  Stage stop_after = Stage::IrOpt;
  std::vector<std::string> stdlib_dirs;
  std::string pipeline;  // empty = default pipeline
  passes::PassManagerOptions pass_options;
};

struct FrontendResult {
  std::unique_ptr<Program> program;
  std::unique_ptr<ir::Module> module;
  std::string tokens_text;  // for Stage::Tokens
  std::string loops_text;   // for Stage::Loops
  std::vector<loops::Kernel> kernels;  // Stage::Loops and later
  bool ok = false;
};

FrontendResult run_frontend(SourceManager& sm, DiagnosticEngine& diags, std::int32_t file,
                            const FrontendOptions& opts);

// The stdlib directories to search: explicit ones, then $B2M_STDLIB_DIR, then
// the stdlib next to the executable (build tree or install prefix).
std::vector<std::string> default_stdlib_dirs(const std::vector<std::string>& explicit_dirs);

// --verify-diagnostics: compares the reported diagnostics with the
// `# expected-error@+1 {{text}}` comments of the main file. Prints mismatches
// to stderr; true when everything matched.
bool verify_diagnostics(const SourceManager& sm, std::int32_t file, const DiagnosticEngine& diags);

// Writes `text` to `path` atomically (temporary file, then rename).
bool write_file_atomically(const std::string& path, const std::string& text, std::string* error);

}  // namespace b2m
