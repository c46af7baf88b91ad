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
        key += "} : " + op.result->type.str();
        auto [it, inserted] = seen.emplace(key, op.result.get());
        if (!inserted) {
          ir::Value* keep = it->second;
          if (keep->name.empty()) keep->name = op.result->name;
          ir::replace_uses(*f, op.result.get(), keep, i + 1);
          ids[op.result.get()] = ids.at(keep);
          changed = true;
        }
      }
    }
    return changed;
  }
};

}  // namespace

std::unique_ptr<Pass> make_cse_pass() { return std::make_unique<CsePass>(); }

}  // namespace b2m::passes
