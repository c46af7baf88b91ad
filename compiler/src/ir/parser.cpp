// Parser for the textual IR. Uses the language's lexer (IR mode) so types are
// spelled exactly as in .b2m files.
#include <charconv>
#include <cmath>
#include <map>

#include "b2m/ir/printer.h"
#include "b2m/lang/token.h"

namespace b2m::ir {

namespace {

struct ParseError {};

class IrParser {
 public:
  IrParser(std::int32_t file, DiagnosticEngine& diags)
      : file_(file), diags_(diags), sm_(diags.sources()) {
    toks_ = lex(file, sm_.file(file).text, diags, LexOptions{true});
  }

  std::unique_ptr<Module> run() {
    auto m = std::make_unique<Module>();
    module_ = m.get();
    std::size_t errors = diags_.num_errors();
    try {
      while (peek().kind != Tok::Eof) {
        if (peek().kind == Tok::KwExtern) {
          parse_extern(*m);
        } else if (peek().kind == Tok::Ident && peek().text == "func") {
          parse_func(*m);
        } else {
          error(peek(), "'func' or 'extern'");
        }
      }
    } catch (ParseError&) {
      return nullptr;
    }
    if (diags_.num_errors() > errors) return nullptr;
    return m;
  }

 private:
  const Token& peek(std::size_t k = 0) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
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
  [[noreturn]] void error(const Token& t, const std::string& expected) {
    std::string found = t.kind == Tok::Eof ? "end of file" : !t.text.empty() ? "'" + t.text + "'" : tok_name(t.kind);
    diags_.error(t.loc, "expected " + expected + ", found " + found);
    throw ParseError{};
  }
  const Token& expect(Tok k, const std::string& what = {}) {
    if (peek().kind != k) error(peek(), what.empty() ? tok_name(k) : what);
    return advance();
  }
  // Identifiers, including keywords used as op or dimension names (not, and, or...).
  const Token& word(const std::string& what) {
    const Token& t = peek();
    if (t.kind == Tok::Ident || (t.kind >= Tok::KwImport && t.kind <= Tok::KwAs)) return advance();
    error(t, what);
  }

  Type parse_type() {
    const Token& t = peek();
    if (accept(Tok::LBrace)) {
      std::vector<Field> fields;
      if (peek().kind != Tok::RBrace) {
        do {
          std::string n = word("a field name").text;
          expect(Tok::Colon);
          fields.push_back(Field{n, parse_type()});
        } while (accept(Tok::Comma));
      }
      expect(Tok::RBrace, "'}'");
      return Type::record(fields);
    }
    const Token& n = word("a type");
    if ((n.text == "list" || n.text == "opaque") && accept(Tok::Lt)) {
      std::string inner = word("a name").text;
      while (n.text == "opaque" && accept(Tok::Dot)) inner += "." + word("a name").text;
      expect(Tok::Gt, "'>'");
      if (n.text == "opaque") return Type::opaque(inner);
      auto dt = dtype_from_name(inner);
      if (!dt) {
        diags_.error(n.loc, "unknown list element type '" + inner + "'");
        throw ParseError{};
      }
      return Type::list(*dt);
    }
    auto dt = dtype_from_name(n.text);
    if (!dt) {
      diags_.error(n.loc, "unknown type '" + n.text + "'");
      throw ParseError{};
    }
    Type ty = Type::scalar(*dt);
    if (accept(Tok::LBracket)) {
      if (peek().kind != Tok::RBracket) {
        do {
          Dim d{word("a dimension name").text, {}};
          if (accept(Tok::Assign)) {
            const Token& s = peek();
            if (s.kind == Tok::Int) {
              advance();
              std::int64_t v = 0;
              auto [p, ec] = std::from_chars(s.text.data(), s.text.data() + s.text.size(), v);
              if (ec != std::errc() || v <= 0) {
                diags_.error(s.loc, "invalid dimension size '" + s.text + "'");
                throw ParseError{};
              }
              d.size = Size::of(v);
            } else if (s.kind == Tok::SizeSym) {
              advance();
              d.size = Size::sym(s.text == "?" ? "" : s.text);
            } else {
              error(s, "a dimension size");
            }
          }
          if (ty.find_dim(d.name)) {
            diags_.error(prev_loc(), "dimension '" + d.name + "' appears twice");
            throw ParseError{};
          }
          ty.dims.push_back(d);
        } while (accept(Tok::Comma));
      }
      expect(Tok::RBracket, "']'");
    }
    (void)t;
    return ty;
  }
  Loc prev_loc() const { return toks_[pos_ ? pos_ - 1 : 0].loc; }

