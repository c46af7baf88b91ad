#include <map>
#include <set>

#include "b2m/ir/printer.h"

namespace b2m::ir {

namespace {

// Assigns each value its printed name: its own name when unique in the
// function, otherwise a deterministic variant; unnamed values get numbers.
class Namer {
 public:
  explicit Namer(const Func& f) {
    for (const auto& a : f.args) add(a.get());
    for (const auto& op : f.body)
      if (op->result) add(op->result.get());
    // Number unnamed values in program order.
    for (const Value* v : order_) {
      std::string& n = names_[v];
      if (!n.empty()) continue;
      while (used_.count(std::to_string(next_))) ++next_;
      n = std::to_string(next_);
      used_.insert(n);
    }
  }
  std::string operator()(const Value* v) const {
    auto it = names_.find(v);
    return it == names_.end() ? "%<undefined>" : "%" + it->second;
  }

 private:
  void add(const Value* v) {
    order_.push_back(v);
    // Numeric names are the printer's own numbering: renumber them in program
    // order so that output after any pass is canonical.
    bool numeric = !v->name.empty() && v->name.find_first_not_of("0123456789") == std::string::npos;
    if (v->name.empty() || numeric) {
      names_[v] = "";
      return;
    }
    std::string n = v->name;
    for (int k = 1; used_.count(n); ++k) n = v->name + "." + std::to_string(k);
    used_.insert(n);
    names_[v] = n;
  }
  std::map<const Value*, std::string> names_;
  std::vector<const Value*> order_;
  std::set<std::string> used_;
  int next_ = 0;
};

std::string loc_str(const Loc& loc, const SourceManager* sm) {
  if (!sm || !loc.valid()) return " loc(unknown)";
  LineCol lc = sm->line_col(loc);
  std::string path = sm->file(loc.file).path;
  return " loc(" + Attr::of_str(path).str() + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col) + ")";
}

void print_op_into(std::string& out, const Op& op, const Namer& name, const PrintOptions& opts) {
  if (op.result) out += name(op.result.get()) + " = ";
  out += op.name();
  out += "(";
  for (std::size_t i = 0; i < op.operands.size(); ++i) out += (i ? ", " : "") + name(op.operands[i]);
  out += ")";
  if (!op.attrs.empty()) {
    out += " {";
    for (std::size_t i = 0; i < op.attrs.size(); ++i)
      out += (i ? ", " : "") + op.attrs[i].first + " = " + op.attrs[i].second.str();
    out += "}";
  }
  if (op.result) out += " : " + op.result->type.str();
  if (opts.locations) out += loc_str(op.loc, opts.sources);
}

}  // namespace

std::string print_op(const Op& op) {
  std::string out;
  if (op.parent) {
    Namer n(*op.parent);
    print_op_into(out, op, n, {});
  } else {
    Func dummy;
    Namer n(dummy);
    print_op_into(out, op, n, {});
  }
  return out;
}

std::string print_module(const Module& m, const PrintOptions& opts) {
  std::string out;
  for (const auto& e : m.externs) {
    out += "extern @" + e.name;
    if (!e.dim_vars.empty()) {
      out += "<";
      for (std::size_t i = 0; i < e.dim_vars.size(); ++i) out += (i ? ", " : "") + e.dim_vars[i];
      out += ">";
    }
    out += "(";
    for (std::size_t i = 0; i < e.params.size(); ++i)
      out += (i ? ", " : "") + e.params[i].first + ": " + e.params[i].second.str();
    out += ") -> ";
    out += e.annotated ? "annotated" : e.result.str();
    if (e.source) out += " source";
    out += "\n";
  }
  if (!m.externs.empty()) out += "\n";
  for (std::size_t fi = 0; fi < m.funcs.size(); ++fi) {
    const Func& f = *m.funcs[fi];
    Namer name(f);
    if (fi) out += "\n";
    out += "func @" + f.name + "(";
    for (std::size_t i = 0; i < f.args.size(); ++i)
      out += (i ? ", " : "") + name(f.args[i].get()) + ": " + f.args[i]->type.str();
    out += ")";
    if (f.result.is_valid()) out += " -> " + f.result.str();
    out += " {\n";
    for (const auto& op : f.body) {
      out += "  ";
      print_op_into(out, *op, name, opts);
      out += "\n";
    }
    out += "}\n";
  }
  return out;
}

}  // namespace b2m::ir
