#include "b2m/lang/parser.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace b2m {

namespace {

// Binding power of binary operators (higher binds tighter). `|>` is the
// loosest so that `a + b |> f()` pipes the sum.
int binary_precedence(Tok t) {
  switch (t) {
    case Tok::Pipe: return 1;
    case Tok::KwOr: return 2;
    case Tok::KwAnd: return 3;
    case Tok::Eq: case Tok::Ne: return 4;
    case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge: return 5;
    case Tok::Plus: case Tok::Minus: return 6;
    case Tok::Star: case Tok::Slash: case Tok::Percent: case Tok::At: return 7;
    case Tok::StarStar: return 9;  // above unary minus: -x**2 == -(x**2)
    default: return 0;
  }
}

const char* binary_op_text(Tok t) {
  switch (t) {
    case Tok::KwOr: return "or";
    case Tok::KwAnd: return "and";
    case Tok::Eq: return "==";
    case Tok::Ne: return "!=";
    case Tok::Lt: return "<";
    case Tok::Le: return "<=";
    case Tok::Gt: return ">";
    case Tok::Ge: return ">=";
    case Tok::Plus: return "+";
    case Tok::Minus: return "-";
    case Tok::Star: return "*";
    case Tok::Slash: return "/";
    case Tok::Percent: return "%";
    case Tok::At: return "@";
    case Tok::StarStar: return "**";
    default: return "?";
  }
}

bool starts_decl(Tok t) {
  return t == Tok::KwImport || t == Tok::KwParam || t == Tok::KwSource || t == Tok::KwLet ||
         t == Tok::KwFn || t == Tok::KwOut || t == Tok::KwType || t == Tok::KwExtern;
}

struct SyntaxError {};

class Parser {
 public:
  Parser(std::int32_t file, const std::vector<Token>& toks, DiagnosticEngine& diags)
      : file_(file), toks_(toks), diags_(diags) {}

  std::unique_ptr<Module> run() {
    auto m = std::make_unique<Module>();
    m->file = file_;
    while (peek().kind != Tok::Eof && !diags_.too_many_errors()) {
      decl_start_ = pos_;
      try {
        DeclPtr d = decl();
        d->module = m.get();
        m->decls.push_back(std::move(d));
      } catch (SyntaxError&) {
        recover();
      }
    }
    return m;
  }

 private:
  const Token& peek(std::size_t k = 0) const {
    std::size_t i = std::min(pos_ + k, toks_.size() - 1);
    return toks_[i];
  }
  const Token& advance() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool accept(Tok k) {
    if (peek().kind != k) return false;
    advance();
    return true;
  }
  const Token& prev() const { return toks_[pos_ > 0 ? pos_ - 1 : 0]; }

  [[noreturn]] void error_at(const Token& t, const std::string& what, std::string hint = {}) {
    if (t.kind == Tok::Error) throw SyntaxError{};  // the lexer reported it
    std::string found = t.kind == Tok::Eof ? "end of file"
                        : t.kind == Tok::Ident ? "'" + t.text + "'"
                        : t.kind == Tok::String ? "string \"" + t.text + "\""
                        : t.kind == Tok::Int || t.kind == Tok::Float ? "number " + t.text
                                                                   : std::string(tok_name(t.kind));
    // When the unexpected token starts a later line, the problem is at the end
    // of the previous line: point just after its last token.
    Loc at = t.loc;
    if (pos_ > 0) {
      const Token& p = toks_[pos_ - 1];
      const std::string& text = diags_.sources().file(p.loc.file).text;
      bool newline_between = false;
      for (std::uint32_t i = p.loc.offset + p.loc.length; i < t.loc.offset && i < text.size(); ++i)
        if (text[i] == '\n') newline_between = true;
      if (newline_between) at = Loc{p.loc.file, p.loc.offset + p.loc.length, 1};
    }
    diags_.error(at, "expected " + what + ", found " + found, std::move(hint));
    throw SyntaxError{};
  }
  const Token& expect(Tok k, const std::string& what = {}) {
    if (peek().kind != k) error_at(peek(), what.empty() ? tok_name(k) : what);
    return advance();
  }
  // Skips to the start of the next declaration (which may be the token the
  // error was found at: `let a = (1` followed by a new `let`).
  void recover() {
    if (pos_ == decl_start_ && peek().kind != Tok::Eof) advance();
    while (peek().kind != Tok::Eof && !starts_decl(peek().kind)) advance();
  }

