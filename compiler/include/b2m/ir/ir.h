// The graph IR: a module of functions, each a single block of ops in SSA form.
// Every value has a full type (named dimensions with constant or symbolic
// sizes); every op has a name from the op table (b2m/core/ops.def), operands,
// attributes, at most one result, and a source location.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "b2m/core/ops.h"
#include "b2m/core/types.h"
#include "b2m/lang/source.h"

namespace b2m::ir {

struct Op;
struct Func;

struct Value {
  std::string name;  // printed as %name; "" = numbered by the printer
  Type type;
  Op* def = nullptr;     // defining op, or null for a function argument
  Func* arg_of = nullptr;
};

// Attribute values: numbers, strings, bools and lists of them.
struct Attr {
  enum class Kind { Int, Float, Bool, Str, List } kind = Kind::Int;
  std::int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<Attr> list;

  static Attr of_int(std::int64_t v) { Attr a; a.kind = Kind::Int; a.i = v; return a; }
  static Attr of_float(double v) { Attr a; a.kind = Kind::Float; a.f = v; return a; }
  static Attr of_bool(bool v) { Attr a; a.kind = Kind::Bool; a.b = v; return a; }
  static Attr of_str(std::string v) { Attr a; a.kind = Kind::Str; a.s = std::move(v); return a; }
  static Attr of_list(std::vector<Attr> v) { Attr a; a.kind = Kind::List; a.list = std::move(v); return a; }
  double as_number() const { return kind == Kind::Int ? static_cast<double>(i) : f; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
  std::string str() const;  // textual form
  bool operator==(const Attr& o) const;
};

struct Op {
  OpId id;
  std::vector<Value*> operands;
  std::unique_ptr<Value> result;  // null for ops without a result
  std::vector<std::pair<std::string, Attr>> attrs;
  Loc loc;
  Func* parent = nullptr;

  const OpInfo& info() const { return op_info(id); }
  const char* name() const { return info().name; }
  const Attr* attr(const std::string& key) const;
  void set_attr(const std::string& key, Attr value);
  std::string attr_str(const std::string& key) const;  // "" if absent or not a string
};

struct Func {
  std::string name;  // printed as @name
  std::vector<std::unique_ptr<Value>> args;
  std::vector<std::unique_ptr<Op>> body;  // ends with a `return` op
  Type result;  // invalid = no result
  Loc loc;
};

// The signature of a runtime-backed op, kept in the module so that `runtime`
// ops can be verified and shape-inferred from text alone.
struct Extern {
  std::string name;
  std::vector<std::string> dim_vars;
  std::vector<std::pair<std::string, Type>> params;
  Type result;             // invalid when `annotated` (the caller's annotation gives it)
  bool annotated = false;
  bool source = false;
};

struct Module {
  std::vector<Extern> externs;
  std::vector<std::unique_ptr<Func>> funcs;

  Func* find_func(const std::string& name) const;
  const Extern* find_extern(const std::string& name) const;
};

// Creates an op (not yet inserted) with a fresh result of `type` if valid.
std::unique_ptr<Op> make_op(OpId id, std::vector<Value*> operands, Type type, Loc loc);

// Replaces every use of `from` with `to` in `f` (from the op at index `start`).
void replace_uses(Func& f, Value* from, Value* to, std::size_t start = 0);
// Number of uses of each value in `f` (operands of its ops).
std::size_t count_uses(const Func& f, const Value* v);

}  // namespace b2m::ir
