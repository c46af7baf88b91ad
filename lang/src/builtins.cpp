// Built-in functions and operators: their type rules over named dimensions.
#include <algorithm>
#include <cmath>

#include "checker.h"

namespace b2m {

namespace {

const std::vector<std::string> kUnaryMath = {"exp", "log", "sqrt", "sin", "cos", "tanh",
                                             "floor", "ceil", "round", "abs", "sign", "isnan"};
const std::vector<std::string> kReductions = {"sum", "mean", "var", "std", "max", "min", "argmax", "argmin"};
const std::vector<std::string> kOthers = {"where", "cast", "matmul", "compress", "shift", "take",
                                          "rename", "logspace", "linspace"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

const std::vector<std::string>& builtin_names() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v = kUnaryMath;
    v.insert(v.end(), kReductions.begin(), kReductions.end());
    v.insert(v.end(), kOthers.begin(), kOthers.end());
    return v;
  }();
  return all;
}

bool is_builtin(const std::string& name) { return contains(builtin_names(), name); }

Type Checker::broadcast(const Type& a, const Type& b, const Expr& ea, const Expr& eb, Loc at) {
  if (!a.is_valid() || !b.is_valid()) return Type::invalid();
  if (!a.is_tensor() || !b.is_tensor()) {
    const Expr& bad = a.is_tensor() ? eb : ea;
    diags_.error(bad.loc, "expected a tensor or scalar operand, got " + bad.type.str());
    return Type::invalid();
  }
  // dtype: literals adapt to the other side; otherwise both must agree.
  DType dt;
  bool weak = false;
  if (a.weak && b.weak) {
    dt = (is_float(a.dtype) || is_float(b.dtype)) ? DType::F64 : a.dtype;
    weak = true;
  } else if (a.weak || b.weak) {
    const Type& lit = a.weak ? a : b;
    const Type& strong = a.weak ? b : a;
    if (is_float(lit.dtype) && is_int(strong.dtype)) {
      diags_.error((a.weak ? ea : eb).loc, "a floating-point literal cannot combine with an integer tensor " +
                                               strong.str(),
                   "cast the tensor first: cast(x, f32)");
      return Type::invalid();
    }
    if (is_numeric(lit.dtype) != is_numeric(strong.dtype)) {
      diags_.error(at, "cannot combine " + a.str() + " and " + b.str());
      return Type::invalid();
    }
    dt = strong.dtype;
  } else if (a.dtype != b.dtype) {
    if (is_textual(a.dtype) && is_textual(b.dtype)) {
      dt = DType::Path;
    } else {
      auto& d = diags_.error(at, std::string("mismatched dtypes: ") + dtype_name(a.dtype) + " and " +
                                     dtype_name(b.dtype),
                             std::string("convert one side explicitly, e.g. cast(x, ") + dtype_name(a.dtype) + ")");
      DiagnosticEngine::note(d, ea.loc, "left operand has type " + a.str());
      DiagnosticEngine::note(d, eb.loc, "right operand has type " + b.str());
      return Type::invalid();
    }
  } else {
    dt = a.dtype;
  }
  // Dimensions: the union by name, in the left operand's order, then the
  // right's new ones. Sizes of shared names must agree where both are known.
  Type out = Type::tensor(dt, a.dims);
  out.weak = weak && a.dims.empty() && b.dims.empty();
  for (const auto& d : b.dims) {
    if (d.name == "_" || (a.find_dim("_") && !b.dims.empty())) {
      diags_.error(d.name == "_" ? eb.loc : ea.loc,
                   "a tensor with an unnamed dimension cannot be broadcast against " +
                       (d.name == "_" ? a.str() : b.str()),
                   "name its dimension with a type annotation, e.g. 'let x: f64[alpha] = ...'");
      return Type::invalid();
    }
    int i = out.dim_index(d.name);
    if (i < 0) {
      out.dims.push_back(d);
      continue;
    }
    Dim& mine = out.dims[i];
    if (mine.size.is_const() && d.size.is_const() && mine.size.constant != d.size.constant) {
      auto& diag = diags_.error(at, "size mismatch in dimension '" + d.name + "': " +
                                        std::to_string(mine.size.constant) + " vs " +
                                        std::to_string(d.size.constant));
      DiagnosticEngine::note(diag, ea.loc, "left operand has type " + a.str());
      DiagnosticEngine::note(diag, eb.loc, "right operand has type " + b.str());
      return Type::invalid();
    }
    if (!mine.size.is_const() && d.size.is_const()) mine.size = d.size;
  }
  if (is_textual(dt) && !out.dims.empty()) {
    diags_.error(at, "strings cannot be broadcast over dimensions");
    return Type::invalid();
  }
  return out;
}

bool Checker::dim_arg(const Expr& arg, const Type& t, const Expr& tensor_expr, std::string* name) {
  if (arg.kind != Expr::Kind::Name) {
    diags_.error(arg.loc, "expected a dimension name here (like over=time)");
    return false;
  }
  if (!t.is_valid()) return false;
  if (!t.is_tensor() || t.dim_index(arg.text) < 0) {
    std::string guess = t.is_tensor() ? closest_match(arg.text, t.dim_names()) : "";
    auto& d = diags_.error(arg.loc, "no dimension named '" + arg.text + "' in " + t.str(),
                           guess.empty() ? "" : "did you mean '" + guess + "'?");
    DiagnosticEngine::note(d, tensor_expr.loc, "this value has type " + t.str());
    return false;
  }
  *name = arg.text;
  return true;
}

namespace {

// Splits a builtin call's arguments into positional and named ones, checking
// the allowed names and positional counts.
struct BuiltinArgs {
  std::vector<Expr*> pos;
  std::map<std::string, Expr*> named;
  std::vector<std::pair<std::string, Expr*>> named_in_order;
};

bool split_args(DiagnosticEngine& diags, Expr& call, const std::string& name, std::size_t min_pos,
                std::size_t max_pos, const std::vector<std::string>& allowed, BuiltinArgs& out,
                bool any_named = false) {
  for (auto& a : call.args) {
    if (a.name.empty()) {
      out.pos.push_back(a.value.get());
    } else if (any_named || contains(allowed, a.name)) {
      if (out.named.count(a.name)) {
        diags.error(a.name_loc, "argument '" + a.name + "' given twice in call to '" + name + "'");
        return false;
      }
      out.named[a.name] = a.value.get();
      out.named_in_order.emplace_back(a.name, a.value.get());
    } else {
      std::string guess = closest_match(a.name, allowed);
      std::string all;
      for (const auto& n : allowed) all += (all.empty() ? "" : ", ") + n;
      diags.error(a.name_loc, "'" + name + "' has no parameter named '" + a.name + "'",
                  guess.empty() ? (all.empty() ? "it takes no named arguments" : "it takes: " + all)
                                : "did you mean '" + guess + "'?");
      return false;
    }
  }
  if (out.pos.size() < min_pos || out.pos.size() > max_pos) {
    std::string expect = min_pos == max_pos ? std::to_string(min_pos)
                                            : std::to_string(min_pos) + " to " + std::to_string(max_pos);
    diags.error(call.loc, "'" + name + "' takes " + expect + " positional argument" +
                              (max_pos == 1 ? "" : "s") + ", got " + std::to_string(out.pos.size()));
    return false;
  }
  return true;
}

std::optional<double> const_number(const Expr& e) {
  if (e.kind == Expr::Kind::Int) return static_cast<double>(e.int_value);
  if (e.kind == Expr::Kind::Float) return e.float_value;
  if (e.kind == Expr::Kind::Unary && e.text == "-" && e.lhs) {
    auto v = const_number(*e.lhs);
    if (v) return -*v;
  }
  return std::nullopt;
}

}  // namespace

Type check_builtin(Checker& c, Expr& call, const std::string& name, const Checker::Scope& s) {
  DiagnosticEngine& diags = c.diags_;
  BuiltinArgs a;
  auto check_all = [&](const std::vector<Expr*>& exprs) {
    bool ok = true;
    for (Expr* e : exprs) ok = c.check_expr(*e, s).is_valid() && ok;
    return ok;
  };

  if (contains(kUnaryMath, name)) {
    if (!split_args(diags, call, name, 1, 1, {}, a)) return Type::invalid();
    Type t = c.check_expr(*a.pos[0], s);
    if (!t.is_valid()) return t;
    if (!t.is_tensor() || !is_numeric(t.dtype)) {
      c.error_type(*a.pos[0], "a numeric tensor for '" + name + "'");
      return Type::invalid();
    }
    bool needs_float = name != "abs" && name != "sign";
    if (needs_float && !is_float(t.dtype)) {
      if (t.weak) {
        t.dtype = DType::F64;
      } else {
        diags.error(a.pos[0]->loc, "'" + name + "' needs a floating-point tensor, got " + t.str(),
                    "convert it first: cast(x, f32)");
        return Type::invalid();
      }
    }
    if (name == "isnan") {
      t.dtype = DType::Bool;
      t.weak = false;
    }
    return t;
  }

  if (contains(kReductions, name)) {
    // min/max with two positional arguments are elementwise.
    if ((name == "min" || name == "max") && call.args.size() == 2 && call.args[0].name.empty() &&
        call.args[1].name.empty()) {
      Type l = c.check_expr(*call.args[0].value, s);
      Type r = c.check_expr(*call.args[1].value, s);
      Type t = c.broadcast(l, r, *call.args[0].value, *call.args[1].value, call.loc);
      if (t.is_valid() && !is_numeric(t.dtype)) {
        diags.error(call.loc, "'" + name + "' needs numeric operands, got " + t.str());
        return Type::invalid();
      }
      return t;
    }
    bool grouped_ok = name == "sum" || name == "mean";
    std::vector<std::string> allowed = {"over"};
    if (grouped_ok) allowed.insert(allowed.end(), {"by", "into"});
    if (!split_args(diags, call, name, 1, 1, allowed, a)) return Type::invalid();
    Type t = c.check_expr(*a.pos[0], s);
    if (!t.is_valid()) return t;
    if (!t.is_tensor() || !is_numeric(t.dtype)) {
      c.error_type(*a.pos[0], "a numeric tensor for '" + name + "'");
      return Type::invalid();
    }
    if (!a.named.count("over")) {
      diags.error(call.loc, "'" + name + "' needs the dimension to reduce: " + name + "(x, over=" +
                                (t.rank() ? t.dims[0].name : std::string("dim")) + ")",
                  "reductions go by dimension name, never by position");
      return Type::invalid();
    }
    std::string over;
    if (!c.dim_arg(*a.named["over"], t, *a.pos[0], &over)) return Type::invalid();
    if ((name == "mean" || name == "var" || name == "std") && !is_float(t.dtype)) {
      diags.error(a.pos[0]->loc, "'" + name + "' needs a floating-point tensor, got " + t.str(),
                  "convert it first: cast(x, f32)");
      return Type::invalid();
    }
    Type out = t;
    int idx = out.dim_index(over);
    if (a.named.count("by") || a.named.count("into")) {
      if (!a.named.count("by") || !a.named.count("into")) {
        diags.error(call.loc, "a grouped reduction needs both by= (group ids along '" + over +
                                  "') and into= (the name of the group dimension)");
        return Type::invalid();
      }
      Type ids = c.check_expr(*a.named["by"], s);
      if (!ids.is_valid()) return ids;
      if (!ids.is_tensor() || !is_int(ids.dtype) || ids.rank() != 1 || ids.dims[0].name != over) {
        diags.error(a.named["by"]->loc, "group ids must be an integer tensor over '" + over + "', got " + ids.str());
        return Type::invalid();
      }
      Expr* into = a.named["into"];
      if (into->kind != Expr::Kind::Name) {
        diags.error(into->loc, "into= takes the new dimension's name, like into=clip");
        return Type::invalid();
      }
      if (out.dim_index(into->text) >= 0 && into->text != over) {
        diags.error(into->loc, "dimension '" + into->text + "' already exists in " + t.str());
        return Type::invalid();
      }
      out.dims[idx] = Dim{into->text, Size::sym(c.prog_.sizes.fresh(into->text))};
      return out;
    }
    out.dims.erase(out.dims.begin() + idx);
    if (name == "argmax" || name == "argmin") out.dtype = DType::I64;
    return out;
  }

  if (name == "where") {
    if (!split_args(diags, call, name, 3, 3, {}, a)) return Type::invalid();
    if (!check_all(a.pos)) return Type::invalid();
    if (!a.pos[0]->type.is_tensor() || a.pos[0]->type.dtype != DType::Bool) {
      c.error_type(*a.pos[0], "a bool condition");
      return Type::invalid();
    }
    Type v = c.broadcast(a.pos[1]->type, a.pos[2]->type, *a.pos[1], *a.pos[2], call.loc);
    if (!v.is_valid()) return v;
    Type cond = a.pos[0]->type;
    cond.dtype = v.dtype;
    cond.weak = v.weak;
    return c.broadcast(v, cond, *a.pos[1], *a.pos[0], call.loc);
  }

  if (name == "cast") {
    if (!split_args(diags, call, name, 2, 2, {}, a)) return Type::invalid();
    Type t = c.check_expr(*a.pos[0], s);
    Expr* to = a.pos[1];
    auto dt = to->kind == Expr::Kind::Name ? dtype_from_name(to->text) : std::nullopt;
    if (!dt || (!is_numeric(*dt) && *dt != DType::Bool)) {
      diags.error(to->loc, "cast needs a numeric dtype as its second argument (f32, f64, i32, i64 or bool)");
      return Type::invalid();
    }
    if (!t.is_valid()) return t;
    if (!t.is_tensor() || is_textual(t.dtype)) {
      c.error_type(*a.pos[0], "a numeric tensor to cast");
      return Type::invalid();
    }
    t.dtype = *dt;
    t.weak = false;
    return t;
  }

  if (name == "matmul") {
    if (!split_args(diags, call, name, 2, 2, {"over"}, a)) return Type::invalid();
    if (!check_all(a.pos)) return Type::invalid();
    const Type& l = a.pos[0]->type;
    const Type& r = a.pos[1]->type;
    std::string over;
    if (!a.named.count("over")) {
      diags.error(call.loc, "matmul needs the dimension to contract: matmul(a, b, over=name)");
      return Type::invalid();
    }
    if (!c.dim_arg(*a.named["over"], l, *a.pos[0], &over) || !c.dim_arg(*a.named["over"], r, *a.pos[1], &over))
      return Type::invalid();
    if (!is_float(l.dtype) || l.dtype != r.dtype) {
      diags.error(call.loc, "matmul needs two floating-point tensors of the same dtype, got " + l.str() +
                                " and " + r.str());
      return Type::invalid();
    }
    const Dim& ld = *l.find_dim(over);
    const Dim& rd = *r.find_dim(over);
    if (ld.size.is_const() && rd.size.is_const() && ld.size.constant != rd.size.constant) {
      auto& d = diags.error(a.named["over"]->loc, "size mismatch in contracted dimension '" + over + "': " +
                                                      ld.size.str() + " vs " + rd.size.str());
      DiagnosticEngine::note(d, a.pos[0]->loc, "left operand has type " + l.str());
      DiagnosticEngine::note(d, a.pos[1]->loc, "right operand has type " + r.str());
      return Type::invalid();
    }
    Type out = Type::tensor(l.dtype, {});
    for (const auto& d : l.dims)
      if (d.name != over) out.dims.push_back(d);
    for (const auto& d : r.dims) {
      if (d.name == over) continue;
      if (out.find_dim(d.name)) {
        diags.error(call.loc, "both operands of matmul have dimension '" + d.name + "' besides '" + over + "'",
                    "rename one of them: rename(x, " + d.name + "=other)");
        return Type::invalid();
      }
      out.dims.push_back(d);
    }
    return out;
  }

  if (name == "compress") {
    if (!split_args(diags, call, name, 2, 2, {"along"}, a)) return Type::invalid();
    if (!check_all(a.pos)) return Type::invalid();
    const Type& x = a.pos[0]->type;
    const Type& m = a.pos[1]->type;
    if (!m.is_tensor() || m.dtype != DType::Bool || m.rank() != 1) {
      c.error_type(*a.pos[1], "a 1-D bool mask");
      return Type::invalid();
    }
    std::string along = m.dims[0].name;
    if (a.named.count("along") && !c.dim_arg(*a.named["along"], x, *a.pos[0], &along)) return Type::invalid();
    if (along != m.dims[0].name) {
      diags.error(a.pos[1]->loc, "the mask is over '" + m.dims[0].name + "', but along=" + along);
      return Type::invalid();
    }
    if (!x.is_tensor() || x.dim_index(along) < 0) {
      auto& d = diags.error(a.pos[0]->loc, "cannot mask " + x.str() + " with a mask over '" + along + "'");
      DiagnosticEngine::note(d, a.pos[1]->loc, "the mask has type " + m.str());
      return Type::invalid();
    }
    Type out = x;
    out.dims[out.dim_index(along)].size = Size::sym(c.prog_.sizes.fresh(along));
    return out;
  }

  if (name == "take") {
    // take(x, idx, along=d): entry j of the result along idx's dimension is
    // x at index idx[j] along d (a gather: per-run statistics back to scans).
    if (!split_args(diags, call, name, 2, 2, {"along"}, a)) return Type::invalid();
    if (!check_all(a.pos)) return Type::invalid();
    const Type& x = a.pos[0]->type;
    const Type& idx = a.pos[1]->type;
    if (!idx.is_tensor() || !is_int(idx.dtype) || idx.rank() == 0) {
      c.error_type(*a.pos[1], "an integer index tensor");
      return Type::invalid();
    }
    if (!a.named.count("along")) {
      diags.error(call.loc, "take needs along= (the dimension to index)");
      return Type::invalid();
    }
    std::string along;
    if (!c.dim_arg(*a.named["along"], x, *a.pos[0], &along)) return Type::invalid();
    // The indexed dimension is replaced, in place, by all of idx's dimensions.
    Type out = x;
    int k = out.dim_index(along);
    out.dims.erase(out.dims.begin() + k);
    for (const auto& nd : idx.dims) {
      if (out.dim_index(nd.name) >= 0) {
        diags.error(a.pos[1]->loc, "the result would have dimension '" + nd.name + "' twice");
        return Type::invalid();
      }
    }
    out.dims.insert(out.dims.begin() + k, idx.dims.begin(), idx.dims.end());
    return out;
  }

  if (name == "shift") {
    if (!split_args(diags, call, name, 1, 1, {"by", "along"}, a)) return Type::invalid();
    Type t = c.check_expr(*a.pos[0], s);
    if (!t.is_valid()) return t;
    if (!a.named.count("by") || !a.named.count("along")) {
      diags.error(call.loc, "shift needs by= (an integer offset) and along= (a dimension)");
      return Type::invalid();
    }
    auto by = const_number(*a.named["by"]);
    if (!by || *by != std::floor(*by)) {
      diags.error(a.named["by"]->loc, "shift's by= must be a constant integer");
      return Type::invalid();
    }
    a.named["by"]->type = Type::scalar(DType::I64);
    std::string along;
    if (!c.dim_arg(*a.named["along"], t, *a.pos[0], &along)) return Type::invalid();
    return t;
  }

  if (name == "rename") {
    if (!split_args(diags, call, name, 1, 1, {}, a, /*any_named=*/true)) return Type::invalid();
    Type t = c.check_expr(*a.pos[0], s);
    if (!t.is_valid()) return t;
    if (!t.is_tensor() || a.named_in_order.empty()) {
      diags.error(call.loc, "rename takes a tensor and old=new dimension names, like rename(x, voxel=feature)");
      return Type::invalid();
    }
    for (auto& [old_name, new_expr] : a.named_in_order) {
      int i = t.dim_index(old_name);
      if (i < 0) {
        std::string guess = closest_match(old_name, t.dim_names());
        diags.error(call.loc, "no dimension named '" + old_name + "' in " + a.pos[0]->type.str(),
                    guess.empty() ? "" : "did you mean '" + guess + "'?");
        return Type::invalid();
      }
      if (new_expr->kind != Expr::Kind::Name) {
        diags.error(new_expr->loc, "the new name of '" + old_name + "' must be an identifier");
        return Type::invalid();
      }
      if (t.dim_index(new_expr->text) >= 0 && new_expr->text != old_name) {
        diags.error(new_expr->loc, "dimension '" + new_expr->text + "' already exists in " + t.str());
        return Type::invalid();
      }
      t.dims[i].name = new_expr->text;
    }
    return t;
  }

  if (name == "logspace" || name == "linspace") {
    if (!split_args(diags, call, name, 3, 3, {"dim"}, a)) return Type::invalid();
    for (int i = 0; i < 2; ++i) {
      c.check_expr(*a.pos[i], s);
      if (!const_number(*a.pos[i])) {
        diags.error(a.pos[i]->loc, "'" + name + "' needs constant numbers for its start and stop");
        return Type::invalid();
      }
    }
    c.check_expr(*a.pos[2], s);
    if (a.pos[2]->kind != Expr::Kind::Int || a.pos[2]->int_value <= 0 || a.pos[2]->int_value > 1000000) {
      diags.error(a.pos[2]->loc, "'" + name + "' needs a positive constant integer count (at most 1000000)");
      return Type::invalid();
    }
    std::string dim = "_";
    if (a.named.count("dim")) {
      if (a.named["dim"]->kind != Expr::Kind::Name) {
        diags.error(a.named["dim"]->loc, "dim= takes the dimension's name, like dim=alpha");
        return Type::invalid();
      }
      dim = a.named["dim"]->text;
    }
    Type t = Type::tensor(DType::F64, {Dim{dim, Size::of(a.pos[2]->int_value)}});
    t.weak = true;
    return t;
  }

  diags.error(call.loc, "unknown built-in '" + name + "'");
  return Type::invalid();
}

Type Checker::check_binary(Expr& e, const Scope& s) {
  Type l = check_expr(*e.lhs, s);
  Type r = check_expr(*e.rhs, s);
  if (!l.is_valid() || !r.is_valid()) return Type::invalid();
  const std::string& op = e.text;
  if (op == "@") {
    // Contraction over the one dimension both operands share.
    if (!l.is_tensor() || !r.is_tensor()) {
      diags_.error(e.loc, "'@' needs two tensors");
      return Type::invalid();
    }
    std::vector<std::string> shared;
    for (const auto& d : l.dims)
      if (r.find_dim(d.name)) shared.push_back(d.name);
    if (shared.size() != 1) {
      diags_.error(e.loc, shared.empty() ? "operands of '@' share no dimension to contract: " + l.str() + " @ " + r.str()
                                         : "operands of '@' share several dimensions; say which to contract",
                   "use matmul(a, b, over=name)");
      return Type::invalid();
    }
    if (!is_float(l.dtype) || l.dtype != r.dtype) {
      diags_.error(e.loc, "'@' needs two floating-point tensors of the same dtype, got " + l.str() + " and " + r.str());
      return Type::invalid();
    }
    Type out = Type::tensor(l.dtype, {});
    for (const auto& d : l.dims)
      if (d.name != shared[0]) out.dims.push_back(d);
    for (const auto& d : r.dims)
      if (d.name != shared[0]) out.dims.push_back(d);
    const Dim& ld = *l.find_dim(shared[0]);
    const Dim& rd = *r.find_dim(shared[0]);
    if (ld.size.is_const() && rd.size.is_const() && ld.size.constant != rd.size.constant) {
      auto& d = diags_.error(e.loc, "size mismatch in contracted dimension '" + shared[0] + "': " + ld.size.str() +
                                        " vs " + rd.size.str());
      DiagnosticEngine::note(d, e.lhs->loc, "left operand has type " + l.str());
      DiagnosticEngine::note(d, e.rhs->loc, "right operand has type " + r.str());
      return Type::invalid();
    }
    return out;
  }
  Type t = broadcast(l, r, *e.lhs, *e.rhs, e.loc);
  if (!t.is_valid()) return t;
  if (op == "and" || op == "or") {
    if (t.dtype != DType::Bool) {
      diags_.error(e.loc, "'" + op + "' needs bool operands, got " + l.str() + " and " + r.str());
      return Type::invalid();
    }
    return t;
  }
  if (is_textual(t.dtype)) {
    if (op != "+") {
      diags_.error(e.loc, "'" + op + "' is not defined for strings; only '+' (concatenation) is");
      return Type::invalid();
    }
    return t;
  }
  if (t.dtype == DType::Bool && op != "==" && op != "!=") {
    diags_.error(e.loc, "'" + op + "' is not defined for bool operands", "use 'and', 'or', 'not'");
    return Type::invalid();
  }
  if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    t.dtype = DType::Bool;
    t.weak = false;
    return t;
  }
  if (op == "**" && !is_float(t.dtype)) {
    if (t.weak) {
      t.dtype = DType::F64;
    } else {
      diags_.error(e.loc, "'**' needs floating-point operands, got " + t.str(), "convert first: cast(x, f32)");
      return Type::invalid();
    }
  }
  return t;
}

Type Checker::check_unary(Expr& e, const Scope& s) {
  Type t = check_expr(*e.lhs, s);
  if (!t.is_valid()) return t;
  if (e.text == "not") {
    if (!t.is_tensor() || t.dtype != DType::Bool) {
      diags_.error(e.loc, "'not' needs a bool operand, got " + t.str());
      return Type::invalid();
    }
    return t;
  }
  if (!t.is_tensor() || !is_numeric(t.dtype)) {
    diags_.error(e.loc, "unary '-' needs a numeric operand, got " + t.str());
    return Type::invalid();
  }
  return t;
}

}  // namespace b2m
