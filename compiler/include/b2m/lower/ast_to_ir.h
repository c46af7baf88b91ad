// Lowering a checked program to the graph IR: one @main function for the
// pipeline (params, sources, lets, outs), one function per instance of each
// user fn, and an extern declaration per runtime-backed op used.
#pragma once

#include <memory>

#include "b2m/ir/ir.h"
#include "b2m/lang/sema.h"

namespace b2m {

std::unique_ptr<ir::Module> lower_to_ir(Program& program, DiagnosticEngine& diags);

}  // namespace b2m