  void parse_extern(Module& m) {
    advance();
    Extern e;
    e.name = expect(Tok::SymbolId, "an @name").text.substr(1);
    if (accept(Tok::Lt)) {
      do {
        e.dim_vars.push_back(word("a dimension variable").text);
      } while (accept(Tok::Comma));
      expect(Tok::Gt, "'>'");
    }
    expect(Tok::LParen);
    if (peek().kind != Tok::RParen) {
      do {
        std::string n = word("a parameter name").text;
        expect(Tok::Colon);
        e.params.emplace_back(n, parse_type());
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen, "')'");
    expect(Tok::Arrow, "'->'");
    if (peek().kind == Tok::Ident && peek().text == "annotated") {
      advance();
      e.annotated = true;
    } else {
      e.result = parse_type();
    }
    if (accept(Tok::KwSource)) e.source = true;
    if (m.find_extern(e.name)) {
      diags_.error(prev_loc(), "duplicate extern @" + e.name);
      throw ParseError{};
    }
    m.externs.push_back(std::move(e));
  }

  Value* lookup(const Token& t) {
    auto it = values_.find(t.text.substr(1));
    if (it == values_.end()) {
      diags_.error(t.loc, "use of undefined value '" + t.text + "'",
                   "values must be defined before they are used (in the same function)");
      throw ParseError{};
    }
    return it->second;
  }

  void define(Value* v, const Token& t) {
    std::string n = t.text.substr(1);
    if (!values_.emplace(n, v).second) {
      diags_.error(t.loc, "redefinition of value '" + t.text + "'");
      throw ParseError{};
    }
    v->name = n;
  }

  Attr parse_attr() {
    const Token& t = peek();
    bool neg = false;
    if (t.kind == Tok::Minus) {
      advance();
      neg = true;
    }
    const Token& v = peek();
    switch (v.kind) {
      case Tok::Int: {
        advance();
        std::int64_t x = 0;
        auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), x);
        if (ec != std::errc()) {
          diags_.error(v.loc, "integer '" + v.text + "' out of range");
          throw ParseError{};
        }
        return Attr::of_int(neg ? -x : x);
      }
      case Tok::Float: {
        advance();
        double x = std::strtod(v.text.c_str(), nullptr);
        return Attr::of_float(neg ? -x : x);
      }
      default: break;
    }
    if (neg) error(v, "a number after '-'");
    if (v.kind == Tok::Ident && (v.text == "nan" || v.text == "inf")) {
      advance();
      return Attr::of_float(v.text == "nan" ? NAN : INFINITY);
    }
    if (v.kind == Tok::String) {
      advance();
      return Attr::of_str(v.text);
    }
    if (v.kind == Tok::KwTrue || v.kind == Tok::KwFalse) {
      advance();
      return Attr::of_bool(v.kind == Tok::KwTrue);
    }
    if (accept(Tok::LBracket)) {
      std::vector<Attr> items;
      if (peek().kind != Tok::RBracket) {
        do {
          items.push_back(parse_attr());
        } while (accept(Tok::Comma));
      }
      expect(Tok::RBracket, "']'");
      return Attr::of_list(std::move(items));
    }
    error(v, "an attribute value");
  }

  Loc parse_loc(Loc fallback) {
    // loc("file":line:col) or loc(unknown)
    expect(Tok::LParen);
    if (peek().kind == Tok::Ident && peek().text == "unknown") {
      advance();
      expect(Tok::RParen, "')'");
      return Loc{};
    }
    std::string path = expect(Tok::String, "a file name").text;
    expect(Tok::Colon);
    std::int64_t line = std::atoll(expect(Tok::Int, "a line number").text.c_str());
    expect(Tok::Colon);
    std::int64_t col = std::atoll(expect(Tok::Int, "a column number").text.c_str());
    expect(Tok::RParen, "')'");
    std::int32_t f = sm_.find(path);
    if (f < 0) {
      std::string err;
      f = sm_.load(path, &err);
    }
    if (f < 0 || line <= 0 || col <= 0) return fallback;
    return sm_.loc_at(f, static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(col));
  }

