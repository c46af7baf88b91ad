// inline: replaces every `call` with a copy of the callee's body (b2m fns are
// pure and non-recursive, so this always terminates), then drops functions
// that nothing calls any more. @main is never dropped.
#include <map>
#include <set>

#include "b2m/passes/pass.h"

namespace b2m::passes {

namespace {

class InlinePass : public Pass {
 public:
  const char* name() const override { return "inline"; }
  const char* description() const override { return "inline calls to user functions"; }

  bool run(ir::Module& m, DiagnosticEngine& diags) override {
    bool changed = false;
    for (auto& f : m.funcs) changed |= inline_calls(*f, m, diags, 0);
    // Remove functions that are no longer called.
    std::set<std::string> called;
    for (auto& f : m.funcs)
      for (auto& op : f->body)
        if (op->id == OpId::Call || op->id == OpId::Fused) called.insert(op->attr_str("callee"));
    std::size_t before = m.funcs.size();
    std::erase_if(m.funcs, [&](const std::unique_ptr<ir::Func>& f) { return f->name != "main" && !called.count(f->name); });
    return changed || m.funcs.size() != before;
  }

 private:
  bool inline_calls(ir::Func& f, ir::Module& m, DiagnosticEngine& diags, int depth) {
    bool changed = false;
    for (std::size_t i = 0; i < f.body.size(); ++i) {
      ir::Op& call = *f.body[i];
      if (call.id != OpId::Call) continue;
      ir::Func* callee = m.find_func(call.attr_str("callee"));
      if (!callee || callee == &f) continue;  // the verifier reports these
      if (depth > 64) {
        diags.error(call.loc, "function calls nest more than 64 deep; is there a cycle?");
        return changed;
      }
      // Inline the callee's own calls first.
      inline_calls(*callee, m, diags, depth + 1);
      std::map<const ir::Value*, ir::Value*> map;
      for (std::size_t a = 0; a < callee->args.size(); ++a) map[callee->args[a].get()] = call.operands[a];
      std::vector<std::unique_ptr<ir::Op>> copies;
      ir::Value* result = nullptr;
      for (const auto& op : callee->body) {
        if (op->id == OpId::Return) {
          if (!op->operands.empty()) result = map.at(op->operands[0]);
          continue;
        }
        auto copy = ir::make_op(op->id, {}, op->result ? op->result->type : Type::invalid(), op->loc);
        for (auto* v : op->operands) copy->operands.push_back(map.at(v));
        copy->attrs = op->attrs;
        copy->parent = &f;
        if (op->result) {
          // Numeric names are the printer's numbering, not the user's: drop them.
          const std::string& n = op->result->name;
          bool numeric = !n.empty() && n.find_first_not_of("0123456789") == std::string::npos;
          if (!numeric) copy->result->name = n;
          map[op->result.get()] = copy->result.get();
        }
        copies.push_back(std::move(copy));
      }
      std::size_t n = copies.size();
      ir::Value* old = call.result.get();
      // The call's name (the let it defined) moves to the inlined result.
      if (result && old && !old->name.empty()) result->name = old->name;
      f.body.insert(f.body.begin() + static_cast<std::ptrdiff_t>(i), std::make_move_iterator(copies.begin()),
                    std::make_move_iterator(copies.end()));
      std::size_t call_index = i + n;
      if (old && result) ir::replace_uses(f, old, result, call_index + 1);
      f.body.erase(f.body.begin() + static_cast<std::ptrdiff_t>(call_index));
      i = call_index - 1;  // continue after the inlined ops (unsigned wrap is fine: ++i follows)
      changed = true;
    }
    return changed;
  }
};

}  // namespace

std::unique_ptr<Pass> make_inline_pass() { return std::make_unique<InlinePass>(); }

}  // namespace b2m::passes
