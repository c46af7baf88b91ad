#include "b2m/ir/ir.h"

#include <cmath>
#include <cstdio>

namespace b2m::ir {

std::string Attr::str() const {
  switch (kind) {
    case Kind::Int: return std::to_string(i);
    case Kind::Float: {
      // Shortest text that reads back to the same double, always with a '.'
      // or exponent so it re-parses as a float.
      char buf[64];
      for (int prec = 6; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, f);
        if (std::strtod(buf, nullptr) == f) break;
      }
      std::string s = buf;
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      return s;
    }
    case Kind::Bool: return b ? "true" : "false";
    case Kind::Str: {
      std::string out = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        if (c == '\t') {
          out += "\\t";
          continue;
        }
        out += c;
      }
      return out + "\"";
    }
    case Kind::List: {
      std::string out = "[";
      for (std::size_t k = 0; k < list.size(); ++k) out += (k ? ", " : "") + list[k].str();
      return out + "]";
    }
  }
  return "";
}

bool Attr::operator==(const Attr& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::Int: return i == o.i;
    case Kind::Float: return f == o.f || (std::isnan(f) && std::isnan(o.f));
    case Kind::Bool: return b == o.b;
    case Kind::Str: return s == o.s;
    case Kind::List: return list == o.list;
  }
  return false;
}

const Attr* Op::attr(const std::string& key) const {
  for (const auto& [k, v] : attrs)
    if (k == key) return &v;
  return nullptr;
}

void Op::set_attr(const std::string& key, Attr value) {
  for (auto& [k, v] : attrs)
    if (k == key) {
      v = std::move(value);
      return;
    }
  attrs.emplace_back(key, std::move(value));
}

std::string Op::attr_str(const std::string& key) const {
  const Attr* a = attr(key);
  return a && a->kind == Attr::Kind::Str ? a->s : std::string();
}

Func* Module::find_func(const std::string& name) const {
  for (const auto& f : funcs)
    if (f->name == name) return f.get();
  return nullptr;
}

const Extern* Module::find_extern(const std::string& name) const {
  for (const auto& e : externs)
    if (e.name == name) return &e;
  return nullptr;
}

std::unique_ptr<Op> make_op(OpId id, std::vector<Value*> operands, Type type, Loc loc) {
  auto op = std::make_unique<Op>();
  op->id = id;
  op->operands = std::move(operands);
  op->loc = loc;
  if (type.is_valid()) {
    op->result = std::make_unique<Value>();
    op->result->type = std::move(type);
    op->result->def = op.get();
  }
  return op;
}

void replace_uses(Func& f, Value* from, Value* to, std::size_t start) {
  for (std::size_t i = start; i < f.body.size(); ++i)
    for (auto*& v : f.body[i]->operands)
      if (v == from) v = to;
}

std::size_t count_uses(const Func& f, const Value* v) {
  std::size_t n = 0;
  for (const auto& op : f.body)
    for (const auto* o : op->operands)
      if (o == v) ++n;
  return n;
}

}  // namespace b2m::ir
