#include "b2m/ir/verifier.h"

#include <set>

#include "b2m/core/signature.h"
#include "b2m/ir/printer.h"

namespace b2m::ir {

namespace {

bool sizes_compatible(const Type& a, const Type& b) {
  if (a.kind == Type::Kind::Record && b.kind == Type::Kind::Record) {
    if (a.fields.size() != b.fields.size()) return false;
    for (std::size_t i = 0; i < a.fields.size(); ++i)
      if (!sizes_compatible(a.fields[i].type, b.fields[i].type)) return false;
    return true;
  }
  if (!a.is_tensor() || !b.is_tensor() || a.rank() != b.rank()) return true;
  for (std::size_t i = 0; i < a.rank(); ++i)
    if (a.dims[i].size.is_const() && b.dims[i].size.is_const() && a.dims[i].size.constant != b.dims[i].size.constant)
      return false;
  return true;
}

// Same structure: tensors of equal dtype and dim names in order; records by
// field; sizes compared only when both are constants.
bool layout_matches(const Type& a, const Type& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == Type::Kind::Record) {
    if (a.fields.size() != b.fields.size()) return false;
    for (std::size_t i = 0; i < a.fields.size(); ++i)
      if (a.fields[i].name != b.fields[i].name || !layout_matches(a.fields[i].type, b.fields[i].type)) return false;
    return true;
  }
  if (a.kind != Type::Kind::Tensor) return a == b;
  return a.same_layout(b) && sizes_compatible(a, b);
}

Type without_dim(Type t, const std::string& d) {
  int i = t.dim_index(d);
  if (i >= 0) t.dims.erase(t.dims.begin() + i);
  return t;
}

}  // namespace

