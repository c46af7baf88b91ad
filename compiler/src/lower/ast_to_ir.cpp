#include "b2m/lower/ast_to_ir.h"

#include <cmath>
#include <functional>
#include <map>
#include <set>

namespace b2m {

using ir::Attr;
using ir::Func;
using ir::Op;
using ir::Value;

namespace {

OpId binary_op(const std::string& op) {
  static const std::map<std::string, OpId> table = {
      {"+", OpId::Add}, {"-", OpId::Sub}, {"*", OpId::Mul}, {"/", OpId::Div}, {"%", OpId::Mod},
      {"**", OpId::Pow}, {"==", OpId::Eq}, {"!=", OpId::Ne}, {"<", OpId::Lt}, {"<=", OpId::Le},
      {">", OpId::Gt}, {">=", OpId::Ge}, {"and", OpId::And}, {"or", OpId::Or}};
  return table.at(op);
}

OpId unary_math_op(const std::string& name) {
  static const std::map<std::string, OpId> table = {
      {"exp", OpId::Exp}, {"log", OpId::Log}, {"sqrt", OpId::Sqrt}, {"sin", OpId::Sin},
      {"cos", OpId::Cos}, {"tanh", OpId::Tanh}, {"floor", OpId::Floor}, {"ceil", OpId::Ceil},
      {"round", OpId::Round}, {"abs", OpId::Abs}, {"sign", OpId::Sign}, {"isnan", OpId::IsNan}};
  return table.at(name);
}

double number_of(const Expr& e) {
  if (e.kind == Expr::Kind::Int) return e.unit == "ms" ? e.int_value / 1000.0 : static_cast<double>(e.int_value);
  if (e.kind == Expr::Kind::Float) return e.unit == "ms" ? e.float_value / 1000.0 : e.float_value;
  if (e.kind == Expr::Kind::Unary && e.text == "-") return -number_of(*e.lhs);
  return 0;
}

class Lowering {
 public:
  Lowering(Program& p, DiagnosticEngine& d) : prog_(p), diags_(d) {}

  std::unique_ptr<ir::Module> run() {
    module_ = std::make_unique<ir::Module>();
    auto main = std::make_unique<Func>();
    main->name = "main";
    main_ = main.get();
    module_->funcs.push_back(std::move(main));
    Module& m = prog_.main();
    // Params first, in declaration order: they are the executable's options.
    for (auto& d : m.decls)
      if (d->kind == Decl::Kind::Param) value_of(*d);
    for (auto& d : m.decls)
      if (d->kind == Decl::Kind::Source || d->kind == Decl::Kind::Let) value_of(*d);
    for (auto& d : m.decls) {
      if (d->kind != Decl::Kind::Out) continue;
      Value* v = expr(*d->value, ctx_main());
      auto op = ir::make_op(OpId::Output, {v}, Type::invalid(), d->loc);
      op->set_attr("path", Attr::of_str(d->name));
      emit(*main_, std::move(op));
    }
    emit(*main_, ir::make_op(OpId::Return, {}, Type::invalid(), Loc{}));
    return std::move(module_);
  }

 private:
  struct Ctx {
    Func* func;
    std::vector<Value*> params;  // fn instance arguments
  };
  Ctx ctx_main() { return Ctx{main_, {}}; }

  Value* emit(Func& f, std::unique_ptr<Op> op) {
    op->parent = &f;
    Value* v = op->result.get();
    f.body.push_back(std::move(op));
    return v;
  }
  Value* emit(const Ctx& c, std::unique_ptr<Op> op) { return emit(*c.func, std::move(op)); }

  Value* value_of(Decl& d) {
    auto it = decl_values_.find(&d);
    if (it != decl_values_.end()) return it->second;
    Value* v = nullptr;
    Ctx c = ctx_main();
    if (d.kind == Decl::Kind::Param) {
      auto op = ir::make_op(OpId::Param, {}, d.resolved_type, d.name_loc);
      op->set_attr("name", Attr::of_str(d.name));
      if (d.value) op->set_attr("default", constant_attr(*d.value, d.resolved_type));
      v = emit(c, std::move(op));
    } else {
      v = coerce(expr(*d.value, c), d.resolved_type, c, d.value->loc);
    }
    v->name = d.module->name.empty() ? d.name : d.module->name + "." + d.name;
    decl_values_[&d] = v;
    return v;
  }

