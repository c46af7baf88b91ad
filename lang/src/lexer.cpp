#include <cctype>
#include <cstring>

#include "b2m/lang/diagnostics.h"
#include "b2m/lang/token.h"

namespace b2m {

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::Eof: return "end of file";
    case Tok::Error: return "invalid token";
    case Tok::Ident: return "identifier";
    case Tok::Int: return "integer";
    case Tok::Float: return "number";
    case Tok::String: return "string";
    case Tok::SizeSym: return "size symbol";
    case Tok::ValueId: return "%value";
    case Tok::SymbolId: return "@symbol";
    case Tok::KwImport: return "'import'";
    case Tok::KwParam: return "'param'";
    case Tok::KwSource: return "'source'";
    case Tok::KwLet: return "'let'";
    case Tok::KwFn: return "'fn'";
    case Tok::KwOut: return "'out'";
    case Tok::KwType: return "'type'";
    case Tok::KwExtern: return "'extern'";
    case Tok::KwTrue: return "'true'";
    case Tok::KwFalse: return "'false'";
    case Tok::KwAnd: return "'and'";
    case Tok::KwOr: return "'or'";
    case Tok::KwNot: return "'not'";
    case Tok::KwAs: return "'as'";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::LBracket: return "'['";
    case Tok::RBracket: return "']'";
    case Tok::LBrace: return "'{'";
    case Tok::RBrace: return "'}'";
    case Tok::Comma: return "','";
    case Tok::Dot: return "'.'";
    case Tok::Colon: return "':'";
    case Tok::Assign: return "'='";
    case Tok::Eq: return "'=='";
    case Tok::Ne: return "'!='";
    case Tok::Lt: return "'<'";
    case Tok::Le: return "'<='";
    case Tok::Gt: return "'>'";
    case Tok::Ge: return "'>='";
    case Tok::Plus: return "'+'";
    case Tok::Minus: return "'-'";
    case Tok::Star: return "'*'";
    case Tok::Slash: return "'/'";
    case Tok::Percent: return "'%'";
    case Tok::StarStar: return "'**'";
    case Tok::Pipe: return "'|>'";
    case Tok::Arrow: return "'->'";
    case Tok::At: return "'@'";
  }
  return "token";
}

