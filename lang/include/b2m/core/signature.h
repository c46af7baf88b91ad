// Matching argument types against the signature of a runtime-backed (extern)
// op whose types mention dimension variables: `fit<S, F, T>(X: f32[S, F], ...)`.
// Used by the checker on call sites and by the IR verifier / shape inference
// on `runtime` ops, so both agree on what a signature means.
#pragma once

#include <map>
#include <set>
#include <string>

#include "b2m/core/types.h"

namespace b2m {

struct DimBindings {
  std::map<std::string, Dim> dims;  // dimension variable -> the argument's dimension
};

// Matches `arg` against `param`. Dimensions of `param` named in `vars` bind to
// the argument's dimension at the same position (all uses must agree); other
// dimension names must equal the argument's. Sizes are not compared here
// (shape inference unifies them). On failure returns false and explains in `why`.
bool match_type(const Type& param, const Type& arg, const std::set<std::string>& vars,
                DimBindings& bindings, std::string* why);

// The result type with variables replaced by their bindings; other
// dimensions without a size get a fresh symbol from `symbols`.
Type substitute(const Type& result, const std::set<std::string>& vars,
                const DimBindings& bindings, SizeSymbols& symbols);

}  // namespace b2m
