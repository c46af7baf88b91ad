// shape-infer: unifies symbolic dimension sizes. Every op states which of its
// dimensions must have equal sizes (operands of an add, the contracted dims of
// a matmul, a runtime op's arguments bound to one dimension variable...). The
// pass solves these equalities with union-find, reports conflicting constants
// as errors at the op (with where each side came from), and rewrites every
// type so that equal sizes share one symbol, or the constant when known.
#include <map>
#include <set>

#include "b2m/core/signature.h"
#include "b2m/ir/printer.h"
#include "b2m/passes/pass.h"

namespace b2m::passes {

namespace {

class SizeUnifier {
 public:
  // Returns false on a conflict between two different constants.
  bool unite(const Size& a, const Size& b) {
    std::string ka = key(a), kb = key(b);
    if (ka.empty() || kb.empty()) return true;
    std::string ra = find(ka), rb = find(kb);
    if (ra == rb) return true;
    bool ca = ra[0] == '#', cb = rb[0] == '#';
    if (ca && cb) return false;
    // Constants win; otherwise the symbol seen first stays.
    if (cb || (!ca && order_[rb] < order_[ra])) std::swap(ra, rb);
    parent_[rb] = ra;
    return true;
  }
  Size resolve(const Size& s) {
    std::string k = key(s);
    if (k.empty()) return s;
    std::string r = find(k);
    if (r[0] == '#') return Size::of(std::stoll(r.substr(1)));
    return Size::sym(r);
  }
  void see(const Size& s) { key(s); }

 private:
  std::string key(const Size& s) {
    std::string k = s.is_const() ? "#" + std::to_string(s.constant) : s.symbol;
    if (k.empty() || k == "?") return {};
    if (!parent_.count(k)) {
      parent_[k] = k;
      order_[k] = next_++;
    }
    return k;
  }
  std::string find(std::string k) {
    while (parent_[k] != k) {
      parent_[k] = parent_[parent_[k]];
      k = parent_[k];
    }
    return k;
  }
  std::map<std::string, std::string> parent_;
  std::map<std::string, int> order_;
  int next_ = 0;
};

class ShapeInferPass : public Pass {
 public:
  const char* name() const override { return "shape-infer"; }
  const char* description() const override { return "unify symbolic dimension sizes and check constant ones"; }

  bool run(ir::Module& m, DiagnosticEngine& diags) override {
    diags_ = &diags;
    // Register symbols in program order so representatives are stable.
    for (auto& f : m.funcs) {
      for (auto& a : f->args) see(a->type);
      for (auto& op : f->body)
        if (op->result) see(op->result->type);
    }
    for (auto& f : m.funcs)
      for (auto& op : f->body) constrain(*op, *f, m);
    if (failed_) return false;
    bool changed = false;
    for (auto& f : m.funcs) {
      for (auto& a : f->args) changed |= rewrite(a->type);
      if (f->result.is_valid()) changed |= rewrite(f->result);
      for (auto& op : f->body)
        if (op->result) changed |= rewrite(op->result->type);
    }
    return changed;
  }

 private:
  void see(const Type& t) {
    for (const auto& d : t.dims) uf_.see(d.size);
    for (const auto& f : t.fields) see(f.type);
  }

  bool rewrite(Type& t) {
    bool changed = false;
    for (auto& d : t.dims) {
      Size s = uf_.resolve(d.size);
      if (!(s == d.size)) {
        d.size = s;
        changed = true;
      }
    }
    for (auto& f : t.fields) changed |= rewrite(f.type);
    return changed;
  }

