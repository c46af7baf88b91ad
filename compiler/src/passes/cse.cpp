// cse: merges side-effect-free ops that compute the same thing from the same
// operands (same op, operands, attributes and result type). Commutative ops
// match with their operands in either order.
#include <map>

#include "b2m/ir/printer.h"
#include "b2m/passes/pass.h"

namespace b2m::passes {

namespace {

class CsePass : public Pass {
 public:
  const char* name() const override { return "cse"; }
  const char* description() const override { return "eliminate common subexpressions"; }

  bool run(ir::Module& m, DiagnosticEngine&) override {
    bool changed = false;
    for (auto& f : m.funcs) {
      std::map<std::string, ir::Value*> seen;
      std::map<const ir::Value*, std::size_t> ids;
      std::size_t next = 0;
      for (auto& a : f->args) ids[a.get()] = next++;
      for (std::size_t i = 0; i < f->body.size(); ++i) {
        ir::Op& op = *f->body[i];
        if (op.result) ids[op.result.get()] = next++;
        if (!(op.info().flags & OpFlags::Pure) || !op.result) continue;
        std::vector<std::size_t> operand_ids;
        for (auto* v : op.operands) operand_ids.push_back(ids.at(v));
        if ((op.info().flags & OpFlags::Commutative) && operand_ids.size() == 2 && operand_ids[0] > operand_ids[1])
          std::swap(operand_ids[0], operand_ids[1]);
        std::string key = op.name();
        for (auto id : operand_ids) key += " " + std::to_string(id);
        key += " {";
        for (const auto& [k, v] : op.attrs) key += k + "=" + v.str() + ",";
        // The size of a dimension an op creates (the groups of a segment
        // reduction, the kept entries of a compress) is a fresh symbol per op,
        // yet two such ops with the same operands compute the same thing: that
        // one size is left out of the key.
        key += "} : " + result_key(op);
        auto [it, inserted] = seen.emplace(key, op.result.get());
        if (!inserted) {
          ir::Value* keep = it->second;
          if (keep->name.empty()) keep->name = op.result->name;
          collect_renames(op.result->type, keep->type);
          ir::replace_uses(*f, op.result.get(), keep, i + 1);
          ids[op.result.get()] = ids.at(keep);
          changed = true;
        }
      }
      // The merged value's size symbols replace the dropped one's everywhere.
      if (!renames_.empty()) {
        for (auto& a : f->args) apply_renames(a->type);
        apply_renames(f->result);
        for (auto& op : f->body)
          if (op->result) apply_renames(op->result->type);
        renames_.clear();
      }
    }
    return changed;
  }

 private:
  static std::string result_key(const ir::Op& op) {
    std::string fresh_dim;
    if (op.id == OpId::SegmentSum || op.id == OpId::SegmentMean) fresh_dim = op.attr_str("into");
    if (op.id == OpId::Compress) fresh_dim = op.attr_str("along");
    Type t = op.result->type;
    for (auto& d : t.dims)
      if (d.name == fresh_dim && !d.size.is_const()) d.size = Size::sym("?");
    return t.str();
  }
  void collect_renames(const Type& from, const Type& to) {
    for (std::size_t i = 0; i < from.dims.size() && i < to.dims.size(); ++i)
      if (!from.dims[i].size.is_const() && !from.dims[i].size.symbol.empty() && !(from.dims[i].size == to.dims[i].size))
        renames_[from.dims[i].size.symbol] = to.dims[i].size;
    for (std::size_t i = 0; i < from.fields.size() && i < to.fields.size(); ++i)
      collect_renames(from.fields[i].type, to.fields[i].type);
  }
  void apply_renames(Type& t) {
    for (auto& d : t.dims) {
      for (int hops = 0; hops < 64 && !d.size.is_const(); ++hops) {
        auto it = renames_.find(d.size.symbol);
        if (it == renames_.end()) break;
        d.size = it->second;
      }
    }
    for (auto& fl : t.fields) apply_renames(fl.type);
  }
  std::map<std::string, Size> renames_;
};

}  // namespace

std::unique_ptr<Pass> make_cse_pass() { return std::make_unique<CsePass>(); }

}  // namespace b2m::passes
