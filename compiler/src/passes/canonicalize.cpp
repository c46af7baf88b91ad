// canonicalize: local rewrites to a simpler, canonical form.
//  - constant folding of scalar ops whose operands are constants;
//  - algebraic identities: x+0, x-0, x*1, x/1, x**1 -> x; x**2 -> x*x;
//    neg(neg(x)), not(not(x)) -> x; cast to the same dtype, broadcast or
//    rename that changes nothing -> the operand; select on a constant condition;
//  - constants move to the right of commutative ops (so CSE sees a+1 == 1+a).
// Identities that are not exact in IEEE arithmetic (x*0 -> 0, x-x -> 0) are
// not applied: they change results for NaN and infinities.
#include <cmath>
#include <optional>
#include <set>

#include "b2m/passes/pass.h"

namespace b2m::passes {

namespace {

// The value of a constant, seen through broadcasts of it.
std::optional<ir::Attr> splat(const ir::Value* v) {
  while (v->def && v->def->id == OpId::Broadcast) v = v->def->operands[0];
  if (!v->def || v->def->id != OpId::Const || !v->type.is_scalar()) return std::nullopt;
  const ir::Attr* a = v->def->attr("value");
  if (!a || a->kind == ir::Attr::Kind::List || a->kind == ir::Attr::Kind::Str) return std::nullopt;
  return *a;
}

bool is_splat_number(const ir::Value* v, double x) {
  auto a = splat(v);
  return a && a->is_number() && a->as_number() == x;
}

// Rounds a folded value to the precision of the result dtype.
ir::Attr number_attr(double v, DType dt) {
  if (is_int(dt)) return ir::Attr::of_int(static_cast<std::int64_t>(v));
  if (dt == DType::F32) return ir::Attr::of_float(static_cast<double>(static_cast<float>(v)));
  return ir::Attr::of_float(v);
}

std::optional<ir::Attr> fold(const ir::Op& op) {
  if (!op.result || !op.result->type.is_scalar()) return std::nullopt;
  DType dt = op.result->type.dtype;
  std::vector<ir::Attr> in;
  for (const auto* v : op.operands) {
    if (!v->def || v->def->id != OpId::Const) return std::nullopt;
    const ir::Attr* a = v->def->attr("value");
    if (!a || a->kind == ir::Attr::Kind::List || a->kind == ir::Attr::Kind::Str) return std::nullopt;
    in.push_back(*a);
  }
  if (in.empty()) return std::nullopt;
  bool all_bool = true;
  for (const auto& a : in) all_bool = all_bool && a.kind == ir::Attr::Kind::Bool;
  if (all_bool) {
    switch (op.id) {
      case OpId::Not: return ir::Attr::of_bool(!in[0].b);
      case OpId::And: return ir::Attr::of_bool(in[0].b && in[1].b);
      case OpId::Or: return ir::Attr::of_bool(in[0].b || in[1].b);
      case OpId::Eq: return ir::Attr::of_bool(in[0].b == in[1].b);
      case OpId::Ne: return ir::Attr::of_bool(in[0].b != in[1].b);
      default: return std::nullopt;
    }
  }
  for (const auto& a : in)
    if (!a.is_number()) return std::nullopt;
  bool ints = is_int(op.operands[0]->type.dtype);
  double x = in[0].as_number();
  double y = in.size() > 1 ? in[1].as_number() : 0;
  switch (op.id) {
    case OpId::Neg: return number_attr(-x, dt);
    case OpId::Abs: return number_attr(std::fabs(x), dt);
    case OpId::Sign: return number_attr(x > 0 ? 1 : x < 0 ? -1 : 0, dt);
    case OpId::Exp: return number_attr(std::exp(x), dt);
    case OpId::Log: return number_attr(std::log(x), dt);
    case OpId::Sqrt: return number_attr(std::sqrt(x), dt);
    case OpId::Sin: return number_attr(std::sin(x), dt);
    case OpId::Cos: return number_attr(std::cos(x), dt);
    case OpId::Tanh: return number_attr(std::tanh(x), dt);
    case OpId::Floor: return number_attr(std::floor(x), dt);
    case OpId::Ceil: return number_attr(std::ceil(x), dt);
    case OpId::Round: return number_attr(std::round(x), dt);
    case OpId::Cast:
      if (dt == DType::Bool) return ir::Attr::of_bool(x != 0);
      return number_attr(x, dt);
    case OpId::Add: return number_attr(x + y, dt);
    case OpId::Sub: return number_attr(x - y, dt);
    case OpId::Mul: return number_attr(x * y, dt);
    // Integer division floors and % takes the divisor's sign (numpy's
    // semantics), exactly as the code generators do.
    case OpId::Div:
      if (ints) {
        if (in[1].i == 0 || in[1].i == -1) return std::nullopt;  // left to the runtime
        std::int64_t q = in[0].i / in[1].i, r = in[0].i % in[1].i;
        return ir::Attr::of_int(q - ((r != 0 && ((r < 0) != (in[1].i < 0))) ? 1 : 0));
      }
      return number_attr(x / y, dt);
    case OpId::Mod:
      if (ints) {
        if (in[1].i == 0 || in[1].i == -1) return std::nullopt;
        std::int64_t r = in[0].i % in[1].i;
        return ir::Attr::of_int((r != 0 && ((r < 0) != (in[1].i < 0))) ? r + in[1].i : r);
      }
      {
        double r = std::fmod(x, y);
        return number_attr((r != 0 && ((r < 0) != (y < 0))) ? r + y : r, dt);
      }
    case OpId::Pow: return number_attr(std::pow(x, y), dt);
    case OpId::Min: return number_attr(std::fmin(x, y), dt);
    case OpId::Max: return number_attr(std::fmax(x, y), dt);
    case OpId::Eq: return ir::Attr::of_bool(x == y);
    case OpId::Ne: return ir::Attr::of_bool(x != y);
    case OpId::Lt: return ir::Attr::of_bool(x < y);
    case OpId::Le: return ir::Attr::of_bool(x <= y);
    case OpId::Gt: return ir::Attr::of_bool(x > y);
    case OpId::Ge: return ir::Attr::of_bool(x >= y);
    default: return std::nullopt;
  }
}

class CanonicalizePass : public Pass {
 public:
  const char* name() const override { return "canonicalize"; }
  const char* description() const override { return "fold constants and simplify algebraic identities"; }

