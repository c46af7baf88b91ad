// A pipeline's text compiled in memory, for the tests and benchmarks that run
// pipelines in-process: the front end down to the loop form (with this source
// tree's stdlib), then the kernels through ORC LLJIT. Failures are returned as
// text, for the caller's assertion to print.
#pragma once

#include <memory>
#include <string>

#include "b2m/codegen/cpu.h"
#include "b2m/driver/frontend.h"

namespace b2m::testing {

struct JitPipeline {
  SourceManager sm;  // owns the text the IR's locations point into
  FrontendResult r;
  std::unique_ptr<cpu::JitKernels> jit;
  std::string errors;  // the front end's diagnostics, then the JIT's error

  bool ok() const { return r.ok && jit != nullptr; }
  cpu::KernelFn lookup(const std::string& kernel) const { return jit->lookup(kernel); }
};

// The same kernels compiled again with other code generation options; null,
// with `errors` appended to, if that fails.
inline std::unique_ptr<cpu::JitKernels> jit_again(JitPipeline& p, const cpu::CodegenOptions& cg) {
  std::string err;
  auto jit = cpu::JitKernels::compile(p.r.kernels, &err, cg);
  p.errors += err;
  return jit;
}

// `text` is named `name` in messages.
inline std::unique_ptr<JitPipeline> jit_pipeline(const std::string& name, const std::string& text,
                                                 const cpu::CodegenOptions& cg = {}) {
  auto p = std::make_unique<JitPipeline>();
  DiagnosticEngine diags(p->sm);
  diags.set_buffered(true);
  auto file = p->sm.add(name, text);
  FrontendOptions fo;
  fo.stop_after = Stage::Loops;
  fo.stdlib_dirs = {B2M_SOURCE_DIR "/stdlib"};
  p->r = run_frontend(p->sm, diags, file, fo);
  for (const auto& d : diags.diagnostics()) p->errors += diags.format(d);
  if (p->r.ok) p->jit = jit_again(*p, cg);
  return p;
}

}  // namespace b2m::testing