  // Compile-time value of a constant expression (param defaults).
  Attr constant_attr(const Expr& e, const Type& want) {
    switch (e.kind) {
      case Expr::Kind::Int:
        if (is_float(want.dtype) || !e.unit.empty()) return Attr::of_float(number_of(e));
        return Attr::of_int(e.int_value);
      case Expr::Kind::Float: return Attr::of_float(number_of(e));
      case Expr::Kind::String: return Attr::of_str(e.text);
      case Expr::Kind::Bool: return Attr::of_bool(e.bool_value);
      case Expr::Kind::Unary: {
        Attr a = constant_attr(*e.lhs, want);
        if (a.kind == Attr::Kind::Int) a.i = -a.i;
        if (a.kind == Attr::Kind::Float) a.f = -a.f;
        return a;
      }
      case Expr::Kind::List: {
        std::vector<Attr> items;
        for (const auto& a : e.args) items.push_back(constant_attr(*a.value, want));
        return Attr::of_list(items);
      }
      case Expr::Kind::Call: {
        double start = number_of(*e.args[0].value), stop = number_of(*e.args[1].value);
        std::int64_t n = e.args[2].value->int_value;
        std::vector<Attr> items;
        for (std::int64_t i = 0; i < n; ++i) {
          double t = n == 1 ? start : start + (stop - start) * static_cast<double>(i) / static_cast<double>(n - 1);
          items.push_back(Attr::of_float(e.resolved == "logspace" ? std::pow(10.0, t) : t));
        }
        return Attr::of_list(items);
      }
      case Expr::Kind::Binary: {
        double l = constant_attr(*e.lhs, want).as_number(), r = constant_attr(*e.rhs, want).as_number();
        double v = e.text == "+" ? l + r : e.text == "-" ? l - r : e.text == "*" ? l * r : e.text == "/" ? l / r : l;
        return is_int(want.dtype) ? Attr::of_int(static_cast<std::int64_t>(v)) : Attr::of_float(v);
      }
      default: return Attr::of_str("");
    }
  }

  // Converts a value to the type its context declares: literal dtypes,
  // anonymous dimension names.
  Value* coerce(Value* v, const Type& want, const Ctx& c, Loc loc) {
    if (!want.is_valid() || !v->type.is_tensor() || !want.is_tensor()) return v;
    if (v->type.dtype != want.dtype && !(is_textual(v->type.dtype) && is_textual(want.dtype))) {
      Op* def = v->def;
      if (def && (def->id == OpId::Const || def->id == OpId::Logspace || def->id == OpId::Linspace) &&
          count_uses(*c.func, v) == 0) {
        v->type.dtype = want.dtype;  // a literal: re-type it in place
        if (def->id == OpId::Const && is_float(want.dtype)) {
          const Attr* a = def->attr("value");
          if (a && a->kind == Attr::Kind::Int) def->set_attr("value", Attr::of_float(static_cast<double>(a->i)));
        }
      } else {
        Type t = v->type;
        t.dtype = want.dtype;
        auto op = ir::make_op(OpId::Cast, {v}, t, loc);
        op->set_attr("to", Attr::of_str(dtype_name(want.dtype)));
        v = emit(c, std::move(op));
      }
    }
    if (v->type.rank() == want.rank()) {
      std::vector<Attr> from, to;
      Type t = v->type;
      for (std::size_t i = 0; i < t.rank(); ++i) {
        if (t.dims[i].name != want.dims[i].name) {
          from.push_back(Attr::of_str(t.dims[i].name));
          to.push_back(Attr::of_str(want.dims[i].name));
          t.dims[i].name = want.dims[i].name;
        }
        if (want.dims[i].size.is_const()) t.dims[i].size = want.dims[i].size;
      }
      if (!from.empty()) {
        Op* def = v->def;
        if (def && (def->id == OpId::Logspace || def->id == OpId::Linspace) && count_uses(*c.func, v) == 0) {
          v->type = t;
        } else {
          auto op = ir::make_op(OpId::Rename, {v}, t, loc);
          op->set_attr("from", Attr::of_list(from));
          op->set_attr("to", Attr::of_list(to));
          v = emit(c, std::move(op));
        }
      }
    }
    return v;
  }