  bool run(ir::Module& m, DiagnosticEngine&) override {
    bool changed = false;
    for (auto& f : m.funcs) {
      // Dead ops are left to dce; rewriting them would only churn.
      used_.clear();
      for (const auto& op : f->body)
        for (const auto* v : op->operands) used_.insert(v);
      for (std::size_t i = 0; i < f->body.size(); ++i) changed |= rewrite(*f, i);
    }
    return changed;
  }

 private:
  // Replaces op i's result with `v` (which has the same type).
  bool replace(ir::Func& f, std::size_t i, ir::Value* v) {
    ir::Value* old = f.body[i]->result.get();
    if (!v->type.same_layout(old->type)) return false;
    if (v->name.empty() && !old->name.empty()) v->name = old->name;
    ir::replace_uses(f, old, v, i + 1);
    used_.insert(v);
    used_.erase(old);
    return true;
  }

  bool rewrite(ir::Func& f, std::size_t i) {
    ir::Op& op = *f.body[i];
    if (!op.result || !used_.count(op.result.get())) return false;
    if (auto folded = fold(op)) {
      auto c = ir::make_op(OpId::Const, {}, op.result->type, op.loc);
      c->set_attr("value", *folded);
      c->parent = &f;
      c->result->name = op.result->name;
      ir::Value* nv = c->result.get();
      ir::Value* old = op.result.get();
      f.body.insert(f.body.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(c));
      ir::replace_uses(f, old, nv, i + 2);
      old->name.clear();
      used_.erase(old);
      used_.insert(nv);
      return true;
    }
    auto& ops = op.operands;
    switch (op.id) {
      case OpId::Add: case OpId::Mul: case OpId::Min: case OpId::Max: case OpId::And: case OpId::Or:
      case OpId::Eq: case OpId::Ne:
        if (splat(ops[0]) && !splat(ops[1])) {
          std::swap(ops[0], ops[1]);
          rewrite(f, i);
          return true;
        }
        break;
      default: break;
    }
    switch (op.id) {
      case OpId::Add:
      case OpId::Sub:
        if (is_splat_number(ops[1], 0)) return replace(f, i, ops[0]);
        break;
      case OpId::Mul:
      case OpId::Div:
        if (is_splat_number(ops[1], 1)) return replace(f, i, ops[0]);
        break;
      case OpId::Pow:
        if (is_splat_number(ops[1], 1)) return replace(f, i, ops[0]);
        if (is_splat_number(ops[1], 2)) {
          op.id = OpId::Mul;
          ops[1] = ops[0];
          return true;
        }
        break;
      case OpId::Neg:
      case OpId::Not:
        if (ops[0]->def && ops[0]->def->id == op.id) return replace(f, i, ops[0]->def->operands[0]);
        break;
      case OpId::Cast:
        if (ops[0]->type.dtype == op.result->type.dtype) return replace(f, i, ops[0]);
        break;
      case OpId::Broadcast:
        if (ops[0]->type.same_layout(op.result->type)) return replace(f, i, ops[0]);
        break;
      case OpId::Rename: {
        const ir::Attr* from = op.attr("from");
        const ir::Attr* to = op.attr("to");
        if (from && to && from->list == to->list) return replace(f, i, ops[0]);
        if (ops[0]->def && ops[0]->def->id == OpId::Rename && ops[0]->def->operands[0]->type.same_layout(op.result->type))
          return replace(f, i, ops[0]->def->operands[0]);
        break;
      }
      case OpId::Select: {
        auto c = splat(ops[0]);
        if (c && c->kind == ir::Attr::Kind::Bool) return replace(f, i, c->b ? ops[1] : ops[2]);
        if (ops[1] == ops[2]) return replace(f, i, ops[1]);
        break;
      }
      default: break;
    }
    return false;
  }

  std::set<const ir::Value*> used_;
};

}  // namespace

std::unique_ptr<Pass> make_canonicalize_pass() { return std::make_unique<CanonicalizePass>(); }

}  // namespace b2m::passes
