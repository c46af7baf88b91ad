#include <algorithm>
#include <filesystem>
#include <functional>

#include "checker.h"

namespace b2m {

namespace {
std::string decl_kind_name(Decl::Kind k) {
  switch (k) {
    case Decl::Kind::Import: return "import";
    case Decl::Kind::Param: return "param";
    case Decl::Kind::Source: return "source";
    case Decl::Kind::Let: return "let";
    case Decl::Kind::Fn: return "function";
    case Decl::Kind::Out: return "output";
    case Decl::Kind::Type: return "type";
    case Decl::Kind::Extern: return "function";
  }
  return "declaration";
}

std::string qualified(const Decl& d) {
  return d.module && !d.module->name.empty() ? d.module->name + "." + d.name : d.name;
}

bool adopt_anonymous(const Type& from, const Type& to) {
  // A 1-D literal (logspace(...), [1, 2]) takes its dimension's name from the
  // declared type.
  return from.is_tensor() && to.is_tensor() && from.rank() == 1 && to.rank() == 1 &&
         from.dims[0].name == "_";
}
}  // namespace

bool assignable(const Type& from, const Type& to) {
  if (!from.is_valid() || !to.is_valid()) return true;
  if (from == to) return true;
  if (from.kind == Type::Kind::List && to.kind == Type::Kind::List)
    return from.dtype == to.dtype || (is_float(to.dtype) && is_numeric(from.dtype));
  if (from.kind != Type::Kind::Tensor || to.kind != Type::Kind::Tensor) {
    if (from.kind == Type::Kind::Record && to.kind == Type::Kind::Record) {
      if (from.fields.size() != to.fields.size()) return false;
      for (std::size_t i = 0; i < from.fields.size(); ++i)
        if (from.fields[i].name != to.fields[i].name || !assignable(from.fields[i].type, to.fields[i].type))
          return false;
      return true;
    }
    return false;
  }
  bool dtype_ok = from.dtype == to.dtype || (from.dtype == DType::Str && to.dtype == DType::Path) ||
                  (from.weak && is_numeric(to.dtype) && (is_float(to.dtype) || is_int(from.dtype)));
  if (!dtype_ok) return false;
  if (from.rank() != to.rank()) return false;
  for (std::size_t i = 0; i < from.rank(); ++i) {
    if (from.dims[i].name != to.dims[i].name && !adopt_anonymous(from, to)) return false;
    if (from.dims[i].size.is_const() && to.dims[i].size.is_const() &&
        from.dims[i].size.constant != to.dims[i].size.constant)
      return false;
  }
  return true;
}

void Checker::error_type(const Expr& e, const std::string& expected) {
  if (!e.type.is_valid()) return;
  diags_.error(e.loc, "expected " + expected + ", got " + e.type.str());
}

void Checker::index_module(Module& m) {
  auto& table = decls_[&m];
  auto& imports = imports_[&m];
  for (auto& dp : m.decls) {
    Decl& d = *dp;
    if (d.kind == Decl::Kind::Import) {
      for (const auto& [name, loc] : d.imports) {
        auto it = prog_.by_name.find(name);
        imports[name] = it == prog_.by_name.end() ? nullptr : it->second;
        // `import a.b` also makes `b` usable as the short name.
        auto dot = name.rfind('.');
        if (dot != std::string::npos) imports[name.substr(dot + 1)] = imports[name];
      }
      continue;
    }
    if (d.kind == Decl::Kind::Out) continue;
    auto [it, inserted] = table.emplace(d.name, &d);
    if (!inserted) {
      auto& diag = diags_.error(d.name_loc, "duplicate definition of '" + d.name + "'");
      DiagnosticEngine::note(diag, it->second->name_loc,
                             "previous definition of '" + d.name + "' (a " +
                                 decl_kind_name(it->second->kind) + ") is here");
      d.check_state = 2;  // do not check the duplicate's body twice
    }
  }
}

Decl* Checker::lookup(Module* m, const std::string& name) {
  auto& t = decls_[m];
  auto it = t.find(name);
  return it == t.end() ? nullptr : it->second;
}

Module* Checker::imported(Module* m, const std::string& name) {
  auto& t = imports_[m];
  auto it = t.find(name);
  return it == t.end() ? nullptr : it->second;
}

std::vector<std::string> Checker::visible_names(const Scope& s) {
  std::vector<std::string> names;
  if (s.fn_decl)
    for (const auto& p : s.fn_decl->params) names.push_back(p.name);
  for (const auto& [n, d] : decls_[s.module]) names.push_back(n);
  for (const auto& [n, m] : imports_[s.module]) names.push_back(n);
  for (const auto& b : builtin_names()) names.push_back(b);
  return names;
}

bool Checker::run() {
  for (auto& m : prog_.modules) index_module(*m);
  // Reserve every symbol written in the source so fresh ones never collide.
  for (auto& m : prog_.modules) {
    for (auto& d : m->decls) {
      if (d->kind == Decl::Kind::Import || d->kind == Decl::Kind::Out) continue;
      check_decl(*d, d->name_loc);
      if (diags_.too_many_errors()) return false;
    }
  }
  for (auto& d : prog_.main().decls)
    if (d->kind == Decl::Kind::Out) check_out(*d);
  for (auto& m : prog_.modules)
    if (m.get() != &prog_.main())
      for (auto& d : m->decls)
        if (d->kind == Decl::Kind::Out)
          diags_.error(d->loc, "'out' is only allowed in the main pipeline, not in module '" + m->name + "'");
  return !diags_.has_errors();
}

void Checker::check_decl(Decl& d, Loc use) {
  if (d.check_state == 2) return;
  if (d.check_state == 1) {
    // A cycle: report the path from d back to itself.
    auto it = std::find(stack_.begin(), stack_.end(), &d);
    std::string path;
    for (auto p = it; p != stack_.end(); ++p) path += (*p)->name + " -> ";
    path += d.name;
    auto& diag = diags_.error(use, "cyclic definition: '" + d.name + "' depends on itself (" + path + ")",
                              "the pipeline must be a graph without cycles");
    for (auto p = it; p != stack_.end(); ++p) {
      DiagnosticEngine::note(diag, (*p)->name_loc, "'" + (*p)->name + "' is defined here");
      (*p)->resolved_type = Type::invalid();
    }
    return;
  }
  d.check_state = 1;
  stack_.push_back(&d);
  check_decl_body(d);
  stack_.pop_back();
  d.check_state = 2;
}

Type Checker::resolve_type(const TypeExpr& t, Module* m, const std::set<std::string>& vars, bool fresh) {
  switch (t.kind) {
    case TypeExpr::Kind::Tensor: {
      auto dt = dtype_from_name(t.name);
      std::vector<Dim> dims;
      std::set<std::string> seen;
      for (const auto& d : t.dims) {
        if (!seen.insert(d.name).second) {
          diags_.error(d.loc, "dimension '" + d.name + "' appears twice in " + print_type_expr(t),
                       "every dimension of a tensor needs its own name");
          return Type::invalid();
        }
        Dim dim{d.name, {}};
        if (d.size_kind == TypeExpr::DimExpr::SizeKind::Const) {
          if (d.size <= 0) {
            diags_.error(d.loc, "dimension size must be positive, got " + std::to_string(d.size));
            return Type::invalid();
          }
          dim.size = Size::of(d.size);
        } else if (d.size_kind == TypeExpr::DimExpr::SizeKind::Sym) {
          dim.size = Size::sym(d.sym);
          prog_.sizes.reserve(d.sym);
        } else if (fresh && !vars.count(d.name)) {
          dim.size = Size::sym(prog_.sizes.fresh(d.name));
        }
        dims.push_back(dim);
      }
      if (!dims.empty() && is_textual(*dt)) {
        diags_.error(t.loc, std::string(dtype_name(*dt)) + " values cannot have dimensions",
                     "use list<str> for a constant list of strings");
        return Type::invalid();
      }
      return Type::tensor(*dt, dims);
    }
    case TypeExpr::Kind::Record: {
      std::vector<Field> fields;
      std::set<std::string> seen;
      for (const auto& f : t.fields) {
        if (!seen.insert(f.name).second) {
          diags_.error(f.loc, "field '" + f.name + "' appears twice in the record type");
          return Type::invalid();
        }
        Type ft = resolve_type(*f.type, m, vars, fresh);
        if (!ft.is_valid()) return ft;
        fields.push_back(Field{f.name, ft});
      }
      // Fields in one record that share a dimension name share its size.
      if (fresh) {
        std::map<std::string, Size> first;
        for (auto& f : fields)
          for (auto& d : f.type.dims) {
            auto [it, inserted] = first.emplace(d.name, d.size);
            if (!inserted && !d.size.is_const() && !it->second.is_const()) d.size = it->second;
          }
      }
      return Type::record(fields);
    }
    case TypeExpr::Kind::List: {
      auto dt = dtype_from_name(t.name);
      if (!dt) {
        diags_.error(t.loc, "unknown list element type '" + t.name + "'", "lists hold str, i64 or f64 constants");
        return Type::invalid();
      }
      return Type::list(*dt);
    }
    case TypeExpr::Kind::Opaque: return Type::opaque(t.name);
    case TypeExpr::Kind::Named: {
      // A type alias, possibly from another module (fmri.BidsRun) — looked up
      // in the module that wrote it.
      Module* where = m;
      std::string name = t.name;
      Decl* d = lookup(where, name);
      if (!d || d->kind != Decl::Kind::Type) {
        std::vector<std::string> cands{"f32", "f64", "i32", "i64", "bool", "str", "path"};
        for (const auto& [n, dd] : decls_[m])
          if (dd->kind == Decl::Kind::Type) cands.push_back(n);
        std::string guess = closest_match(name, cands);
        diags_.error(t.loc, "unknown type '" + name + "'", guess.empty() ? "" : "did you mean '" + guess + "'?");
        return Type::invalid();
      }
      if (d->dim_vars.size() != t.args.size()) {
        diags_.error(t.loc, "type '" + name + "' takes " + std::to_string(d->dim_vars.size()) +
                                " dimension argument(s), got " + std::to_string(t.args.size()));
        return Type::invalid();
      }
      std::set<std::string> alias_vars(d->dim_vars.begin(), d->dim_vars.end());
      Type body = resolve_type(*d->type, d->module, alias_vars, false);
      // Rename the alias's variables to the arguments.
      std::map<std::string, std::string> rename;
      for (std::size_t i = 0; i < t.args.size(); ++i) rename[d->dim_vars[i]] = t.args[i];
      std::function<void(Type&)> apply = [&](Type& ty) {
        for (auto& dim : ty.dims) {
          auto it = rename.find(dim.name);
          if (it != rename.end()) dim.name = it->second;
          else if (fresh && !dim.size.is_const() && dim.size.symbol.empty() && !vars.count(dim.name))
            dim.size = Size::sym(prog_.sizes.fresh(dim.name));
        }
        for (auto& f : ty.fields) apply(f.type);
      };
      apply(body);
      return body;
    }
  }
  return Type::invalid();
}

bool Checker::is_constant(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::Int: case Expr::Kind::Float: case Expr::Kind::String: case Expr::Kind::Bool:
      return true;
    case Expr::Kind::Unary: return is_constant(*e.lhs);
    case Expr::Kind::Binary: return is_constant(*e.lhs) && is_constant(*e.rhs);
    case Expr::Kind::List:
      for (const auto& a : e.args)
        if (!is_constant(*a.value)) return false;
      return true;
    case Expr::Kind::Call:
      if (e.resolved == "logspace" || e.resolved == "linspace") {
        for (const auto& a : e.args)
          if (!is_constant(*a.value) && a.name != "dim") return false;
        return true;
      }
      return false;
    default: return false;
  }
}