namespace {

struct Keyword {
  const char* text;
  Tok kind;
};
constexpr Keyword kKeywords[] = {
    {"import", Tok::KwImport}, {"param", Tok::KwParam}, {"source", Tok::KwSource},
    {"let", Tok::KwLet},       {"fn", Tok::KwFn},       {"out", Tok::KwOut},
    {"type", Tok::KwType},     {"extern", Tok::KwExtern}, {"true", Tok::KwTrue},
    {"false", Tok::KwFalse},   {"and", Tok::KwAnd},     {"or", Tok::KwOr},
    {"not", Tok::KwNot},       {"as", Tok::KwAs},
};

bool ident_start(char c) { return std::isalpha((unsigned char)c) || c == '_'; }
bool ident_char(char c) { return std::isalnum((unsigned char)c) || c == '_'; }

class Lexer {
 public:
  Lexer(std::int32_t file, const std::string& text, DiagnosticEngine& diags, LexOptions opts)
      : file_(file), s_(text), diags_(diags), opts_(opts) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      skip_space_and_comments();
      if (pos_ >= s_.size()) {
        out.push_back(Token{Tok::Eof, loc(pos_, 0), {}, {}});
        return out;
      }
      Token t = next();
      // Error tokens stay in the stream (already reported) so the parser can
      // resynchronize after them without reporting a cascade.
      if (t.kind == Tok::Error && diags_.too_many_errors()) {
        out.push_back(Token{Tok::Eof, loc(pos_, 0), {}, {}});
        return out;
      }
      out.push_back(std::move(t));
    }
  }

 private:
  Loc loc(std::size_t begin, std::size_t len) const {
    return Loc{file_, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(len)};
  }
  char peek(std::size_t k = 0) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }

  void skip_space_and_comments() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '#' || (opts_.ir && c == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '/')) {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        return;
      }
    }
  }

  Token make(Tok k, std::size_t begin, std::string text = {}) {
    return Token{k, loc(begin, pos_ - begin), std::move(text), {}};
  }

  Token next() {
    std::size_t begin = pos_;
    char c = peek();
    if (ident_start(c)) {
      while (ident_char(peek())) ++pos_;
      std::string word = s_.substr(begin, pos_ - begin);
      for (const auto& kw : kKeywords)
        if (word == kw.text) return make(kw.kind, begin, word);
      return make(Tok::Ident, begin, word);
    }
    if (std::isdigit((unsigned char)c) || (c == '.' && std::isdigit((unsigned char)peek(1))))
      return number(begin);
    if (c == '"') return string(begin);
    if ((c == '?' || (opts_.ir && (c == '%' || c == '@'))) &&
        (ident_char(peek(1)) || (c == '?' && !ident_char(peek(1))))) {
      ++pos_;
      while (ident_char(peek()) || (c != '?' && peek() == '.' && ident_char(peek(1)))) ++pos_;
      Tok k = c == '?' ? Tok::SizeSym : c == '%' ? Tok::ValueId : Tok::SymbolId;
      return make(k, begin, s_.substr(begin, pos_ - begin));
    }
    ++pos_;
    switch (c) {
      case '(': return make(Tok::LParen, begin);
      case ')': return make(Tok::RParen, begin);
      case '[': return make(Tok::LBracket, begin);
      case ']': return make(Tok::RBracket, begin);
      case '{': return make(Tok::LBrace, begin);
      case '}': return make(Tok::RBrace, begin);
      case ',': return make(Tok::Comma, begin);
      case '.': return make(Tok::Dot, begin);
      case ':': return make(Tok::Colon, begin);
      case '+': return make(Tok::Plus, begin);
      case '/': return make(Tok::Slash, begin);
      case '%': return make(Tok::Percent, begin);
      case '@': return make(Tok::At, begin);
      case '*':
        if (peek() == '*') { ++pos_; return make(Tok::StarStar, begin); }
        return make(Tok::Star, begin);
      case '-':
        if (peek() == '>') { ++pos_; return make(Tok::Arrow, begin); }
        return make(Tok::Minus, begin);
      case '=':
        if (peek() == '=') { ++pos_; return make(Tok::Eq, begin); }
        return make(Tok::Assign, begin);
      case '!':
        if (peek() == '=') { ++pos_; return make(Tok::Ne, begin); }
        diags_.error(loc(begin, 1), "unexpected character '!'", "use 'not' for negation, '!=' for inequality");
        return make(Tok::Error, begin);
      case '<':
        if (peek() == '=') { ++pos_; return make(Tok::Le, begin); }
        return make(Tok::Lt, begin);
      case '>':
        if (peek() == '=') { ++pos_; return make(Tok::Ge, begin); }
        return make(Tok::Gt, begin);
      case '|':
        if (peek() == '>') { ++pos_; return make(Tok::Pipe, begin); }
        diags_.error(loc(begin, 1), "unexpected character '|'", "the pipe operator is '|>'");
        return make(Tok::Error, begin);
      default: break;
    }
    // Report the whole UTF-8 sequence as one character.
    std::size_t len = 1;
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0xC0) {
      while (pos_ < s_.size() && (static_cast<unsigned char>(s_[pos_]) & 0xC0) == 0x80) {
        ++pos_;
        ++len;
      }
    }
    std::string shown;
    if (u >= 0x20 && u < 0x7f)
      shown = std::string("'") + c + "'";
    else if (u >= 0xC0)
      shown = "'" + s_.substr(begin, len) + "'";
    else
      shown = "with code " + std::to_string(u);
    diags_.error(loc(begin, len), "unexpected character " + shown);
    return make(Tok::Error, begin);
  }

  Token number(std::size_t begin) {
    bool is_float = false;
    while (std::isdigit((unsigned char)peek())) ++pos_;
    if (peek() == '.' && std::isdigit((unsigned char)peek(1))) {
      is_float = true;
      ++pos_;
      while (std::isdigit((unsigned char)peek())) ++pos_;
    } else if (peek() == '.' && !ident_start(peek(1))) {
      is_float = true;  // "1." is a float
      ++pos_;
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (std::isdigit((unsigned char)peek(1)) ||
         ((peek(1) == '+' || peek(1) == '-') && std::isdigit((unsigned char)peek(2))))) {
      is_float = true;
      pos_ += 2;
      while (std::isdigit((unsigned char)peek())) ++pos_;
    }
    std::string text = s_.substr(begin, pos_ - begin);
    std::string unit;
    if (ident_start(peek())) {
      std::size_t ubegin = pos_;
      while (ident_char(peek())) ++pos_;
      unit = s_.substr(ubegin, pos_ - ubegin);
      if (unit != "s" && unit != "ms" && unit != "Hz") {
        diags_.error(loc(begin, pos_ - begin), "unknown unit '" + unit + "' after number",
                     "units are 's' and 'ms' (durations) and 'Hz'");
        return make(Tok::Error, begin);
      }
    }
    Token t = make(is_float ? Tok::Float : Tok::Int, begin, text);
    t.unit = unit;
    return t;
  }

  Token string(std::size_t begin) {
    ++pos_;  // opening quote
    std::string value;
    while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\n') {
      char c = s_[pos_++];
      if (c == '\\') {
        char e = peek();
        ++pos_;
        switch (e) {
          case 'n': value += '\n'; break;
          case 't': value += '\t'; break;
          case '\\': value += '\\'; break;
          case '"': value += '"'; break;
          default:
            diags_.error(loc(pos_ - 2, 2), std::string("unknown escape sequence '\\") +
                                               (e ? std::string(1, e) : std::string()) + "' in string");
            value += e;
        }
      } else {
        value += c;
      }
    }
    if (pos_ >= s_.size() || s_[pos_] != '"') {
      diags_.error(loc(begin, 1), "unterminated string", "strings end with '\"' on the same line");
      return make(Tok::Error, begin);
    }
    ++pos_;
    return make(Tok::String, begin, value);
  }

  std::int32_t file_;
  const std::string& s_;
  DiagnosticEngine& diags_;
  LexOptions opts_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<Token> lex(std::int32_t file, const std::string& text, DiagnosticEngine& diags,
                       LexOptions opts) {
  return Lexer(file, text, diags, opts).run();
}

}  // namespace b2m
