// Recursive-descent parser for .b2m with precedence climbing for binary
// operators. On a syntax error it reports and skips to the next declaration,
// so one run shows several independent errors.
#pragma once

#include <memory>
#include <vector>

#include "b2m/lang/ast.h"
#include "b2m/lang/diagnostics.h"
#include "b2m/lang/token.h"

namespace b2m {

std::unique_ptr<Module> parse_module(std::int32_t file, const std::vector<Token>& tokens,
                                     DiagnosticEngine& diags);

}  // namespace b2m