void Checker::check_decl_body(Decl& d) {
  Scope s{d.module, nullptr, nullptr};
  switch (d.kind) {
    case Decl::Kind::Import:
    case Decl::Kind::Out: return;
    case Decl::Kind::Type: {
      std::set<std::string> vars(d.dim_vars.begin(), d.dim_vars.end());
      d.resolved_type = resolve_type(*d.type, d.module, vars, false);
      return;
    }
    case Decl::Kind::Extern: {
      std::set<std::string> vars(d.dim_vars.begin(), d.dim_vars.end());
      for (auto& p : d.params) {
        Type pt = resolve_type(*p.type, d.module, vars, false);
        if (p.default_value) {
          Type dt = check_expr(*p.default_value, s);
          if (pt.is_valid() && dt.is_valid() && !assignable(dt, pt))
            diags_.error(p.default_value->loc, "default value of '" + p.name + "' has type " + dt.str() +
                                                   ", but the parameter is " + pt.str());
        }
      }
      if (!(d.type->kind == TypeExpr::Kind::Named && d.type->name == "annotated"))
        d.resolved_type = resolve_type(*d.type, d.module, vars, false);
      return;
    }
    case Decl::Kind::Fn: return;  // checked per call signature (see call_fn)
    case Decl::Kind::Param: {
      Type declared = resolve_type(*d.type, d.module, {}, true);
      d.resolved_type = declared;
      if (!declared.is_valid()) return;
      bool ok_kind = (declared.is_tensor() && declared.rank() <= 1) || declared.kind == Type::Kind::List;
      if (!ok_kind) {
        diags_.error(d.type->loc, "a param must be a scalar, a 1-D tensor or a list, not " + declared.str(),
                     "params become command-line options of the compiled pipeline");
        return;
      }
      if (!d.value) return;
      Type dt = check_expr(*d.value, s);
      if (!dt.is_valid()) return;
      if (!is_constant(*d.value)) {
        diags_.error(d.value->loc, "the default of param '" + d.name + "' must be a constant",
                     "use a literal, a list, or logspace/linspace of literals");
        return;
      }
      if (!assignable(dt, declared)) {
        auto& diag = diags_.error(d.value->loc, "default value of param '" + d.name + "' has type " +
                                                    dt.str() + ", which does not match " + declared.str());
        DiagnosticEngine::note(diag, d.type->loc, "the declared type is here");
      }
      return;
    }
    case Decl::Kind::Source:
    case Decl::Kind::Let: {
      Type declared;
      if (d.type) {
        declared = resolve_type(*d.type, d.module, {}, true);
        if (!declared.is_valid()) return;
      }
      annotation_ = d.type ? &declared : nullptr;
      Type vt = check_expr(*d.value, s);
      annotation_ = nullptr;
      // Sources must read external data; lets must not.
      bool is_source_call = false;
      if (d.value->kind == Expr::Kind::Call && d.value->lhs) {
        Callee c = resolve_callee(*d.value->lhs, s, false);
        is_source_call = c.kind == Callee::Kind::Extern && c.decl->is_source;
        if (d.kind == Decl::Kind::Let && is_source_call) {
          diags_.error(d.loc, "'" + c.name + "' reads external data: declare '" + d.name +
                                  "' with 'source', not 'let'",
                       "write 'source " + d.name + " = " + c.name + "(...)'");
        }
      }
      if (d.kind == Decl::Kind::Source && !is_source_call && vt.is_valid()) {
        diags_.error(d.value->loc, "a source must be a call to a function that reads data (such as fmri.bids or io.npy)",
                     "use 'let' for values computed inside the pipeline");
      }
      if (d.type && vt.is_valid() && !assignable(vt, declared)) {
        std::string extra;
        if (vt.is_tensor() && declared.is_tensor()) {
          for (const auto& dim : vt.dims)
            if (!declared.find_dim(dim.name) && !adopt_anonymous(vt, declared))
              extra = "broadcasting produced dimension '" + dim.name + "', which the declared type lacks";
        }
        auto& diag = diags_.error(d.value->loc, "value of '" + d.name + "' has type " + vt.str() +
                                                    ", but it is declared as " + declared.str(), extra);
        DiagnosticEngine::note(diag, d.type->loc, "declared type is here");
        d.resolved_type = declared;
        return;
      }
      // The annotation names anonymous dimensions and fixes dtypes of literals.
      d.resolved_type = d.type && vt.is_valid() ? (vt.weak || adopt_anonymous(vt, declared) ? declared : vt) : vt;
      if (d.type && vt.is_valid() && vt.is_tensor()) {
        // Keep the value's sizes unless the annotation fixes them.
        Type merged = vt;
        merged.weak = false;
        merged.dtype = declared.dtype;
        for (std::size_t i = 0; i < merged.dims.size() && i < declared.dims.size(); ++i) {
          merged.dims[i].name = declared.dims[i].name;
          if (declared.dims[i].size.is_const()) merged.dims[i].size = declared.dims[i].size;
        }
        d.resolved_type = merged;
      }
      return;
    }
  }
}

