#include "b2m/lang/ast.h"

#include <sstream>

namespace b2m {

ExprPtr clone(const Expr& e) {
  auto c = std::make_unique<Expr>(e.kind);
  c->loc = e.loc;
  c->int_value = e.int_value;
  c->float_value = e.float_value;
  c->text = e.text;
  c->unit = e.unit;
  c->bool_value = e.bool_value;
  c->piped = e.piped;
  if (e.lhs) c->lhs = clone(*e.lhs);
  if (e.rhs) c->rhs = clone(*e.rhs);
  for (const auto& a : e.args) c->args.push_back(Expr::Arg{a.name, a.name_loc, clone(*a.value)});
  return c;
}

std::string print_type_expr(const TypeExpr& t) {
  switch (t.kind) {
    case TypeExpr::Kind::Tensor: {
      std::string s = t.name;
      if (!t.has_dims) return s;
      s += "[";
      for (std::size_t i = 0; i < t.dims.size(); ++i) {
        if (i) s += ", ";
        s += t.dims[i].name;
        if (t.dims[i].size_kind == TypeExpr::DimExpr::SizeKind::Const)
          s += "=" + std::to_string(t.dims[i].size);
        else if (t.dims[i].size_kind == TypeExpr::DimExpr::SizeKind::Sym)
          s += "=" + t.dims[i].sym;
      }
      return s + "]";
    }
    case TypeExpr::Kind::Record: {
      std::string s = "{";
      for (std::size_t i = 0; i < t.fields.size(); ++i) {
        if (i) s += ", ";
        s += t.fields[i].name + ": " + print_type_expr(*t.fields[i].type);
      }
      return s + "}";
    }
    case TypeExpr::Kind::List: return "list<" + t.name + ">";
    case TypeExpr::Kind::Opaque: return "opaque<" + t.name + ">";
    case TypeExpr::Kind::Named: {
      std::string s = t.name;
      if (!t.args.empty()) {
        s += "<";
        for (std::size_t i = 0; i < t.args.size(); ++i) s += (i ? ", " : "") + t.args[i];
        s += ">";
      }
      return s;
    }
  }
  return "?";
}

namespace {

class AstPrinter {
 public:
  explicit AstPrinter(bool types) : types_(types) {}
  std::ostringstream out;

  void line(int depth, const std::string& s) { out << std::string(depth * 2, ' ') << s << "\n"; }

  std::string typed(const Expr& e, std::string s) {
    if (types_ && e.type.is_valid()) s += " : " + e.type.str();
    return s;
  }

  void expr(const Expr& e, int depth, const std::string& label = {}) {
    std::string pre = label.empty() ? "" : label + "=";
    switch (e.kind) {
      case Expr::Kind::Int:
        line(depth, typed(e, pre + "Int " + std::to_string(e.int_value) + e.unit));
        break;
      case Expr::Kind::Float: {
        std::ostringstream v;
        v.precision(17);
        v << e.float_value;
        line(depth, typed(e, pre + "Float " + v.str() + e.unit));
        break;
      }
      case Expr::Kind::String: line(depth, typed(e, pre + "String \"" + e.text + "\"")); break;
      case Expr::Kind::Bool: line(depth, typed(e, pre + (e.bool_value ? "Bool true" : "Bool false"))); break;
      case Expr::Kind::Name: line(depth, typed(e, pre + "Name " + e.text)); break;
      case Expr::Kind::Member:
        line(depth, typed(e, pre + "Member ." + e.text));
        expr(*e.lhs, depth + 1);
        break;
      case Expr::Kind::Call:
        line(depth, typed(e, pre + (e.piped ? "Call (piped)" : "Call") +
                                 (e.resolved.empty() ? "" : " " + e.resolved)));
        expr(*e.lhs, depth + 1, "callee");
        for (const auto& a : e.args) expr(*a.value, depth + 1, a.name);
        break;
      case Expr::Kind::Binary:
        line(depth, typed(e, pre + "Binary " + e.text));
        expr(*e.lhs, depth + 1);
        expr(*e.rhs, depth + 1);
        break;
      case Expr::Kind::Unary:
        line(depth, typed(e, pre + "Unary " + e.text));
        expr(*e.lhs, depth + 1);
        break;
      case Expr::Kind::List:
        line(depth, typed(e, pre + "List"));
        for (const auto& a : e.args) expr(*a.value, depth + 1);
        break;
      case Expr::Kind::Record:
        line(depth, typed(e, pre + "Record"));
        for (const auto& a : e.args) expr(*a.value, depth + 1, a.name);
        break;
    }
  }

  void decl(const Decl& d) {
    auto ann = [&](const char* kw) {
      std::string s = std::string(kw) + " " + d.name;
      if (d.type) s += " : " + print_type_expr(*d.type);
      if (types_ && d.resolved_type.is_valid()) s += "  (checked: " + d.resolved_type.str() + ")";
      return s;
    };
    switch (d.kind) {
      case Decl::Kind::Import: {
        std::string s = "Import";
        for (const auto& [n, l] : d.imports) s += " " + n;
        line(0, s);
        break;
      }
      case Decl::Kind::Param:
        line(0, ann("Param"));
        if (d.value) expr(*d.value, 1, "default");
        break;
      case Decl::Kind::Source: line(0, ann("Source")); expr(*d.value, 1); break;
      case Decl::Kind::Let: line(0, ann("Let")); expr(*d.value, 1); break;
      case Decl::Kind::Out: line(0, "Out \"" + d.name + "\""); expr(*d.value, 1); break;
      case Decl::Kind::Fn: {
        std::string s = "Fn " + d.name + "(";
        for (std::size_t i = 0; i < d.params.size(); ++i) {
          if (i) s += ", ";
          s += d.params[i].name;
          if (d.params[i].type) s += ": " + print_type_expr(*d.params[i].type);
        }
        s += ")";
        if (d.type) s += " -> " + print_type_expr(*d.type);
        line(0, s);
        expr(*d.value, 1, "body");
        break;
      }
      case Decl::Kind::Type: line(0, "Type " + d.name + " = " + print_type_expr(*d.type)); break;
      case Decl::Kind::Extern: {
        std::string s = std::string(d.is_source ? "Extern source " : "Extern ") + d.name + "(";
        for (std::size_t i = 0; i < d.params.size(); ++i) {
          if (i) s += ", ";
          s += d.params[i].name + ": " + print_type_expr(*d.params[i].type);
        }
        line(0, s + ") -> " + print_type_expr(*d.type));
        break;
      }
    }
  }

 private:
  bool types_;
};

}  // namespace

std::string print_ast(const Module& m, bool with_types) {
  AstPrinter p(with_types);
  for (const auto& d : m.decls) p.decl(*d);
  return p.out.str();
}

}  // namespace b2m