  Value* constant(const Ctx& c, DType dt, Attr value, Loc loc) {
    if (is_float(dt) && value.kind == Attr::Kind::Int) value = Attr::of_float(static_cast<double>(value.i));
    auto op = ir::make_op(OpId::Const, {}, Type::scalar(dt), loc);
    op->set_attr("value", std::move(value));
    return emit(c, std::move(op));
  }

  // Lowers an operand of an elementwise op to dtype `dt` and the dimensions of
  // `shape` (inserting a broadcast when it has fewer or reordered dims).
  Value* operand_as(Expr& e, DType dt, const Type& shape, const Ctx& c) {
    Value* v;
    if (e.type.weak && e.type.is_scalar()) {
      Attr a = e.kind == Expr::Kind::Float || !e.unit.empty() || is_float(dt) ? Attr::of_float(number_of(e))
                                                                              : Attr::of_int(e.int_value);
      if (e.kind == Expr::Kind::Int || e.kind == Expr::Kind::Float ||
          (e.kind == Expr::Kind::Unary && e.lhs && (e.lhs->kind == Expr::Kind::Int || e.lhs->kind == Expr::Kind::Float))) {
        v = constant(c, dt, a, e.loc);
      } else {
        v = coerce(expr(e, c), Type::scalar(dt), c, e.loc);
      }
    } else {
      v = expr(e, c);
      if (v->type.is_tensor() && v->type.dtype != dt && !(is_textual(dt) && is_textual(v->type.dtype))) {
        Type t = v->type;
        t.dtype = dt;
        auto op = ir::make_op(OpId::Cast, {v}, t, e.loc);
        op->set_attr("to", Attr::of_str(dtype_name(dt)));
        v = emit(c, std::move(op));
      }
    }
    Type target = shape;
    target.dtype = v->type.dtype;
    target.weak = false;
    if (v->type.is_tensor() && !v->type.same_layout(target)) {
      // Keep the operand's own sizes for its dims.
      for (auto& d : target.dims)
        if (const Dim* mine = v->type.find_dim(d.name)) d.size = mine->size;
      auto op = ir::make_op(OpId::Broadcast, {v}, target, e.loc);
      v = emit(c, std::move(op));
    }
    return v;
  }

  Value* expr(Expr& e, const Ctx& c) {
    switch (e.kind) {
      case Expr::Kind::Int:
      case Expr::Kind::Float: {
        DType dt = e.type.dtype;
        return constant(c, dt, e.kind == Expr::Kind::Int && e.unit.empty() ? Attr::of_int(e.int_value)
                                                                          : Attr::of_float(number_of(e)),
                        e.loc);
      }
      case Expr::Kind::String: return constant(c, DType::Str, Attr::of_str(e.text), e.loc);
      case Expr::Kind::Bool: return constant(c, DType::Bool, Attr::of_bool(e.bool_value), e.loc);
      case Expr::Kind::List: {
        auto op = ir::make_op(OpId::Const, {}, e.type, e.loc);
        op->set_attr("value", constant_attr(e, Type::scalar(e.type.dtype)));
        return emit(c, std::move(op));
      }
      case Expr::Kind::Record: {
        std::vector<Value*> fields;
        for (const auto& a : e.args) fields.push_back(expr(*a.value, c));
        return emit(c, ir::make_op(OpId::Record, fields, e.type, e.loc));
      }
      case Expr::Kind::Name:
        if (e.param_index >= 0) return c.params.at(e.param_index);
        return value_of(*e.decl);
      case Expr::Kind::Member: {
        if (e.decl) return value_of(*e.decl);
        Value* base = expr(*e.lhs, c);
        auto op = ir::make_op(OpId::Field, {base}, e.type, e.loc);
        op->set_attr("name", Attr::of_str(e.text));
        return emit(c, std::move(op));
      }
      case Expr::Kind::Unary: {
        if (e.text == "-" && e.type.weak && e.type.is_scalar())
          return constant(c, e.type.dtype, is_float(e.type.dtype) ? Attr::of_float(number_of(e)) : Attr::of_int(-e.lhs->int_value), e.loc);
        Value* v = expr(*e.lhs, c);
        return emit(c, ir::make_op(e.text == "-" ? OpId::Neg : OpId::Not, {v}, e.type, e.loc));
      }
      case Expr::Kind::Binary: return binary(e, c);
      case Expr::Kind::Call: return call(e, c);
    }
    return nullptr;
  }