Type Checker::check_expr(Expr& e, const Scope& s) {
  Type t;
  switch (e.kind) {
    case Expr::Kind::Int:
      t = Type::scalar(e.unit.empty() ? DType::I64 : DType::F64);
      t.weak = true;
      break;
    case Expr::Kind::Float:
      t = Type::scalar(DType::F64);
      t.weak = true;
      break;
    case Expr::Kind::String: t = Type::scalar(DType::Str); break;
    case Expr::Kind::Bool: t = Type::scalar(DType::Bool); break;
    case Expr::Kind::Name: t = check_name(e, s); break;
    case Expr::Kind::Member: t = check_member(e, s); break;
    case Expr::Kind::Call: t = check_call(e, s); break;
    case Expr::Kind::Binary: t = check_binary(e, s); break;
    case Expr::Kind::Unary: t = check_unary(e, s); break;
    case Expr::Kind::List: t = check_list(e, s); break;
    case Expr::Kind::Record: t = check_record(e, s); break;
  }
  e.type = t;
  return t;
}

Type Checker::check_name(Expr& e, const Scope& s) {
  if (s.fn_decl) {
    for (std::size_t i = 0; i < s.fn_decl->params.size(); ++i)
      if (s.fn_decl->params[i].name == e.text) {
        e.param_index = static_cast<int>(i);
        return s.fn->arg_types[i];
      }
  }
  if (Decl* d = lookup(s.module, e.text)) {
    if (d->kind == Decl::Kind::Fn || d->kind == Decl::Kind::Extern) {
      diags_.error(e.loc, "'" + e.text + "' is a function; call it with arguments",
                   "write '" + e.text + "(...)' or pipe into it: 'x |> " + e.text + "'");
      return Type::invalid();
    }
    if (d->kind == Decl::Kind::Type) {
      diags_.error(e.loc, "'" + e.text + "' is a type, not a value");
      return Type::invalid();
    }
    if (s.fn_decl) {
      auto& diag = diags_.error(e.loc, "function '" + s.fn_decl->name + "' cannot use '" + e.text +
                                           "', a " + decl_kind_name(d->kind) + " defined outside it",
                                "pass it as a parameter: functions see only their parameters");
      DiagnosticEngine::note(diag, d->name_loc, "'" + e.text + "' is defined here");
      return Type::invalid();
    }
    check_decl(*d, e.loc);
    e.decl = d;
    return d->resolved_type;
  }
  if (imported(s.module, e.text) || prog_.by_name.count(e.text)) {
    diags_.error(e.loc, "module '" + e.text + "' is not a value", "use a member: '" + e.text + ".name'");
    return Type::invalid();
  }
  if (is_builtin(e.text)) {
    diags_.error(e.loc, "'" + e.text + "' is a built-in function; call it with arguments");
    return Type::invalid();
  }
  std::string guess = closest_match(e.text, visible_names(s));
  diags_.error(e.loc, "unknown name '" + e.text + "'", guess.empty() ? "" : "did you mean '" + guess + "'?");
  return Type::invalid();
}