Type expected_result(const Op& op, const Module& m, std::string* why) {
  auto fail = [&](std::string s) {
    if (why) *why = std::move(s);
    return Type::invalid();
  };
  const OpInfo& info = op.info();
  auto operand = [&](std::size_t i) -> const Type& { return op.operands[i]->type; };
  for (std::size_t i = 0; i < op.operands.size(); ++i) {
    const Type& t = operand(i);
    if ((info.flags & OpFlags::Float) && (!t.is_tensor() || !is_float(t.dtype)) &&
        !(op.id == OpId::SegmentMean && i == 1))
      return fail("operand " + std::to_string(i) + " must be a floating-point tensor, got " + t.str());
  }
  // Elementwise ops with several operands need identical layouts (lowering
  // inserts explicit broadcasts).
  if (info.fusion == FusionKind::Elementwise && op.operands.size() >= 2 && op.id != OpId::Concat) {
    std::size_t first = op.id == OpId::Select ? 1 : 0;
    for (std::size_t i = first + 1; i < op.operands.size(); ++i)
      if (!layout_matches(operand(first), operand(i)))
        return fail("operands must have the same type, got " + operand(first).str() + " and " + operand(i).str());
    if (op.id == OpId::Select) {
      Type c = operand(0);
      if (c.dtype != DType::Bool) return fail("select's condition must be bool, got " + c.str());
      c.dtype = operand(1).dtype;
      if (!layout_matches(c, operand(1))) return fail("select's condition must have the values' dimensions");
    }
  }
  switch (info.rule) {
    case TypeRule::None: return Type::invalid();
    case TypeRule::SameAsFirst: {
      const Type& t = operand(0);
      if (op.id == OpId::Not || op.id == OpId::And || op.id == OpId::Or) {
        if (t.dtype != DType::Bool) return fail("operands must be bool, got " + t.str());
      } else if (op.id == OpId::Concat) {
        const Type& u = operand(1);
        if (!t.is_scalar() || !u.is_scalar() || !is_textual(t.dtype) || !is_textual(u.dtype))
          return fail("concat needs str or path operands, got " + t.str() + " and " + u.str());
        if (u.dtype == DType::Path) return u;
      } else if (!t.is_tensor() || !is_numeric(t.dtype)) {
        return fail("operands must be numeric tensors, got " + t.str());
      }
      if (op.id == OpId::Shift) {
        const Attr* by = op.attr("by");
        std::string along = op.attr_str("along");
        if (!by || by->kind != Attr::Kind::Int) return fail("shift needs an integer attribute 'by'");
        if (t.dim_index(along) < 0) return fail("shift along '" + along + "', which " + t.str() + " does not have");
      }
      return t;
    }
    case TypeRule::SameAsSecond: return operand(1);
    case TypeRule::BoolOfFirst: {
      Type t = operand(0);
      if (!t.is_tensor() || is_textual(t.dtype)) return fail("operands must be tensors, got " + t.str());
      t.dtype = DType::Bool;
      return t;
    }
    case TypeRule::CastTo: {
      Type t = operand(0);
      auto dt = dtype_from_name(op.attr_str("to"));
      if (!dt || is_textual(*dt)) return fail("cast needs attribute 'to' naming a numeric dtype");
      t.dtype = *dt;
      return t;
    }
    case TypeRule::ReduceOver:
    case TypeRule::ArgReduceOver: {
      std::string over = op.attr_str("over");
      if (operand(0).dim_index(over) < 0)
        return fail("reduction over '" + over + "', which " + operand(0).str() + " does not have");
      Type t = without_dim(operand(0), over);
      if (info.rule == TypeRule::ArgReduceOver) t.dtype = DType::I64;
      return t;
    }
    case TypeRule::Contract: {
      std::string over = op.attr_str("over");
      const Type& a = operand(0);
      const Type& b = operand(1);
      if (a.dim_index(over) < 0 || b.dim_index(over) < 0)
        return fail("matmul over '" + over + "', which both operands must have");
      if (a.dtype != b.dtype || !is_float(a.dtype)) return fail("matmul operands must share a float dtype");
      Type t = without_dim(a, over);
      for (const auto& d : without_dim(b, over).dims) {
        if (t.find_dim(d.name)) return fail("both matmul operands have dimension '" + d.name + "'");
        t.dims.push_back(d);
      }
      return t;
    }
    case TypeRule::Given: break;
  }
  // Ops whose result type is given in the text, checked op by op.
  const Type& r = op.result ? op.result->type : Type{};
  switch (op.id) {
    case OpId::Const: {
      const Attr* v = op.attr("value");
      if (!v) return fail("const needs a 'value' attribute");
      if (r.kind == Type::Kind::List) {
        if (v->kind != Attr::Kind::List) return fail("a list const needs a list value");
        return r;
      }
      if (!r.is_scalar()) return fail("const produces a scalar or a list, not " + r.str());
      bool ok = (v->kind == Attr::Kind::Bool && r.dtype == DType::Bool) ||
                (v->kind == Attr::Kind::Str && is_textual(r.dtype)) ||
                (v->kind == Attr::Kind::Int && is_numeric(r.dtype)) ||
                (v->kind == Attr::Kind::Float && is_float(r.dtype));
      if (!ok) return fail("const value " + v->str() + " does not fit type " + r.str());
      return r;
    }
    case OpId::Linspace:
    case OpId::Logspace: {
      const Attr* start = op.attr("start");
      const Attr* stop = op.attr("stop");
      const Attr* num = op.attr("num");
      if (!start || !stop || !num || !start->is_number() || !stop->is_number() || num->kind != Attr::Kind::Int)
        return fail(std::string(op.name()) + " needs numeric 'start', 'stop' and integer 'num' attributes");
      if (!r.is_tensor() || r.rank() != 1 || !is_float(r.dtype) || !r.dims[0].size.is_const() ||
          r.dims[0].size.constant != num->i)
        return fail(std::string(op.name()) + " produces a 1-D float tensor of " + std::to_string(num->i) +
                    " elements, not " + r.str());
      return r;
    }
    case OpId::Param: {
      if (op.attr_str("name").empty()) return fail("param needs a 'name' attribute");
      bool ok = (r.is_tensor() && r.rank() <= 1) || r.kind == Type::Kind::List;
      if (!ok) return fail("a param is a scalar, 1-D tensor or list, not " + r.str());
      return r;
    }
    case OpId::Broadcast: {
      const Type& a = operand(0);
      if (!a.is_tensor() || !r.is_tensor() || a.dtype != r.dtype) return fail("broadcast keeps the dtype");
      for (const auto& d : a.dims) {
        const Dim* rd = r.find_dim(d.name);
        if (!rd) return fail("broadcast result " + r.str() + " lacks operand dimension '" + d.name + "'");
        if (rd->size.is_const() && d.size.is_const() && rd->size.constant != d.size.constant)
          return fail("broadcast changes the size of dimension '" + d.name + "'");
      }
      return r;
    }
    case OpId::Rename: {
      const Attr* from = op.attr("from");
      const Attr* to = op.attr("to");
      if (!from || !to || from->kind != Attr::Kind::List || to->kind != Attr::Kind::List ||
          from->list.size() != to->list.size())
        return fail("rename needs lists 'from' and 'to' of equal length");
      Type t = operand(0);
      for (std::size_t i = 0; i < from->list.size(); ++i) {
        int k = t.dim_index(from->list[i].s);
        if (k < 0) return fail("rename of '" + from->list[i].s + "', which " + t.str() + " does not have");
        t.dims[k].name = to->list[i].s;
      }
      return t;
    }
    case OpId::SegmentSum:
    case OpId::SegmentMean: {
      std::string over = op.attr_str("over");
      std::string into = op.attr_str("into");
      const Type& ids = operand(1);
      if (operand(0).dim_index(over) < 0) return fail("segment reduction over a missing dimension '" + over + "'");
      if (!ids.is_tensor() || !is_int(ids.dtype) || ids.rank() != 1 || ids.dims[0].name != over)
        return fail("group ids must be an integer tensor over '" + over + "', got " + ids.str());
      Type t = operand(0);
      int k = t.dim_index(over);
      t.dims[k].name = into;
      if (r.is_tensor() && r.rank() == t.rank()) t.dims[k].size = r.dims[k].size;
      return t;
    }
    case OpId::Compress: {
      std::string along = op.attr_str("along");
      const Type& mask = operand(1);
      if (operand(0).dim_index(along) < 0) return fail("compress along a missing dimension '" + along + "'");
      if (!mask.is_tensor() || mask.dtype != DType::Bool || mask.rank() != 1 || mask.dims[0].name != along)
        return fail("the mask must be bool[" + along + "], got " + mask.str());
      Type t = operand(0);
      int k = t.dim_index(along);
      if (r.is_tensor() && r.rank() == t.rank()) t.dims[k].size = r.dims[k].size;
      return t;
    }
    case OpId::Take: {
      std::string along = op.attr_str("along");
      const Type& idx = operand(1);
      if (operand(0).dim_index(along) < 0) return fail("take along a missing dimension '" + along + "'");
      if (!idx.is_tensor() || !is_int(idx.dtype) || idx.rank() == 0)
        return fail("take's index must be an integer tensor, got " + idx.str());
      Type t = operand(0);
      int k = t.dim_index(along);
      t.dims.erase(t.dims.begin() + k);
      t.dims.insert(t.dims.begin() + k, idx.dims.begin(), idx.dims.end());
      return t;
    }
    case OpId::Record: {
      const Type& t = op.result->type;
      if (!t.is_record() || t.fields.size() != op.operands.size())
        return fail("record's type must be a record with one field per operand, got " + t.str());
      for (std::size_t i = 0; i < t.fields.size(); ++i)
        if (!(t.fields[i].type == operand(i)))
          return fail("record field '" + t.fields[i].name + "' is " + t.fields[i].type.str() + " but its operand is " +
                      operand(i).str());
      return t;
    }
    case OpId::Field: {
      const Type& rec = operand(0);
      if (!rec.is_record()) return fail("field of a non-record " + rec.str());
      const Field* f = rec.find_field(op.attr_str("name"));
      if (!f) return fail("record " + rec.str() + " has no field '" + op.attr_str("name") + "'");
      return f->type;
    }
    case OpId::Runtime: {
      const Extern* e = m.find_extern(op.attr_str("callee"));
      if (!e) return fail("runtime call to undeclared extern @" + op.attr_str("callee"));
      if (e->params.size() != op.operands.size())
        return fail("@" + e->name + " takes " + std::to_string(e->params.size()) + " operands, got " +
                    std::to_string(op.operands.size()));
      std::set<std::string> vars(e->dim_vars.begin(), e->dim_vars.end());
      DimBindings b;
      for (std::size_t i = 0; i < e->params.size(); ++i) {
        std::string w;
        if (!match_type(e->params[i].second, operand(i), vars, b, &w))
          return fail("operand " + std::to_string(i) + " ('" + e->params[i].first + "') of @" + e->name + ": " + w);
      }
      if (e->annotated) return r;
      SizeSymbols scratch;
      return substitute(e->result, vars, b, scratch);
    }
    case OpId::Call:
    case OpId::Fused: {
      Func* f = m.find_func(op.attr_str("callee"));
      if (!f) return fail("call to undefined function @" + op.attr_str("callee"));
      if (f->args.size() != op.operands.size())
        return fail("@" + f->name + " takes " + std::to_string(f->args.size()) + " operands, got " +
                    std::to_string(op.operands.size()));
      for (std::size_t i = 0; i < f->args.size(); ++i)
        if (!layout_matches(f->args[i]->type, operand(i)))
          return fail("operand " + std::to_string(i) + " of call to @" + f->name + " must be " +
                      f->args[i]->type.str() + ", got " + operand(i).str());
      if (op.id == OpId::Fused && op.attr_str("kind") == "tiled") {
        // What the executor's tiled schedule reads (docs/ir.md, "Tiled
        // schedules"): hand-written IR gets these errors, not internal ones.
        for (const char* name : {"rows", "groups", "inner"})
          if (!op.attr(name) || op.attr(name)->kind != Attr::Kind::Str)
            return fail(std::string("a tiled chain needs a string attribute '") + name + "'");
        auto operand_index = [&](const char* name, bool required) -> std::string {
          const Attr* a = op.attr(name);
          if (!a) return required ? std::string("a tiled chain needs an integer attribute '") + name + "'" : "";
          if (a->kind != Attr::Kind::Int || a->i < (required ? 0 : -1) ||
              a->i >= static_cast<std::int64_t>(op.operands.size()))
            return std::string("attribute '") + name + "' of a tiled chain must be the index of one of its " +
                   std::to_string(op.operands.size()) + " operands";
          return "";
        };
        for (const auto& [name, required] : {std::pair{"ids", true}, std::pair{"mask", false}})
          if (std::string w = operand_index(name, required); !w.empty()) return fail(w);
        const Type& ids = operand(static_cast<std::size_t>(op.attr("ids")->i));
        if (!ids.is_tensor() || ids.rank() != 1 || !is_int(ids.dtype) || ids.dims[0].name != op.attr_str("rows"))
          return fail("the ids of a tiled chain must be a 1-D integer tensor over '" + op.attr_str("rows") + "', got " +
                      ids.str());
        if (const Attr* mk = op.attr("mask"); mk && mk->i >= 0) {
          const Type& mt = operand(static_cast<std::size_t>(mk->i));
          if (!mt.is_tensor() || mt.rank() != 1 || mt.dtype != DType::Bool || mt.dims[0].name != op.attr_str("inner"))
            return fail("the mask of a tiled chain must be a 1-D bool tensor over '" + op.attr_str("inner") +
                        "', got " + mt.str());
        }
        if (const Attr* d = op.attr("delay"); d && d->kind != Attr::Kind::Int)
          return fail("attribute 'delay' of a tiled chain must be an integer");
      }
      return f->result;
    }
    default: return r;
  }
}