  // The type both operands of an elementwise op take: the result's dims with
  // the operands' common dtype.
  Type operand_type(Expr& e, const Type& lhs, const Type& rhs) {
    Type t = e.type;
    DType dt = lhs.weak ? rhs.dtype : lhs.dtype;
    if (lhs.weak && rhs.weak) dt = (is_float(lhs.dtype) || is_float(rhs.dtype)) ? DType::F64 : DType::I64;
    if (t.dtype != DType::Bool || lhs.dtype == DType::Bool) dt = t.dtype;
    t.dtype = dt;
    t.weak = false;
    return t;
  }

  Value* binary(Expr& e, const Ctx& c) {
    if (e.text == "@") {
      std::string over;
      for (const auto& d : e.lhs->type.dims)
        if (e.rhs->type.find_dim(d.name)) over = d.name;
      Value* l = expr(*e.lhs, c);
      Value* r = expr(*e.rhs, c);
      auto op = ir::make_op(OpId::MatMul, {l, r}, e.type, e.loc);
      op->set_attr("over", Attr::of_str(over));
      return emit(c, std::move(op));
    }
    Type ot = operand_type(e, e.lhs->type, e.rhs->type);
    if (is_textual(e.type.dtype)) {
      Value* l = expr(*e.lhs, c);
      Value* r = expr(*e.rhs, c);
      Type t = e.type;
      if (l->type.dtype != t.dtype) l = retype_text(l, t, c, e.loc);
      if (r->type.dtype != t.dtype) r = retype_text(r, t, c, e.loc);
      return emit(c, ir::make_op(OpId::Concat, {l, r}, t, e.loc));
    }
    Value* l = operand_as(*e.lhs, ot.dtype, ot, c);
    Value* r = operand_as(*e.rhs, ot.dtype, ot, c);
    Type rt = e.type;
    rt.weak = false;
    if (rt.dtype != DType::Bool) rt.dtype = ot.dtype;
    return emit(c, ir::make_op(binary_op(e.text), {l, r}, rt, e.loc));
  }

  // str and path concatenate to path: string literals are re-typed in place;
  // concat itself accepts a mix of str and path operands.
  Value* retype_text(Value* v, const Type& t, const Ctx& c, Loc) {
    if (v->def && v->def->id == OpId::Const && count_uses(*c.func, v) == 0) v->type.dtype = t.dtype;
    return v;
  }

  Value* call(Expr& e, const Ctx& c) {
    if (e.instance) return call_fn(e, c);
    if (!is_builtin_call(e)) return call_extern(e, c);
    return call_builtin(e, e.resolved, c);
  }

  bool is_builtin_call(const Expr& e) {
    for (const auto& b : builtin_names())
      if (b == e.resolved) return true;
    return false;
  }