Type Checker::check_member(Expr& e, const Scope& s) {
  // module.member
  if (e.lhs->kind == Expr::Kind::Name && !lookup(s.module, e.lhs->text) &&
      !(s.fn_decl && std::any_of(s.fn_decl->params.begin(), s.fn_decl->params.end(),
                                 [&](const auto& p) { return p.name == e.lhs->text; }))) {
    auto mit = imports_[s.module].find(e.lhs->text);
    if (mit != imports_[s.module].end()) {
      Module* m = mit->second;
      if (!m) return Type::invalid();  // import already reported
      Decl* d = lookup(m, e.text);
      if (!d) {
        std::vector<std::string> cands;
        for (const auto& [n, dd] : decls_[m]) cands.push_back(n);
        std::string guess = closest_match(e.text, cands);
        diags_.error(e.loc, "module '" + m->name + "' has no member '" + e.text + "'",
                     guess.empty() ? "" : "did you mean '" + m->name + "." + guess + "'?");
        return Type::invalid();
      }
      if (d->kind == Decl::Kind::Fn || d->kind == Decl::Kind::Extern) {
        diags_.error(e.loc, "'" + m->name + "." + e.text + "' is a function; call it with arguments");
        return Type::invalid();
      }
      if (d->kind == Decl::Kind::Type) {
        diags_.error(e.loc, "'" + m->name + "." + e.text + "' is a type, not a value");
        return Type::invalid();
      }
      if (s.fn_decl) {
        diags_.error(e.loc, "function '" + s.fn_decl->name + "' cannot use '" + m->name + "." + e.text +
                                "', a value defined outside it",
                     "pass it as a parameter: functions see only their parameters");
        return Type::invalid();
      }
      check_decl(*d, e.loc);
      e.decl = d;
      e.resolved = m->name + "." + e.text;
      return d->resolved_type;
    }
    if (prog_.by_name.count(e.lhs->text) || !lookup(s.module, e.lhs->text)) {
      if (prog_.by_name.count(e.lhs->text)) {
        diags_.error(e.lhs->loc, "module '" + e.lhs->text + "' is not imported here",
                     "add 'import " + e.lhs->text + "' at the top of this file");
        return Type::invalid();
      }
    }
  }
  Type base = check_expr(*e.lhs, s);
  if (!base.is_valid()) return base;
  if (!base.is_record()) {
    diags_.error(e.loc, "a value of type " + base.str() + " has no field '" + e.text + "'",
                 base.is_tensor() && base.find_dim(e.text)
                     ? "'" + e.text + "' is a dimension; dimensions are used in arguments like over=" + e.text
                     : "");
    return Type::invalid();
  }
  const Field* f = base.find_field(e.text);
  if (!f) {
    std::vector<std::string> names;
    for (const auto& fl : base.fields) names.push_back(fl.name);
    std::string guess = closest_match(e.text, names);
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    diags_.error(e.loc, "record has no field '" + e.text + "'",
                 guess.empty() ? "its fields are: " + all : "did you mean '" + guess + "'?");
    return Type::invalid();
  }
  return f->type;
}

