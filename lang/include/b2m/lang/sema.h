// Semantic analysis: loads imported modules, resolves names, checks types and
// named dimensions, instantiates generic fns per call signature, detects
// cycles. Annotates the AST in place (Expr::type, Expr::decl, ...).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "b2m/lang/ast.h"
#include "b2m/lang/diagnostics.h"

namespace b2m {

struct Program {
  SourceManager* sources = nullptr;
  std::vector<std::unique_ptr<Module>> modules;  // modules[0] is the main file
  std::map<std::string, Module*> by_name;        // imported modules by import name
  std::vector<std::unique_ptr<FnInstance>> instances;
  SizeSymbols sizes;
  Module& main() { return *modules.front(); }
};

struct LoadOptions {
  // Where `import name` looks for name.b2m (in order), after the importing
  // file's own directory.
  std::vector<std::string> search_paths;
};

// Parses the main file and every module it imports (transitively).
std::unique_ptr<Program> load_program(SourceManager& sm, DiagnosticEngine& diags,
                                      std::int32_t main_file, const LoadOptions& opts);

// Checks every declaration of the program. Returns false if errors were reported.
bool check_program(Program& program, DiagnosticEngine& diags);

// Whether `from` may be used where `to` is expected (literal adaptation,
// str -> path, anonymous dimension naming).
bool assignable(const Type& from, const Type& to);

// Names of the built-in functions (for suggestions and docs).
const std::vector<std::string>& builtin_names();

}  // namespace b2m