  Value* call_fn(Expr& e, const Ctx& c) {
    FnInstance* inst = e.instance;
    Func* f = fn_func(*inst);
    std::vector<Value*> args;
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      Value* v = expr(*e.args[i].value, c);
      args.push_back(coerce(v, f->args[i]->type, c, e.args[i].value->loc));
    }
    auto op = ir::make_op(OpId::Call, args, inst->result, e.loc);
    op->set_attr("callee", Attr::of_str(f->name));
    return emit(c, std::move(op));
  }

  Func* fn_func(FnInstance& inst) {
    auto it = fn_funcs_.find(&inst);
    if (it != fn_funcs_.end()) return it->second;
    auto f = std::make_unique<Func>();
    f->name = inst.mangled;
    f->loc = inst.fn->name_loc;
    f->result = inst.result;
    Func* raw = f.get();
    fn_funcs_[&inst] = raw;
    Ctx inner{raw, {}};
    for (std::size_t i = 0; i < inst.arg_types.size(); ++i) {
      auto v = std::make_unique<Value>();
      v->name = inst.fn->params[i].name;
      v->type = inst.arg_types[i];
      v->type.weak = false;
      if (inst.arg_types[i].weak) v->type = Type::scalar(inst.arg_types[i].dtype);
      v->arg_of = raw;
      inner.params.push_back(v.get());
      raw->args.push_back(std::move(v));
    }
    module_->funcs.push_back(std::move(f));
    Value* r = expr(*inst.body, inner);
    emit(*raw, ir::make_op(OpId::Return, {r}, Type::invalid(), inst.body->loc));
    return raw;
  }

  void declare_extern(const Decl& d, const std::string& name) {
    if (module_->find_extern(name)) return;
    ir::Extern e;
    e.name = name;
    e.dim_vars = d.dim_vars;
    e.source = d.is_source;
    // Parameter types as written (dimension variables keep their names).
    for (const auto& p : d.params) e.params.emplace_back(p.name, param_type(d, p));
    if (d.type->kind == TypeExpr::Kind::Named && d.type->name == "annotated") {
      e.annotated = true;
    } else {
      e.result = d.resolved_type;
    }
    module_->externs.push_back(std::move(e));
  }
  Type param_type(const Decl& d, const Decl::ParamDecl& p) {
    // Re-resolve the parameter's written type: dimension variables keep their
    // names, other dimensions get no size.
    return resolve_plain(*p.type, d);
  }
  Type resolve_plain(const TypeExpr& t, const Decl& d) {
    switch (t.kind) {
      case TypeExpr::Kind::Tensor: {
        std::vector<Dim> dims;
        for (const auto& de : t.dims) {
          Dim dim{de.name, {}};
          if (de.size_kind == TypeExpr::DimExpr::SizeKind::Const) dim.size = Size::of(de.size);
          dims.push_back(dim);
        }
        return Type::tensor(*dtype_from_name(t.name), dims);
      }
      case TypeExpr::Kind::Record: {
        std::vector<Field> fs;
        for (const auto& f : t.fields) fs.push_back(Field{f.name, resolve_plain(*f.type, d)});
        return Type::record(fs);
      }
      case TypeExpr::Kind::List: return Type::list(*dtype_from_name(t.name));
      case TypeExpr::Kind::Opaque: return Type::opaque(t.name);
      case TypeExpr::Kind::Named: {
        for (const auto& other : d.module->decls) {
          if (other->kind == Decl::Kind::Type && other->name == t.name) {
            Type body = resolve_plain(*other->type, *other);
            std::map<std::string, std::string> rename;
            for (std::size_t i = 0; i < t.args.size() && i < other->dim_vars.size(); ++i)
              rename[other->dim_vars[i]] = t.args[i];
            std::function<void(Type&)> apply = [&](Type& ty) {
              for (auto& dim : ty.dims) {
                auto it = rename.find(dim.name);
                if (it != rename.end()) dim.name = it->second;
              }
              for (auto& f : ty.fields) apply(f.type);
            };
            apply(body);
            return body;
          }
        }
        return Type::invalid();
      }
    }
    return Type::invalid();
  }

