// The abstract syntax tree of a .b2m module. The parser builds it; semantic
// analysis annotates expressions with types and resolved declarations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "b2m/core/types.h"
#include "b2m/lang/source.h"

namespace b2m {

// ---- type expressions (as written; resolved by sema) -----------------------
struct TypeExpr {
  enum class Kind { Tensor, Record, List, Opaque, Named } kind = Kind::Tensor;
  Loc loc;
  std::string name;  // Tensor: dtype name; Named: alias name; Opaque: handle name; List: elem dtype
  struct DimExpr {
    std::string name;
    Loc loc;
    enum class SizeKind { None, Const, Sym } size_kind = SizeKind::None;
    std::int64_t size = 0;
    std::string sym;
  };
  std::vector<DimExpr> dims;      // Tensor (has_dims distinguishes f32 from f32[])
  bool has_dims = false;
  struct FieldExpr {
    std::string name;
    Loc loc;
    std::unique_ptr<TypeExpr> type;
  };
  std::vector<FieldExpr> fields;  // Record
  std::vector<std::string> args;  // Named: dimension arguments, Name<A, B>
};
using TypeExprPtr = std::unique_ptr<TypeExpr>;

// ---- expressions -------------------------------------------------------------
struct Decl;
struct FnInstance;

struct Expr {
  enum class Kind { Int, Float, String, Bool, Name, Member, Call, Binary, Unary, List, Record } kind;
  Loc loc;
  // literals
  std::int64_t int_value = 0;
  double float_value = 0;
  std::string text;  // String value; Name identifier; Member field; Binary/Unary operator
  std::string unit;  // number unit ("s", "ms", "Hz")
  bool bool_value = false;
  // children
  std::unique_ptr<Expr> lhs;  // Member base; Call callee; Binary lhs; Unary operand
  std::unique_ptr<Expr> rhs;  // Binary rhs
  struct Arg {
    std::string name;  // "" = positional
    Loc name_loc;
    std::unique_ptr<Expr> value;
  };
  std::vector<Arg> args;  // Call arguments; List elements (unnamed); Record fields (named)
  bool piped = false;     // Call written as `x |> f(...)`: args[0] came from the pipe

  // ---- filled in by sema ----
  Type type;
  Decl* decl = nullptr;           // Name: the declaration it refers to
  std::string resolved;           // Call: qualified callee ("fmri.bids", "mean"); Member on module
  FnInstance* instance = nullptr; // Call of a user fn: the checked instance
  int param_index = -1;           // Name inside an fn body: which parameter

  explicit Expr(Kind k) : kind(k) {}
};
using ExprPtr = std::unique_ptr<Expr>;

// ---- declarations ------------------------------------------------------------
struct Module;

struct Decl {
  enum class Kind { Import, Param, Source, Let, Fn, Out, Type, Extern } kind;
  Loc loc;       // the whole declaration's start (keyword)
  Loc name_loc;  // the declared name
  std::string name;  // Out: the output path pattern
  TypeExprPtr type;  // Param/Source/Let annotation; Fn/Extern result; Type definition
  ExprPtr value;     // Param default, Source/Let/Out value, Fn body
  std::vector<std::string> dim_vars;  // Extern/Type: <S, F, T>
  struct ParamDecl {
    std::string name;
    Loc loc;
    TypeExprPtr type;  // may be null for fn parameters
    ExprPtr default_value;
  };
  std::vector<ParamDecl> params;  // Fn/Extern parameters
  std::vector<std::pair<std::string, Loc>> imports;  // Import: module names
  bool is_source = false;  // Extern: reads external data (becomes a source)

  Module* module = nullptr;  // owning module
  // ---- filled in by sema ----
  Type resolved_type;
  int check_state = 0;  // 0 = unchecked, 1 = in progress, 2 = done

  explicit Decl(Kind k) : kind(k) {}
};
using DeclPtr = std::unique_ptr<Decl>;

struct Module {
  std::string name;  // "" for the main file, otherwise the import name
  std::string path;
  std::int32_t file = -1;
  std::vector<DeclPtr> decls;
};

// A user fn checked for one list of argument types (fns are generic: each
// distinct call signature gets its own instance, like a template).
struct FnInstance {
  Decl* fn = nullptr;
  std::vector<Type> arg_types;
  ExprPtr body;  // a checked copy of fn->value
  Type result;
  std::string mangled;  // IR function name
};

ExprPtr clone(const Expr& e);

// Text dump for --emit=ast.
std::string print_ast(const Module& m, bool with_types);
std::string print_type_expr(const TypeExpr& t);

}  // namespace b2m