  DeclPtr decl() {
    const Token& kw = peek();
    switch (kw.kind) {
      case Tok::KwImport: return import_decl();
      case Tok::KwParam: return value_decl(Decl::Kind::Param);
      case Tok::KwSource: return value_decl(Decl::Kind::Source);
      case Tok::KwLet: return value_decl(Decl::Kind::Let);
      case Tok::KwFn: return fn_decl();
      case Tok::KwOut: return out_decl();
      case Tok::KwType: return type_decl();
      case Tok::KwExtern: return extern_decl();
      default:
        error_at(kw, "a declaration ('import', 'param', 'source', 'let', 'fn', 'out', 'type' or 'extern')",
                 kw.kind == Tok::Ident && peek(1).kind == Tok::Assign
                     ? "to define a value, write 'let " + kw.text + " = ...'"
                     : std::string());
    }
  }

  DeclPtr import_decl() {
    auto d = std::make_unique<Decl>(Decl::Kind::Import);
    d->loc = advance().loc;
    do {
      const Token& n = expect(Tok::Ident, "a module name");
      std::string name = n.text;
      Loc loc = n.loc;
      while (peek().kind == Tok::Dot && peek(1).kind == Tok::Ident) {
        advance();
        name += "." + advance().text;
        loc = loc.to(prev().loc);
      }
      d->imports.emplace_back(name, loc);
    } while (accept(Tok::Comma));
    return d;
  }

  void name_of(Decl& d, const char* what) {
    const Token& n = expect(Tok::Ident, what);
    d.name = n.text;
    d.name_loc = n.loc;
  }

  DeclPtr value_decl(Decl::Kind kind) {
    auto d = std::make_unique<Decl>(kind);
    d->loc = advance().loc;
    name_of(*d, "a name");
    if (accept(Tok::Colon)) d->type = type_expr();
    if (kind == Decl::Kind::Param) {
      if (!d->type) error_at(peek(), "':' and a type after the param name", "params are typed: 'param n: i64 = 5'");
      if (accept(Tok::Assign)) d->value = expr();
      return d;
    }
    expect(Tok::Assign, "'='");
    d->value = expr();
    return d;
  }