  Value* call_extern(Expr& e, const Ctx& c) {
    // Find the declaration through the callee expression.
    const Decl* d = find_extern_decl(e);
    declare_extern(*d, e.resolved);
    const ir::Extern* ext = module_->find_extern(e.resolved);
    std::vector<Value*> args;
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      Expr& a = *e.args[i].value;
      Value* v = expr(a, c);
      const Type& want = ext->params[i].second;
      if (want.is_tensor() && v->type.is_tensor() && v->type.dtype != want.dtype) {
        if (is_textual(want.dtype) && is_textual(v->type.dtype)) {
          if (v->def && v->def->id == OpId::Const) v->type.dtype = want.dtype;
        } else if (v->def && v->def->id == OpId::Const) {
          v->type.dtype = want.dtype;
          const Attr* av = v->def->attr("value");
          if (av && av->kind == Attr::Kind::Int && is_float(want.dtype))
            v->def->set_attr("value", Attr::of_float(static_cast<double>(av->i)));
        }
      }
      args.push_back(v);
    }
    auto op = ir::make_op(OpId::Runtime, args, e.type, e.loc);
    op->set_attr("callee", Attr::of_str(e.resolved));
    return emit(c, std::move(op));
  }

  const Decl* find_extern_decl(const Expr& e) {
    const std::string& q = e.resolved;
    for (auto& m : prog_.modules)
      for (auto& d : m->decls)
        if (d->kind == Decl::Kind::Extern && (m->name.empty() ? d->name : m->name + "." + d->name) == q)
          return d.get();
    return nullptr;
  }

