// dce: removes ops whose results nothing uses, unless they have side effects
// (params stay: they are the executable's command-line options; outputs stay).
#include <set>

#include "b2m/passes/pass.h"

namespace b2m::passes {

namespace {

class DcePass : public Pass {
 public:
  const char* name() const override { return "dce"; }
  const char* description() const override { return "remove unused side-effect-free ops"; }

  bool run(ir::Module& m, DiagnosticEngine&) override {
    bool changed = false;
    for (auto& f : m.funcs) {
      // Walk backwards so chains of dead ops go in one sweep.
      std::set<const ir::Value*> used;
      std::vector<bool> keep(f->body.size(), true);
      for (std::size_t k = f->body.size(); k-- > 0;) {
        const ir::Op& op = *f->body[k];
        bool removable = (op.info().flags & OpFlags::Pure) && op.result && !used.count(op.result.get());
        if (removable) {
          keep[k] = false;
          changed = true;
          continue;
        }
        for (const auto* v : op.operands) used.insert(v);
      }
      std::size_t w = 0;
      for (std::size_t k = 0; k < f->body.size(); ++k)
        if (keep[k]) f->body[w++] = std::move(f->body[k]);
      f->body.resize(w);
    }
    return changed;
  }
};

}  // namespace

std::unique_ptr<Pass> make_dce_pass() { return std::make_unique<DcePass>(); }

}  // namespace b2m::passes
