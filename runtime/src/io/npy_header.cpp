#include "npy_header.h"

#include <cctype>
#include <limits>

#include "b2m/runtime/error.h"

namespace b2m::io::detail {

namespace {

class DictParser {
 public:
  DictParser(std::string_view text, const std::string& where) : text_(text), where_(where) {}

  NpyHeader parse() {
    NpyHeader header;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        header.descr = string_literal();
        seen_descr = true;
      } else if (key == "fortran_order") {
        header.fortran_order = boolean();
        seen_order = true;
      } else if (key == "shape") {
        header.shape = int_tuple();
        seen_shape = true;
      } else {
        bad("unexpected key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != '}') {
        bad("expected ',' or '}'");
      }
    }
    if (!seen_descr || !seen_order || !seen_shape)
      bad("missing one of 'descr', 'fortran_order', 'shape'");
    return header;
  }

 private:
  [[noreturn]] void bad(const std::string& what) {
    fail("'{}': bad .npy header ({}) in \"{}\"", where_, what, std::string(text_));
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char peek() {
    skip_space();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  void expect(char c) {
    if (peek() != c) bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a quoted string");
    ++pos_;
    std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) bad("unterminated string");
    std::string value(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return value;
  }
  bool boolean() {
    skip_space();
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    bad("expected True or False");
  }
  std::vector<std::size_t> int_tuple() {
    std::vector<std::size_t> values;
    expect('(');
    while (true) {
      char c = peek();
      if (c == ')') {
        ++pos_;
        return values;
      }
      if (!std::isdigit(static_cast<unsigned char>(c))) bad("expected a non-negative integer in shape");
      std::size_t value = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        std::size_t digit = static_cast<std::size_t>(text_[pos_] - '0');
        if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) bad("shape overflows");
        value = value * 10 + digit;
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 long suffix
      values.push_back(value);
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        bad("expected ',' or ')' in shape");
      }
    }
  }

  std::string_view text_;
  const std::string& where_;
  std::size_t pos_ = 0;
};

}  // namespace

NpyHeader parse_npy_header(std::string_view text, const std::string& where) {
  return DictParser(text, where).parse();
}

std::string format_npy_header(const NpyHeader& header, std::size_t prefix_size) {
  std::string shape = "(";
  for (std::size_t i = 0; i < header.shape.size(); ++i) {
    if (i > 0) shape += ", ";
    shape += std::to_string(header.shape[i]);
  }
  if (header.shape.size() == 1) shape += ",";
  shape += ")";
  std::string text = "{'descr': '" + header.descr + "', 'fortran_order': " +
                     (header.fortran_order ? "True" : "False") + ", 'shape': " + shape + ", }";
  std::size_t total = prefix_size + text.size() + 1;  // + the final newline
  text.append((64 - total % 64) % 64, ' ');
  text += '\n';
  return text;
}

}  // namespace b2m::io::detail
