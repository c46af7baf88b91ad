// Tokens of the .b2m language and of the textual IR (.b2ir), which share one
// lexer so that types are spelled identically in both.
#pragma once

#include <string>
#include <vector>

#include "b2m/lang/source.h"

namespace b2m {

enum class Tok {
  Eof,
  Error,
  Ident,
  Int,
  Float,
  String,
  SizeSym,   // ?name (a symbolic dimension size)
  ValueId,   // %name (IR only)
  SymbolId,  // @name (IR only)
  // keywords
  KwImport, KwParam, KwSource, KwLet, KwFn, KwOut, KwType, KwExtern, KwTrue, KwFalse,
  KwAnd, KwOr, KwNot, KwAs,
  // punctuation
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Dot, Colon, Assign,
  Eq, Ne, Lt, Le, Gt, Ge, Plus, Minus, Star, Slash, Percent, StarStar, Pipe, Arrow, At,
};

const char* tok_name(Tok t);  // for "expected X" messages

struct Token {
  Tok kind = Tok::Eof;
  Loc loc;
  std::string text;  // identifier / literal spelling (strings: decoded value)
  std::string unit;  // number suffix: "s", "ms" (durations), "Hz"
};

struct LexOptions {
  bool ir = false;  // lex %values and @symbols (the .b2ir form)
};

class DiagnosticEngine;

// Tokenizes a whole file. Errors (bad characters, unterminated strings) are
// reported and the lexer continues, so several can be shown per run.
std::vector<Token> lex(std::int32_t file, const std::string& text, DiagnosticEngine& diags,
                       LexOptions opts = {});

}  // namespace b2m