Checker::Callee Checker::resolve_callee(Expr& callee, const Scope& s, bool report) {
  Callee c;
  if (callee.kind == Expr::Kind::Name) {
    Decl* d = lookup(s.module, callee.text);
    if (d && (d->kind == Decl::Kind::Fn || d->kind == Decl::Kind::Extern)) {
      c.kind = d->kind == Decl::Kind::Fn ? Callee::Kind::Fn : Callee::Kind::Extern;
      c.decl = d;
      c.name = qualified(*d);
      return c;
    }
    if (!d && is_builtin(callee.text)) {
      c.kind = Callee::Kind::Builtin;
      c.name = callee.text;
      return c;
    }
    if (report) {
      if (d) {
        diags_.error(callee.loc, "'" + callee.text + "' is a " + decl_kind_name(d->kind) +
                                     ", not a function; it cannot be called");
      } else {
        std::vector<std::string> cands = builtin_names();
        for (const auto& [n, dd] : decls_[s.module])
          if (dd->kind == Decl::Kind::Fn || dd->kind == Decl::Kind::Extern) cands.push_back(n);
        std::string guess = closest_match(callee.text, cands);
        diags_.error(callee.loc, "unknown function '" + callee.text + "'",
                     guess.empty() ? "" : "did you mean '" + guess + "'?");
      }
    }
    return c;
  }
  if (callee.kind == Expr::Kind::Member && callee.lhs->kind == Expr::Kind::Name) {
    auto mit = imports_[s.module].find(callee.lhs->text);
    if (mit != imports_[s.module].end()) {
      Module* m = mit->second;
      if (!m) return c;  // import error already reported
      Decl* d = lookup(m, callee.text);
      if (d && (d->kind == Decl::Kind::Fn || d->kind == Decl::Kind::Extern)) {
        c.kind = d->kind == Decl::Kind::Fn ? Callee::Kind::Fn : Callee::Kind::Extern;
        c.decl = d;
        c.name = qualified(*d);
        return c;
      }
      if (report) {
        std::vector<std::string> cands;
        for (const auto& [n, dd] : decls_[m])
          if (dd->kind == Decl::Kind::Fn || dd->kind == Decl::Kind::Extern) cands.push_back(n);
        std::string guess = closest_match(callee.text, cands);
        diags_.error(callee.loc, d ? "'" + m->name + "." + callee.text + "' is not a function"
                                   : "module '" + m->name + "' has no function '" + callee.text + "'",
                     guess.empty() ? "" : "did you mean '" + m->name + "." + guess + "'?");
      }
      return c;
    }
    if (report && prog_.by_name.count(callee.lhs->text)) {
      diags_.error(callee.lhs->loc, "module '" + callee.lhs->text + "' is not imported here",
                   "add 'import " + callee.lhs->text + "' at the top of this file");
      return c;
    }
  }
  if (report) {
    if (callee.kind == Expr::Kind::Member && callee.lhs->kind == Expr::Kind::Name &&
        !lookup(s.module, callee.lhs->text)) {
      std::vector<std::string> mods;
      for (const auto& [n, m] : imports_[s.module]) mods.push_back(n);
      std::string guess = closest_match(callee.lhs->text, mods);
      diags_.error(callee.lhs->loc, "unknown module '" + callee.lhs->text + "'",
                   guess.empty() ? "import it first: 'import " + callee.lhs->text + "'"
                                 : "did you mean '" + guess + "'?");
    } else {
      diags_.error(callee.loc, "this expression is not a function and cannot be called");
    }
  }
  return c;
}