bool verify(const Module& m, DiagnosticEngine& diags) {
  std::size_t before = diags.num_errors();
  std::set<std::string> names;
  for (const auto& f : m.funcs) {
    std::set<const Value*> defined;
    for (const auto& a : f->args) defined.insert(a.get());
    if (f->body.empty() || f->body.back()->id != OpId::Return) {
      diags.error(f->loc, "function @" + f->name + " must end with a return");
    }
    for (std::size_t i = 0; i < f->body.size(); ++i) {
      const Op& op = *f->body[i];
      auto err = [&](const std::string& msg) { diags.error(op.loc, "'" + std::string(op.name()) + "' op " + msg); };
      const OpInfo& info = op.info();
      if (info.arity >= 0 && op.operands.size() != static_cast<std::size_t>(info.arity)) {
        err("takes " + std::to_string(info.arity) + " operand(s), got " + std::to_string(op.operands.size()));
        continue;
      }
      bool operands_ok = true;
      for (const Value* v : op.operands) {
        if (!defined.count(v)) {
          err("uses a value that is not defined before it (the graph must be acyclic, in SSA order)");
          operands_ok = false;
        }
      }
      if (!operands_ok) continue;
      if ((info.flags & OpFlags::Terminator) && i + 1 != f->body.size()) err("must be the last op of its function");
      if (op.id == OpId::Return) {
        std::size_t want = f->result.is_valid() ? 1 : 0;
        if (op.operands.size() != want) {
          err("returns " + std::to_string(op.operands.size()) + " value(s), but @" + f->name + " returns " +
              std::to_string(want));
        } else if (want && !layout_matches(f->result, op.operands[0]->type)) {
          err("returns " + op.operands[0]->type.str() + ", but @" + f->name + " returns " + f->result.str());
        }
      }
      if (op.id == OpId::Output && op.attr_str("path").empty()) err("needs a 'path' attribute");
      bool has_result = op.result != nullptr;
      bool wants_result = info.rule != TypeRule::None;
      if (has_result != wants_result) {
        err(wants_result ? "must produce a value" : "produces no value");
      } else if (wants_result) {
        std::string why;
        Type want = expected_result(op, m, &why);
        if (!want.is_valid()) {
          err(why);
        } else if (!layout_matches(want, op.result->type)) {
          err("result type " + op.result->type.str() + " does not match the expected " + want.str());
        }
        defined.insert(op.result.get());
      }
    }
  }
  for (const auto& f : m.funcs) {
    if (!names.insert(f->name).second) diags.error(f->loc, "duplicate function @" + f->name);
  }
  return diags.num_errors() == before;
}

}  // namespace b2m::ir