  DeclPtr fn_decl() {
    auto d = std::make_unique<Decl>(Decl::Kind::Fn);
    d->loc = advance().loc;
    name_of(*d, "a function name");
    expect(Tok::LParen);
    if (peek().kind != Tok::RParen) {
      do {
        Decl::ParamDecl p;
        const Token& n = expect(Tok::Ident, "a parameter name");
        p.name = n.text;
        p.loc = n.loc;
        if (accept(Tok::Colon)) p.type = type_expr();
        d->params.push_back(std::move(p));
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen);
    if (accept(Tok::Arrow)) d->type = type_expr();
    expect(Tok::Assign, "'=' before the function body");
    d->value = expr();
    return d;
  }

  DeclPtr out_decl() {
    auto d = std::make_unique<Decl>(Decl::Kind::Out);
    d->loc = advance().loc;
    const Token& p = expect(Tok::String, "the output file name as a string");
    d->name = p.text;
    d->name_loc = p.loc;
    expect(Tok::Assign, "'='");
    d->value = expr();
    return d;
  }

  void dim_var_list(Decl& d) {
    if (!accept(Tok::Lt)) return;
    do {
      d.dim_vars.push_back(expect(Tok::Ident, "a dimension variable").text);
    } while (accept(Tok::Comma));
    expect(Tok::Gt, "'>'");
  }

  DeclPtr type_decl() {
    auto d = std::make_unique<Decl>(Decl::Kind::Type);
    d->loc = advance().loc;
    name_of(*d, "a type name");
    dim_var_list(*d);
    expect(Tok::Assign, "'='");
    d->type = type_expr();
    return d;
  }

  DeclPtr extern_decl() {
    auto d = std::make_unique<Decl>(Decl::Kind::Extern);
    d->loc = advance().loc;
    if (accept(Tok::KwSource)) d->is_source = true;
    expect(Tok::KwFn, "'fn'");
    name_of(*d, "a function name");
    dim_var_list(*d);
    expect(Tok::LParen);
    if (peek().kind != Tok::RParen) {
      do {
        Decl::ParamDecl p;
        const Token& n = expect(Tok::Ident, "a parameter name");
        p.name = n.text;
        p.loc = n.loc;
        expect(Tok::Colon, "':' and the parameter's type");
        p.type = type_expr();
        if (accept(Tok::Assign)) p.default_value = expr();
        d->params.push_back(std::move(p));
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen);
    expect(Tok::Arrow, "'->' and the result type");
    d->type = type_expr();
    return d;
  }

  // ---- types ----
  TypeExprPtr type_expr() {
    DepthGuard guard(*this, peek());
    auto t = std::make_unique<TypeExpr>();
    const Token& first = peek();
    t->loc = first.loc;
    if (accept(Tok::LBrace)) {
      t->kind = TypeExpr::Kind::Record;
      if (peek().kind != Tok::RBrace) {
        do {
          TypeExpr::FieldExpr f;
          const Token& n = expect(Tok::Ident, "a field name");
          f.name = n.text;
          f.loc = n.loc;
          expect(Tok::Colon);
          f.type = type_expr();
          t->fields.push_back(std::move(f));
        } while (accept(Tok::Comma));
      }
      expect(Tok::RBrace, "'}' or ','");
      t->loc = t->loc.to(prev().loc);
      return t;
    }
    const Token& n = expect(Tok::Ident, "a type");
    t->name = n.text;
    if ((n.text == "list" || n.text == "opaque") && accept(Tok::Lt)) {
      t->kind = n.text == "list" ? TypeExpr::Kind::List : TypeExpr::Kind::Opaque;
      std::string inner = expect(Tok::Ident, n.text == "list" ? "an element type" : "a handle name").text;
      while (t->kind == TypeExpr::Kind::Opaque && accept(Tok::Dot))
        inner += "." + expect(Tok::Ident, "a name").text;
      t->name = inner;
      expect(Tok::Gt, "'>'");
      t->loc = t->loc.to(prev().loc);
      return t;
    }
    if (dtype_from_name(n.text)) {
      t->kind = TypeExpr::Kind::Tensor;
      if (accept(Tok::LBracket)) {
        t->has_dims = true;
        if (peek().kind != Tok::RBracket) {
          do {
            TypeExpr::DimExpr d;
            const Token& dn = expect(Tok::Ident, "a dimension name");
            d.name = dn.text;
            d.loc = dn.loc;
            if (accept(Tok::Assign)) {
              const Token& s = peek();
              if (s.kind == Tok::Int) {
                advance();
                d.size_kind = TypeExpr::DimExpr::SizeKind::Const;
                auto [p, ec] = std::from_chars(s.text.data(), s.text.data() + s.text.size(), d.size);
                if (ec != std::errc()) {
                  diags_.error(s.loc, "dimension size '" + s.text + "' is too large");
                  throw SyntaxError{};
                }
              } else if (s.kind == Tok::SizeSym) {
                advance();
                d.size_kind = TypeExpr::DimExpr::SizeKind::Sym;
                d.sym = s.text;
              } else {
                error_at(s, "a dimension size (an integer or ?name)");
              }
            }
            d.loc = d.loc.to(prev().loc);
            t->dims.push_back(std::move(d));
          } while (accept(Tok::Comma));
        }
        expect(Tok::RBracket, "']' or ','");
      }
      t->loc = t->loc.to(prev().loc);
      return t;
    }
    t->kind = TypeExpr::Kind::Named;
    if (accept(Tok::Lt)) {
      do {
        t->args.push_back(expect(Tok::Ident, "a dimension name").text);
      } while (accept(Tok::Comma));
      expect(Tok::Gt, "'>'");
    }
    t->loc = t->loc.to(prev().loc);
    return t;
  }

  // Nesting is bounded so that hostile input cannot overflow the stack.
  struct DepthGuard {
    Parser& p;
    DepthGuard(Parser& parser, const Token& at) : p(parser) {
      if (++p.depth_ > kMaxDepth) {
        p.diags_.error(at.loc, "expression or type nested too deeply (more than " +
                                   std::to_string(kMaxDepth) + " levels)");
        throw SyntaxError{};
      }
    }
    ~DepthGuard() { --p.depth_; }
  };
  static constexpr int kMaxDepth = 200;

  // ---- expressions ----
  ExprPtr expr() {
    DepthGuard guard(*this, peek());
    return binary(1);
  }

  ExprPtr binary(int min_prec) {
    ExprPtr lhs = unary();
    for (;;) {
      Tok op = peek().kind;
      int prec = binary_precedence(op);
      if (prec == 0 || prec < min_prec) return lhs;
      Token op_tok = advance();
      if (op == Tok::Pipe) {
        lhs = pipe_into(std::move(lhs), op_tok);
        continue;
      }
      // ** is right-associative; the rest are left-associative.
      ExprPtr rhs = op == Tok::StarStar ? binary(prec) : binary(prec + 1);
      auto b = std::make_unique<Expr>(Expr::Kind::Binary);
      b->text = binary_op_text(op);
      b->loc = lhs->loc.to(rhs->loc);
      b->lhs = std::move(lhs);
      b->rhs = std::move(rhs);
      lhs = std::move(b);
    }
  }

  // x |> f(a, b)  ==>  f(x, a, b);   x |> f  ==>  f(x)
  ExprPtr pipe_into(ExprPtr lhs, const Token& op_tok) {
    ExprPtr target = postfix(primary(), /*allow_call=*/false);
    auto call = std::make_unique<Expr>(Expr::Kind::Call);
    call->piped = true;
    if (target->kind != Expr::Kind::Name && target->kind != Expr::Kind::Member) {
      diags_.error(target->loc, "expected a function after '|>'", "write 'x |> f(args)' or 'x |> f'");
      throw SyntaxError{};
    }
    call->lhs = std::move(target);
    call->args.push_back(Expr::Arg{{}, {}, std::move(lhs)});
    if (peek().kind == Tok::LParen) call_args(*call);
    call->loc = call->args[0].value->loc.to(prev().loc);
    return call;
  }

  ExprPtr unary() {
    const Token& t = peek();
    if (t.kind == Tok::Minus || t.kind == Tok::KwNot) {
      DepthGuard guard(*this, t);
      advance();
      // Unary minus binds looser than ** (so -x**2 == -(x**2)).
      ExprPtr operand = t.kind == Tok::Minus ? binary(9) : unary();
      auto u = std::make_unique<Expr>(Expr::Kind::Unary);
      u->text = t.kind == Tok::Minus ? "-" : "not";
      u->loc = t.loc.to(operand->loc);
      u->lhs = std::move(operand);
      return u;
    }
    return postfix(primary(), true);
  }

  void call_args(Expr& call) {
    expect(Tok::LParen);
    if (peek().kind != Tok::RParen) {
      do {
        Expr::Arg a;
        if (peek().kind == Tok::Ident && peek(1).kind == Tok::Assign) {
          a.name = peek().text;
          a.name_loc = advance().loc;
          advance();
        }
        a.value = expr();
        call.args.push_back(std::move(a));
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen, "')' or ','");
  }

  ExprPtr postfix(ExprPtr e, bool allow_call) {
    for (;;) {
      if (peek().kind == Tok::Dot) {
        advance();
        const Token& f = expect(Tok::Ident, "a field or member name after '.'");
        auto m = std::make_unique<Expr>(Expr::Kind::Member);
        m->text = f.text;
        m->loc = e->loc.to(f.loc);
        m->lhs = std::move(e);
        e = std::move(m);
      } else if (allow_call && peek().kind == Tok::LParen) {
        auto c = std::make_unique<Expr>(Expr::Kind::Call);
        Loc start = e->loc;
        c->lhs = std::move(e);
        call_args(*c);
        c->loc = start.to(prev().loc);
        e = std::move(c);
      } else {
        return e;
      }
    }
  }

  ExprPtr primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Int: {
        advance();
        auto e = std::make_unique<Expr>(Expr::Kind::Int);
        e->loc = t.loc;
        e->unit = t.unit;
        auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), e->int_value);
        if (ec != std::errc()) {
          diags_.error(t.loc, "integer literal '" + t.text + "' does not fit in 64 bits");
          throw SyntaxError{};
        }
        return e;
      }
      case Tok::Float: {
        advance();
        auto e = std::make_unique<Expr>(Expr::Kind::Float);
        e->loc = t.loc;
        e->unit = t.unit;
        e->float_value = std::strtod(t.text.c_str(), nullptr);
        if (!std::isfinite(e->float_value)) {
          diags_.error(t.loc, "number '" + t.text + "' is out of range for f64");
          throw SyntaxError{};
        }
        return e;
      }
      case Tok::String: {
        advance();
        auto e = std::make_unique<Expr>(Expr::Kind::String);
        e->loc = t.loc;
        e->text = t.text;
        return e;
      }
      case Tok::KwTrue:
      case Tok::KwFalse: {
        advance();
        auto e = std::make_unique<Expr>(Expr::Kind::Bool);
        e->loc = t.loc;
        e->bool_value = t.kind == Tok::KwTrue;
        return e;
      }
      case Tok::Ident: {
        advance();
        auto e = std::make_unique<Expr>(Expr::Kind::Name);
        e->loc = t.loc;
        e->text = t.text;
        return e;
      }
      case Tok::LParen: {
        advance();
        ExprPtr e = expr();
        expect(Tok::RParen, "')'");
        return e;
      }
      case Tok::LBracket: {
        auto e = std::make_unique<Expr>(Expr::Kind::List);
        Loc start = advance().loc;
        if (peek().kind != Tok::RBracket) {
          do {
            e->args.push_back(Expr::Arg{{}, {}, expr()});
          } while (accept(Tok::Comma));
        }
        expect(Tok::RBracket, "']' or ','");
        e->loc = start.to(prev().loc);
        return e;
      }
      case Tok::LBrace: {
        // A record value: {name: expr, ...} (outputs such as metrics.json).
        auto e = std::make_unique<Expr>(Expr::Kind::Record);
        Loc start = advance().loc;
        if (peek().kind != Tok::RBrace) {
          do {
            const Token& name = expect(Tok::Ident, "a field name");
            expect(Tok::Colon, "':' after the field name");
            e->args.push_back(Expr::Arg{name.text, name.loc, expr()});
          } while (accept(Tok::Comma));
        }
        expect(Tok::RBrace, "'}' or ','");
        e->loc = start.to(prev().loc);
        return e;
      }
      default:
        error_at(t, "an expression");
    }
  }

  std::int32_t file_;
  const std::vector<Token>& toks_;
  DiagnosticEngine& diags_;
  std::size_t pos_ = 0;
  std::size_t decl_start_ = 0;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<Module> parse_module(std::int32_t file, const std::vector<Token>& tokens,
                                     DiagnosticEngine& diags) {
  return Parser(file, tokens, diags).run();
}

}  // namespace b2m
