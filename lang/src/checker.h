// Private to lang/: the checker shared by sema.cpp (declarations, names, user
// fns, externs) and builtins.cpp (built-in functions and operators).
#pragma once

#include <map>
#include <set>

#include "b2m/core/ops.h"
#include "b2m/core/signature.h"
#include "b2m/lang/sema.h"

namespace b2m {

class Checker {
 public:
  Checker(Program& p, DiagnosticEngine& d) : prog_(p), diags_(d) {}
  bool run();

  // What a call's callee resolved to.
  struct Callee {
    enum class Kind { None, Builtin, Fn, Extern } kind = Kind::None;
    std::string name;  // builtin name, or qualified decl name
    Decl* decl = nullptr;
  };

  // Per-expression context: the module whose names are visible, and the fn
  // instance whose parameters are in scope (if any).
  struct Scope {
    Module* module = nullptr;
    FnInstance* fn = nullptr;
    const Decl* fn_decl = nullptr;
  };

  Type check_expr(Expr& e, const Scope& s);

 private:
  friend Type check_builtin(Checker& c, Expr& call, const std::string& name, const Scope& s);

  void index_module(Module& m);
  void check_decl(Decl& d, Loc use);
  void check_decl_body(Decl& d);
  Type resolve_type(const TypeExpr& t, Module* m, const std::set<std::string>& dim_vars, bool fresh);
  Type check_name(Expr& e, const Scope& s);
  Type check_member(Expr& e, const Scope& s);
  Type check_call(Expr& e, const Scope& s);
  Type check_binary(Expr& e, const Scope& s);
  Type check_unary(Expr& e, const Scope& s);
  Type check_list(Expr& e, const Scope& s);
  Type check_record(Expr& e, const Scope& s);
  Type call_fn(Expr& e, Decl& fn, const Scope& s);
  Type call_extern(Expr& e, Decl& ext, const Scope& s, const Type* annotation);
  Callee resolve_callee(Expr& callee, const Scope& s, bool report);
  Decl* lookup(Module* m, const std::string& name);
  Module* imported(Module* m, const std::string& name);
  std::vector<std::string> visible_names(const Scope& s);
  void check_out(Decl& d);
  bool is_constant(const Expr& e);

 public:
  // Shared helpers for builtins.cpp.
  Program& prog_;
  DiagnosticEngine& diags_;
  // Broadcast two tensor types by dimension name; reports and returns invalid on error.
  Type broadcast(const Type& a, const Type& b, const Expr& ea, const Expr& eb, Loc at);
  // The dimension named by a `over=time`-style argument, checked against `t`.
  bool dim_arg(const Expr& arg, const Type& t, const Expr& tensor_expr, std::string* name);
  void error_type(const Expr& e, const std::string& expected);
  const Type* annotation_ = nullptr;  // the enclosing source/let annotation, if any

 private:
  std::map<Module*, std::map<std::string, Decl*>> decls_;
  std::map<Module*, std::map<std::string, Module*>> imports_;
  std::vector<Decl*> stack_;             // declarations being checked (cycle detection)
  std::vector<const Decl*> fn_stack_;    // fns being instantiated (recursion detection)
  std::map<std::string, FnInstance*> instance_cache_;
};

Type check_builtin(Checker& c, Expr& call, const std::string& name, const Checker::Scope& s);
bool is_builtin(const std::string& name);

}  // namespace b2m