Type Checker::check_call(Expr& e, const Scope& s) {
  Callee c = resolve_callee(*e.lhs, s, true);
  e.resolved = c.name;
  switch (c.kind) {
    case Callee::Kind::None:
      for (auto& a : e.args) check_expr(*a.value, s);  // still report errors inside
      return Type::invalid();
    case Callee::Kind::Builtin: return check_builtin(*this, e, c.name, s);
    case Callee::Kind::Fn: return call_fn(e, *c.decl, s);
    case Callee::Kind::Extern: {
      const Type* ann = annotation_;
      annotation_ = nullptr;
      Type t = call_extern(e, *c.decl, s, ann);
      return t;
    }
  }
  return Type::invalid();
}

namespace {
// Binds call arguments to parameters by position, then by name. Returns the
// argument expression for each parameter (null if not given).
template <typename ParamList>
bool bind_args(DiagnosticEngine& diags, Expr& call, const std::string& callee, const ParamList& params,
               Loc decl_loc, std::vector<Expr*>& bound, std::vector<bool> has_default) {
  bound.assign(params.size(), nullptr);
  bool ok = true;
  std::size_t positional = 0;
  bool seen_named = false;
  for (auto& a : call.args) {
    if (a.name.empty()) {
      if (seen_named) {
        diags.error(a.value->loc, "positional argument after a named argument in call to '" + callee + "'");
        ok = false;
        continue;
      }
      if (positional >= params.size()) {
        auto& d = diags.error(a.value->loc, "too many arguments to '" + callee + "': expected at most " +
                                                std::to_string(params.size()) + ", got " +
                                                std::to_string(call.args.size()));
        DiagnosticEngine::note(d, decl_loc, "'" + callee + "' is declared here");
        return false;
      }
      bound[positional++] = a.value.get();
      continue;
    }
    seen_named = true;
    std::size_t i = 0;
    while (i < params.size() && params[i].name != a.name) ++i;
    if (i == params.size()) {
      std::vector<std::string> names;
      for (const auto& p : params) names.push_back(p.name);
      std::string guess = closest_match(a.name, names);
      diags.error(a.name_loc, "'" + callee + "' has no parameter named '" + a.name + "'",
                  guess.empty() ? "" : "did you mean '" + guess + "'?");
      ok = false;
      continue;
    }
    if (bound[i]) {
      diags.error(a.name_loc, "argument '" + a.name + "' given twice in call to '" + callee + "'");
      ok = false;
      continue;
    }
    bound[i] = a.value.get();
  }
  for (std::size_t i = 0; i < params.size() && ok; ++i) {
    if (!bound[i] && !has_default[i]) {
      auto& d = diags.error(call.loc, "missing argument '" + params[i].name + "' in call to '" + callee + "'");
      DiagnosticEngine::note(d, decl_loc, "'" + callee + "' is declared here");
      ok = false;
    }
  }
  return ok;
}
// Puts the call's arguments in parameter order (`bound` gives, per parameter,
// the argument expression bound to it).
void reorder_args(Expr& call, const std::vector<Expr*>& bound) {
  std::vector<Expr::Arg> ordered;
  for (Expr* want : bound) {
    for (auto& a : call.args) {
      if (a.value.get() == want) {
        ordered.push_back(std::move(a));
        break;
      }
    }
  }
  call.args = std::move(ordered);
}
}  // namespace

