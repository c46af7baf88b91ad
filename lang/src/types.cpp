#include "b2m/core/types.h"

#include <algorithm>

namespace b2m {

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "f32";
    case DType::F64: return "f64";
    case DType::I32: return "i32";
    case DType::I64: return "i64";
    case DType::Bool: return "bool";
    case DType::Str: return "str";
    case DType::Path: return "path";
  }
  return "?";
}

std::optional<DType> dtype_from_name(const std::string& s) {
  static const std::pair<const char*, DType> table[] = {
      {"f32", DType::F32}, {"f64", DType::F64}, {"i32", DType::I32}, {"i64", DType::I64},
      {"bool", DType::Bool}, {"str", DType::Str}, {"path", DType::Path}};
  for (auto& [n, d] : table)
    if (s == n) return d;
  return std::nullopt;
}

std::string Size::str() const {
  if (is_const()) return std::to_string(constant);
  return symbol.empty() ? "?" : symbol;
}

int Type::dim_index(const std::string& n) const {
  for (std::size_t i = 0; i < dims.size(); ++i)
    if (dims[i].name == n) return static_cast<int>(i);
  return -1;
}

const Dim* Type::find_dim(const std::string& n) const {
  int i = dim_index(n);
  return i < 0 ? nullptr : &dims[i];
}

const Field* Type::find_field(const std::string& n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

std::vector<std::string> Type::dim_names() const {
  std::vector<std::string> out;
  for (const auto& d : dims) out.push_back(d.name);
  return out;
}

std::string Type::str() const {
  switch (kind) {
    case Kind::Invalid: return "<invalid>";
    case Kind::Tensor: {
      std::string s = dtype_name(dtype);
      if (dims.empty()) return s;
      s += '[';
      for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i) s += ", ";
        s += dims[i].name;
        if (dims[i].size.is_const() || !dims[i].size.symbol.empty()) {
          s += '=';
          s += dims[i].size.str();
        }
      }
      s += ']';
      return s;
    }
    case Kind::Record: {
      std::string s = "{";
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) s += ", ";
        s += fields[i].name + ": " + fields[i].type.str();
      }
      return s + "}";
    }
    case Kind::List: return std::string("list<") + dtype_name(dtype) + ">";
    case Kind::Opaque: return "opaque<" + name + ">";
  }
  return "<invalid>";
}

bool Type::operator==(const Type& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::Invalid: return true;
    case Kind::Tensor: return dtype == o.dtype && dims == o.dims;
    case Kind::Record: return fields == o.fields;
    case Kind::List: return dtype == o.dtype;
    case Kind::Opaque: return name == o.name;
  }
  return false;
}

bool Type::same_layout(const Type& o) const {
  if (kind != Kind::Tensor || o.kind != Kind::Tensor) return *this == o;
  if (dtype != o.dtype || dims.size() != o.dims.size()) return false;
  for (std::size_t i = 0; i < dims.size(); ++i)
    if (dims[i].name != o.dims[i].name) return false;
  return true;
}

std::string SizeSymbols::fresh(const std::string& base) {
  std::string stem = "?" + (base.empty() || base == "_" ? std::string("n") : base);
  std::string s = stem;
  for (int k = 2; std::find(used_.begin(), used_.end(), s) != used_.end(); ++k)
    s = stem + "_" + std::to_string(k);
  used_.push_back(s);
  return s;
}

}  // namespace b2m