  void conflict(const ir::Op& op, const std::string& dim, const Size& a, const Size& b, const Type& ta,
                const Type& tb, const ir::Value* va, const ir::Value* vb) {
    failed_ = true;
    auto& d = diags_->error(op.loc, "size mismatch in dimension '" + dim + "': " + uf_.resolve(a).str() +
                                        " vs " + uf_.resolve(b).str());
    auto origin = [&](const ir::Value* v, const Type& t, const char* which) {
      if (v && v->def && v->def->loc.valid())
        DiagnosticEngine::note(d, v->def->loc, std::string(which) + " has type " + t.str() + ", from here");
      else
        DiagnosticEngine::note(d, op.loc, std::string(which) + " has type " + t.str());
    };
    origin(va, ta, "the first value");
    origin(vb, tb, "the second value");
  }

  // Sizes of same-named dimensions (or same positions) must agree.
  void pair(const ir::Op& op, const Type& a, const Type& b, const ir::Value* va, const ir::Value* vb,
            bool by_position = false) {
    if (failed_) return;
    if (a.is_record() && b.is_record()) {
      for (const auto& fa : a.fields)
        if (const Field* fb = b.find_field(fa.name)) pair(op, fa.type, fb->type, va, vb, by_position);
      return;
    }
    if (!a.is_tensor() || !b.is_tensor()) return;
    for (std::size_t i = 0; i < a.dims.size(); ++i) {
      const Dim* other = nullptr;
      if (by_position) {
        if (i < b.dims.size()) other = &b.dims[i];
      } else {
        other = b.find_dim(a.dims[i].name);
      }
      if (!other) continue;
      if (!uf_.unite(a.dims[i].size, other->size)) {
        conflict(op, a.dims[i].name, a.dims[i].size, other->size, a, b, va, vb);
        return;
      }
    }
  }