  Value* call_builtin(Expr& e, const std::string& name, const Ctx& c) {
    std::vector<Expr*> pos;
    std::map<std::string, Expr*> named;
    std::vector<std::pair<std::string, Expr*>> named_order;
    for (auto& a : e.args) {
      if (a.name.empty()) {
        pos.push_back(a.value.get());
      } else {
        named[a.name] = a.value.get();
        named_order.emplace_back(a.name, a.value.get());
      }
    }
    Type rt = e.type;
    rt.weak = false;
    static const std::set<std::string> unary = {"exp", "log", "sqrt", "sin", "cos", "tanh", "floor",
                                                "ceil", "round", "abs", "sign", "isnan"};
    if (unary.count(name)) {
      DType dt = name == "isnan" ? pos[0]->type.dtype : rt.dtype;
      if (pos[0]->type.weak) dt = is_float(rt.dtype) ? rt.dtype : DType::F64;
      Type shape = pos[0]->type;
      shape.dtype = dt;
      Value* v = operand_as(*pos[0], dt, shape, c);
      return emit(c, ir::make_op(unary_math_op(name), {v}, rt, e.loc));
    }
    if ((name == "min" || name == "max") && !named.count("over")) {
      Type ot = rt;
      Value* l = operand_as(*pos[0], ot.dtype, ot, c);
      Value* r = operand_as(*pos[1], ot.dtype, ot, c);
      return emit(c, ir::make_op(name == "min" ? OpId::Min : OpId::Max, {l, r}, rt, e.loc));
    }
    static const std::map<std::string, OpId> reductions = {
        {"sum", OpId::ReduceSum}, {"mean", OpId::ReduceMean}, {"var", OpId::ReduceVar}, {"std", OpId::ReduceVar},
        {"max", OpId::ReduceMax}, {"min", OpId::ReduceMin},   {"argmax", OpId::ArgMax}, {"argmin", OpId::ArgMin}};
    if (reductions.count(name)) {
      Value* x = expr(*pos[0], c);
      std::string over = named["over"]->text;
      if (named.count("by")) {
        Value* ids = expr(*named["by"], c);
        auto op = ir::make_op(name == "sum" ? OpId::SegmentSum : OpId::SegmentMean, {x, ids}, rt, e.loc);
        op->set_attr("over", Attr::of_str(over));
        op->set_attr("into", Attr::of_str(named["into"]->text));
        return emit(c, std::move(op));
      }
      Type vt = rt;
      auto op = ir::make_op(reductions.at(name), {x}, vt, e.loc);
      op->set_attr("over", Attr::of_str(over));
      Value* v = emit(c, std::move(op));
      if (name == "std") v = emit(c, ir::make_op(OpId::Sqrt, {v}, rt, e.loc));
      return v;
    }
    if (name == "where") {
      Type vt = rt;
      Type ct = rt;
      ct.dtype = DType::Bool;
      Value* cond = operand_as(*pos[0], DType::Bool, ct, c);
      Value* a = operand_as(*pos[1], vt.dtype, vt, c);
      Value* b = operand_as(*pos[2], vt.dtype, vt, c);
      return emit(c, ir::make_op(OpId::Select, {cond, a, b}, rt, e.loc));
    }
    if (name == "cast") {
      Value* x = expr(*pos[0], c);
      auto op = ir::make_op(OpId::Cast, {x}, rt, e.loc);
      op->set_attr("to", Attr::of_str(pos[1]->text));
      return emit(c, std::move(op));
    }
    if (name == "matmul") {
      Value* l = expr(*pos[0], c);
      Value* r = expr(*pos[1], c);
      auto op = ir::make_op(OpId::MatMul, {l, r}, rt, e.loc);
      op->set_attr("over", Attr::of_str(named["over"]->text));
      return emit(c, std::move(op));
    }
    if (name == "compress") {
      Value* x = expr(*pos[0], c);
      Value* m = expr(*pos[1], c);
      auto op = ir::make_op(OpId::Compress, {x, m}, rt, e.loc);
      op->set_attr("along", Attr::of_str(pos[1]->type.dims[0].name));
      return emit(c, std::move(op));
    }
    if (name == "take") {
      Value* x = expr(*pos[0], c);
      Value* idx = expr(*pos[1], c);
      auto op = ir::make_op(OpId::Take, {x, idx}, rt, e.loc);
      op->set_attr("along", Attr::of_str(named["along"]->text));
      return emit(c, std::move(op));
    }
    if (name == "shift") {
      Value* x = expr(*pos[0], c);
      auto op = ir::make_op(OpId::Shift, {x}, rt, e.loc);
      op->set_attr("by", Attr::of_int(static_cast<std::int64_t>(number_of(*named["by"]))));
      op->set_attr("along", Attr::of_str(named["along"]->text));
      return emit(c, std::move(op));
    }
    if (name == "rename") {
      Value* x = expr(*pos[0], c);
      std::vector<Attr> from, to;
      for (auto& [old_name, ex] : named_order) {
        from.push_back(Attr::of_str(old_name));
        to.push_back(Attr::of_str(ex->text));
      }
      auto op = ir::make_op(OpId::Rename, {x}, rt, e.loc);
      op->set_attr("from", Attr::of_list(from));
      op->set_attr("to", Attr::of_list(to));
      return emit(c, std::move(op));
    }
    if (name == "logspace" || name == "linspace") {
      auto op = ir::make_op(name == "logspace" ? OpId::Logspace : OpId::Linspace, {}, rt, e.loc);
      op->set_attr("start", Attr::of_float(number_of(*pos[0])));
      op->set_attr("stop", Attr::of_float(number_of(*pos[1])));
      op->set_attr("num", Attr::of_int(pos[2]->int_value));
      return emit(c, std::move(op));
    }
    B2M_ICE("lowering: unhandled built-in '" + name + "'");
  }

  Program& prog_;
  DiagnosticEngine& diags_;
  std::unique_ptr<ir::Module> module_;
  Func* main_ = nullptr;
  std::map<const Decl*, Value*> decl_values_;
  std::map<const FnInstance*, Func*> fn_funcs_;
};

}  // namespace

std::unique_ptr<ir::Module> lower_to_ir(Program& program, DiagnosticEngine& diags) {
  Lowering l(program, diags);
  return l.run();
}

}  // namespace b2m
