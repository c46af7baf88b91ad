// Textual IR (.b2ir). The printer and parser are exact inverses: printing a
// parsed module reproduces the text byte for byte.
#pragma once

#include <memory>
#include <string>

#include "b2m/ir/ir.h"
#include "b2m/lang/diagnostics.h"

namespace b2m::ir {

struct PrintOptions {
  bool locations = false;  // append loc("file":line:col) to every op
  const SourceManager* sources = nullptr;
};

std::string print_module(const Module& m, const PrintOptions& opts = {});
std::string print_op(const Op& op);  // one op, for messages (values numbered locally)

// Parses a .b2ir buffer already added to the SourceManager. Errors are
// reported with the .b2ir locations; returns null if there were any.
std::unique_ptr<Module> parse_module_text(std::int32_t file, DiagnosticEngine& diags);

}  // namespace b2m::ir