  void constrain(const ir::Op& op, const ir::Func& f, const ir::Module& m) {
    const ir::Value* res = op.result.get();
    auto operand = [&](std::size_t i) -> const Type& { return op.operands[i]->type; };
    switch (op.id) {
      case OpId::Const: case OpId::Param: case OpId::Linspace: case OpId::Logspace: case OpId::Output:
        return;
      case OpId::Return:
        if (!op.operands.empty() && f.result.is_valid()) pair(op, operand(0), f.result, op.operands[0], nullptr);
        return;
      case OpId::Rename:
        pair(op, operand(0), res->type, op.operands[0], res, /*by_position=*/true);
        return;
      case OpId::SegmentSum:
      case OpId::SegmentMean: {
        std::string over = op.attr_str("over");
        const Dim* d = operand(0).find_dim(over);
        if (d && operand(1).rank() == 1 && !uf_.unite(d->size, operand(1).dims[0].size))
          conflict(op, over, d->size, operand(1).dims[0].size, operand(0), operand(1), op.operands[0], op.operands[1]);
        Type rest = operand(0);
        rest.dims.erase(rest.dims.begin() + rest.dim_index(over));
        pair(op, rest, res->type, op.operands[0], res);
        return;
      }
      case OpId::Compress: {
        std::string along = op.attr_str("along");
        const Dim* d = operand(0).find_dim(along);
        if (d && operand(1).rank() == 1 && !uf_.unite(d->size, operand(1).dims[0].size))
          conflict(op, along, d->size, operand(1).dims[0].size, operand(0), operand(1), op.operands[0], op.operands[1]);
        Type rest = operand(0);
        rest.dims.erase(rest.dims.begin() + rest.dim_index(along));
        pair(op, rest, res->type, op.operands[0], res);
        // How many entries a compress keeps depends on its mask alone: every
        // compress by one mask value (training and test data selected by one
        // ROI) keeps the same number, whatever it compresses.
        if (const Dim* kept = res->type.find_dim(along)) {
          auto [first, inserted] = kept_by_mask_.emplace(op.operands[1], std::make_pair(*kept, res));
          if (!inserted && !uf_.unite(first->second.first.size, kept->size))
            conflict(op, along, first->second.first.size, kept->size, first->second.second->type, res->type,
                     first->second.second, res);
        }
        return;
      }
      case OpId::Take: {
        std::string along = op.attr_str("along");
        Type rest = operand(0);
        int k = rest.dim_index(along);
        if (k < 0) return;
        pair(op, operand(1), res->type, op.operands[1], res);
        rest.dims.erase(rest.dims.begin() + k);
        pair(op, rest, res->type, op.operands[0], res);
        return;
      }
      case OpId::MatMul:
        pair(op, operand(0), operand(1), op.operands[0], op.operands[1]);
        pair(op, operand(0), res->type, op.operands[0], res);
        pair(op, operand(1), res->type, op.operands[1], res);
        return;
      case OpId::Record:
        for (std::size_t i = 0; i < op.operands.size() && i < res->type.fields.size(); ++i)
          pair(op, operand(i), res->type.fields[i].type, op.operands[i], res);
        return;
      case OpId::Field: {
        const Field* fl = operand(0).find_field(op.attr_str("name"));
        if (fl) pair(op, fl->type, res->type, op.operands[0], res);
        return;
      }
      case OpId::Call:
      case OpId::Fused: {
        const ir::Func* callee = m.find_func(op.attr_str("callee"));
        if (!callee) return;
        for (std::size_t i = 0; i < op.operands.size() && i < callee->args.size(); ++i)
          pair(op, operand(i), callee->args[i]->type, op.operands[i], callee->args[i].get());
        if (res && callee->result.is_valid()) pair(op, callee->result, res->type, nullptr, res);
        return;
      }
      case OpId::Runtime: {
        const ir::Extern* e = m.find_extern(op.attr_str("callee"));
        if (!e) return;
        std::set<std::string> vars(e->dim_vars.begin(), e->dim_vars.end());
        // First argument dimension bound to each variable, then every other use.
        std::map<std::string, std::pair<Dim, const ir::Value*>> first;
        auto visit = [&](const Type& param, const Type& actual, const ir::Value* v, auto&& self) -> void {
          if (param.is_record() && actual.is_record()) {
            for (const auto& pf : param.fields)
              if (const Field* af = actual.find_field(pf.name)) self(pf.type, af->type, v, self);
            return;
          }
          if (!param.is_tensor() || !actual.is_tensor()) return;
          for (std::size_t i = 0; i < param.dims.size() && i < actual.dims.size(); ++i) {
            const Dim& pd = param.dims[i];
            const Dim& ad = actual.dims[i];
            if (vars.count(pd.name)) {
              auto [it, inserted] = first.emplace(pd.name, std::make_pair(ad, v));
              if (!inserted && !uf_.unite(it->second.first.size, ad.size)) {
                Type ta = Type::tensor(actual.dtype, {it->second.first});
                conflict(op, ad.name, it->second.first.size, ad.size, it->second.second ? it->second.second->type : ta,
                         actual, it->second.second, v);
                return;
              }
            } else if (pd.size.is_const() && !uf_.unite(pd.size, ad.size)) {
              conflict(op, ad.name, pd.size, ad.size, param, actual, nullptr, v);
              return;
            }
          }
        };
        for (std::size_t i = 0; i < op.operands.size() && i < e->params.size(); ++i)
          visit(e->params[i].second, operand(i), op.operands[i], visit);
        if (res && !e->annotated) visit(e->result, res->type, res, visit);
        return;
      }
      default: break;
    }
    // Elementwise, broadcast, reductions, shift: same-named dims agree across
    // operands and result.
    for (std::size_t i = 1; i < op.operands.size(); ++i)
      pair(op, operand(0), operand(i), op.operands[0], op.operands[i]);
    if (res)
      for (std::size_t i = 0; i < op.operands.size(); ++i) pair(op, operand(i), res->type, op.operands[i], res);
  }

  SizeUnifier uf_;
  // Per mask value: the kept dimension of the first compress by it, and that
  // compress's result.
  std::map<const ir::Value*, std::pair<Dim, const ir::Value*>> kept_by_mask_;
  DiagnosticEngine* diags_ = nullptr;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<Pass> make_shape_infer_pass() { return std::make_unique<ShapeInferPass>(); }

}  // namespace b2m::passes