Type Checker::call_fn(Expr& e, Decl& fn, const Scope& s) {
  std::vector<Expr*> bound;
  std::vector<bool> defaults(fn.params.size(), false);
  std::string name = qualified(fn);
  // Check arguments first so errors inside them are reported.
  for (auto& a : e.args) check_expr(*a.value, s);
  if (!bind_args(diags_, e, name, fn.params, fn.name_loc, bound, defaults)) return Type::invalid();
  reorder_args(e, bound);
  for (std::size_t i = 0; i < bound.size(); ++i) bound[i] = e.args[i].value.get();
  std::vector<Type> arg_types;
  for (std::size_t i = 0; i < bound.size(); ++i) {
    Type t = bound[i]->type;
    if (!t.is_valid()) return Type::invalid();
    if (fn.params[i].type) {
      Type want = resolve_type(*fn.params[i].type, fn.module, {}, false);
      if (want.is_valid() && !(assignable(t, want) || t.same_layout(want))) {
        auto& d = diags_.error(bound[i]->loc, "argument '" + fn.params[i].name + "' of '" + name +
                                                  "' must be " + want.str() + ", got " + t.str());
        DiagnosticEngine::note(d, fn.params[i].loc, "parameter '" + fn.params[i].name + "' is declared here");
        return Type::invalid();
      }
    }
    t.weak = t.weak && t.is_scalar();
    arg_types.push_back(t);
  }
  if (std::find(fn_stack_.begin(), fn_stack_.end(), &fn) != fn_stack_.end()) {
    auto& d = diags_.error(e.loc, "function '" + name + "' calls itself",
                           "b2m functions are inlined, so they cannot be recursive");
    DiagnosticEngine::note(d, fn.name_loc, "'" + name + "' is defined here");
    return Type::invalid();
  }
  std::string key = name + "(";
  for (const auto& t : arg_types) key += t.str() + (t.weak ? "~" : "") + ";";
  key += ")";
  auto cached = instance_cache_.find(key);
  if (cached != instance_cache_.end()) {
    e.instance = cached->second;
    // Reorder arguments into parameter order for lowering.
    return cached->second->result;
  }
  auto inst = std::make_unique<FnInstance>();
  inst->fn = &fn;
  inst->arg_types = arg_types;
  inst->body = clone(*fn.value);
  inst->mangled = name + "." + std::to_string(prog_.instances.size());
  FnInstance* raw = inst.get();
  prog_.instances.push_back(std::move(inst));
  instance_cache_[key] = raw;
  fn_stack_.push_back(&fn);
  std::size_t errors_before = diags_.num_errors();
  Scope inner{fn.module, raw, &fn};
  Type result = check_expr(*raw->body, inner);
  fn_stack_.pop_back();
  if (diags_.num_errors() > errors_before && result.is_valid()) result = Type::invalid();
  if (fn.type && result.is_valid()) {
    Type want = resolve_type(*fn.type, fn.module, {}, false);
    if (want.is_valid() && !(assignable(result, want) || result.same_layout(want))) {
      auto& d = diags_.error(raw->body->loc, "'" + name + "' returns " + result.str() +
                                                 ", but its declared result type is " + want.str());
      DiagnosticEngine::note(d, fn.type->loc, "declared result type is here");
      result = Type::invalid();
    }
  }
  raw->result = result;
  e.instance = raw;
  return result;
}

Type Checker::call_extern(Expr& e, Decl& ext, const Scope& s, const Type* annotation) {
  check_decl(ext, e.loc);
  std::vector<Expr*> bound;
  std::vector<bool> defaults;
  for (const auto& p : ext.params) defaults.push_back(p.default_value != nullptr);
  std::string name = qualified(ext);
  for (auto& a : e.args) check_expr(*a.value, s);
  if (!bind_args(diags_, e, name, ext.params, ext.name_loc, bound, defaults)) return Type::invalid();
  // Fill in defaults so that lowering sees every argument, in parameter order.
  for (std::size_t i = 0; i < bound.size(); ++i) {
    if (bound[i]) continue;
    e.args.push_back(Expr::Arg{ext.params[i].name, ext.params[i].loc, clone(*ext.params[i].default_value)});
    check_expr(*e.args.back().value, Scope{ext.module, nullptr, nullptr});
    bound[i] = e.args.back().value.get();
  }
  reorder_args(e, bound);
  for (std::size_t i = 0; i < bound.size(); ++i) bound[i] = e.args[i].value.get();
  std::set<std::string> vars(ext.dim_vars.begin(), ext.dim_vars.end());
  DimBindings b;
  for (std::size_t i = 0; i < bound.size(); ++i) {
    if (!bound[i]) continue;
    Type at = bound[i]->type;
    if (!at.is_valid()) return Type::invalid();
    Type pt = resolve_type(*ext.params[i].type, ext.module, vars, false);
    if (!pt.is_valid()) return Type::invalid();
    std::string why;
    if (!match_type(pt, at, vars, b, &why)) {
      auto& d = diags_.error(bound[i]->loc, "argument '" + ext.params[i].name + "' of '" + name + "': " + why);
      DiagnosticEngine::note(d, ext.params[i].loc, "parameter declared here as " + pt.str());
      return Type::invalid();
    }
  }
  if (ext.type->kind == TypeExpr::Kind::Named && ext.type->name == "annotated") {
    if (!annotation) {
      diags_.error(e.loc, "'" + name + "' needs the type of the data it reads",
                   "annotate the declaration, e.g. 'source x: f32[time, voxel] = " + name + "(...)'");
      return Type::invalid();
    }
    return *annotation;
  }
  return substitute(ext.resolved_type, vars, b, prog_.sizes);
}

