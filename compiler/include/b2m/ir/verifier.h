// IR invariants: operands defined before use (SSA dominance in a single
// block, hence no cycles), arity and attributes per op, types that follow each
// op's type rule, `runtime` calls that match their extern signature, and one
// terminating `return` per function.
#pragma once

#include "b2m/ir/ir.h"
#include "b2m/lang/diagnostics.h"

namespace b2m::ir {

// Reports every violation; returns true if the module is valid.
bool verify(const Module& m, DiagnosticEngine& diags);

// The result type an op's type rule gives for its operands and attributes
// (layout only: sizes may still differ by symbol). Invalid with a reason in
// `why` when the operands do not fit the op.
Type expected_result(const Op& op, const Module& m, std::string* why);

}  // namespace b2m::ir