  void parse_func(Module& m) {
    advance();
    auto f = std::make_unique<Func>();
    const Token& name = expect(Tok::SymbolId, "an @name");
    f->name = name.text.substr(1);
    f->loc = name.loc;
    if (m.find_func(f->name)) {
      diags_.error(name.loc, "duplicate function @" + f->name);
      throw ParseError{};
    }
    values_.clear();
    expect(Tok::LParen);
    if (peek().kind != Tok::RParen) {
      do {
        const Token& v = expect(Tok::ValueId, "a %argument");
        expect(Tok::Colon);
        auto arg = std::make_unique<Value>();
        arg->type = parse_type();
        arg->arg_of = f.get();
        define(arg.get(), v);
        f->args.push_back(std::move(arg));
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen, "')'");
    if (accept(Tok::Arrow)) f->result = parse_type();
    expect(Tok::LBrace, "'{'");
    while (peek().kind != Tok::RBrace) {
      if (peek().kind == Tok::Eof) error(peek(), "'}' at the end of @" + f->name);
      f->body.push_back(parse_op(*f));
    }
    advance();
    m.funcs.push_back(std::move(f));
  }

  std::unique_ptr<Op> parse_op(Func& f) {
    const Token* result_tok = nullptr;
    if (peek().kind == Tok::ValueId) {
      result_tok = &advance();
      expect(Tok::Assign, "'='");
    }
    const Token& opname = word("an op name");
    auto id = op_from_name(opname.text);
    if (!id) {
      std::vector<std::string> names;
      for (int i = 0; i < num_ops(); ++i) names.push_back(op_info(static_cast<OpId>(i)).name);
      std::string guess = closest_match(opname.text, names);
      diags_.error(opname.loc, "unknown op '" + opname.text + "'", guess.empty() ? "" : "did you mean '" + guess + "'?");
      throw ParseError{};
    }
    auto op = std::make_unique<Op>();
    op->id = *id;
    op->loc = opname.loc;
    op->parent = &f;
    expect(Tok::LParen, "'(' after the op name");
    if (peek().kind != Tok::RParen) {
      do {
        op->operands.push_back(lookup(expect(Tok::ValueId, "a %value")));
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen, "')'");
    if (accept(Tok::LBrace)) {
      if (peek().kind != Tok::RBrace) {
        do {
          const Token& key = word("an attribute name");
          expect(Tok::Assign, "'='");
          if (op->attr(key.text)) {
            diags_.error(key.loc, "attribute '" + key.text + "' given twice");
            throw ParseError{};
          }
          op->attrs.emplace_back(key.text, parse_attr());
        } while (accept(Tok::Comma));
      }
      expect(Tok::RBrace, "'}'");
    }
    if (result_tok) {
      expect(Tok::Colon, "':' and the result type");
      op->result = std::make_unique<Value>();
      op->result->type = parse_type();
      op->result->def = op.get();
    } else if (op->info().rule != TypeRule::None) {
      diags_.error(opname.loc, std::string("op '") + op->name() + "' produces a value: write '%name = " +
                                   op->name() + "(...)'");
      throw ParseError{};
    }
    if (peek().kind == Tok::Ident && peek().text == "loc") {
      advance();
      op->loc = parse_loc(op->loc);
    }
    if (result_tok) define(op->result.get(), *result_tok);
    return op;
  }

  std::int32_t file_;
  DiagnosticEngine& diags_;
  SourceManager& sm_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  Module* module_ = nullptr;
  std::map<std::string, Value*> values_;
};

}  // namespace

std::unique_ptr<Module> parse_module_text(std::int32_t file, DiagnosticEngine& diags) {
  IrParser p(file, diags);
  return p.run();
}

}  // namespace b2m::ir