Type Checker::check_list(Expr& e, const Scope& s) {
  if (e.args.empty()) {
    diags_.error(e.loc, "empty list: its element type cannot be inferred");
    return Type::invalid();
  }
  std::optional<DType> elem;
  for (auto& a : e.args) {
    Type t = check_expr(*a.value, s);
    if (!t.is_valid()) return t;
    if (!t.is_scalar() || !is_constant(*a.value)) {
      diags_.error(a.value->loc, "list elements must be constant scalars (strings or numbers)");
      return Type::invalid();
    }
    DType d = t.dtype == DType::Path ? DType::Str : t.dtype;
    if (!elem) {
      elem = d;
    } else if (*elem != d) {
      if (is_numeric(*elem) && is_numeric(d)) {
        elem = DType::F64;
      } else {
        diags_.error(a.value->loc, std::string("list mixes ") + dtype_name(*elem) + " and " + dtype_name(d) + " elements");
        return Type::invalid();
      }
    }
  }
  return Type::list(*elem);
}

Type Checker::check_record(Expr& e, const Scope& s) {
  std::vector<Field> fields;
  for (auto& a : e.args) {
    for (const auto& f : fields)
      if (f.name == a.name) {
        diags_.error(a.name_loc, "field '" + a.name + "' appears twice in this record");
        return Type::invalid();
      }
    Type t = check_expr(*a.value, s);
    if (!t.is_valid()) return t;
    t.weak = false;
    fields.push_back(Field{a.name, t});
  }
  return Type::record(std::move(fields));
}

void Checker::check_out(Decl& d) {
  Scope s{d.module, nullptr, nullptr};
  Type t = check_expr(*d.value, s);
  if (!t.is_valid()) return;
  const std::string& p = d.name;
  auto ends = [&](const std::string& suf) {
    return p.size() >= suf.size() && p.compare(p.size() - suf.size(), suf.size(), suf) == 0;
  };
  // {dim} placeholders write one file per index along that dimension.
  Type elem = t;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '{') continue;
    std::size_t j = p.find('}', i);
    if (j == std::string::npos) {
      diags_.error(d.name_loc, "unclosed '{' in output name \"" + p + "\"");
      return;
    }
    std::string dim = p.substr(i + 1, j - i - 1);
    if (!elem.is_tensor() || elem.dim_index(dim) < 0) {
      std::string guess = elem.is_tensor() ? closest_match(dim, elem.dim_names()) : "";
      diags_.error(d.name_loc, "output name uses {" + dim + "}, but the value " + t.str() + " has no dimension '" + dim + "'",
                   guess.empty() ? "" : "did you mean {" + guess + "}?");
      return;
    }
    elem.dims.erase(elem.dims.begin() + elem.dim_index(dim));
  }
  auto cannot = [&](const std::string& fmt, const std::string& why) {
    diags_.error(d.value->loc, "cannot write a value of type " + t.str() + " to " + fmt, why);
  };
  if (ends(".npy")) {
    if (!elem.is_tensor() || (!is_numeric(elem.dtype) && elem.dtype != DType::Bool))
      cannot("a .npy file", ".npy holds one numeric tensor");
  } else if (ends(".json")) {
    if (elem.kind == Type::Kind::Opaque) cannot("JSON", "model handles have no JSON form");
  } else if (ends(".wav") || ends(".flac")) {
    if (!elem.is_tensor() || !is_float(elem.dtype) || elem.rank() != 1)
      cannot("an audio file", "audio outputs are f32[sample] waveforms (use {dim} in the name for one file per entry)");
  } else if (ends(".nii") || ends(".nii.gz")) {
    if (!elem.is_tensor() || !is_numeric(elem.dtype) || elem.rank() < 1 || elem.rank() > 2)
      cannot("a NIfTI file", "NIfTI outputs are maps over voxels: f32[voxel] or f32[map, voxel]");
  } else if (ends(".tsv") || ends(".csv")) {
    if (!(elem.is_tensor() && elem.rank() <= 2) && !elem.is_record())
      cannot("a table", "tables hold a tensor of rank <= 2 or a record of columns");
  } else if (ends(".html")) {
    if (!elem.is_record()) cannot("an HTML report", "reports are records (see eval.report)");
  } else {
    auto dot = p.rfind('.');
    diags_.error(d.name_loc, "unknown output format '" + (dot == std::string::npos ? p : p.substr(dot)) + "'",
                 "b2m writes .npy, .json, .wav, .flac, .nii, .nii.gz, .tsv, .csv and .html");
  }
  d.resolved_type = t;
}

bool check_program(Program& program, DiagnosticEngine& diags) {
  Checker c(program, diags);
  return c.run() && !diags.has_errors();
}

}  // namespace b2m
