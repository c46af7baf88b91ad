#include "b2m/core/signature.h"

namespace b2m {

bool match_type(const Type& param, const Type& arg, const std::set<std::string>& vars,
                DimBindings& b, std::string* why) {
  auto fail = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return false;
  };
  if (param.kind != arg.kind) {
    // A string literal can be passed where a path is expected.
    return fail("expected " + param.str() + ", got " + arg.str());
  }
  switch (param.kind) {
    case Type::Kind::Invalid: return true;
    case Type::Kind::Opaque:
      return param.name == arg.name ? true : fail("expected " + param.str() + ", got " + arg.str());
    case Type::Kind::List:
      if (param.dtype == arg.dtype || (param.dtype == DType::F64 && arg.dtype == DType::I64) ||
          (param.dtype == DType::F32 && is_numeric(arg.dtype)))
        return true;
      return fail("expected " + param.str() + ", got " + arg.str());
    case Type::Kind::Record:
      if (param.fields.size() != arg.fields.size())
        return fail("expected a record with " + std::to_string(param.fields.size()) + " fields " +
                    param.str() + ", got " + arg.str());
      for (std::size_t i = 0; i < param.fields.size(); ++i) {
        if (param.fields[i].name != arg.fields[i].name)
          return fail("expected field '" + param.fields[i].name + "', got '" + arg.fields[i].name + "'");
        std::string inner;
        if (!match_type(param.fields[i].type, arg.fields[i].type, vars, b, &inner))
          return fail("in field '" + param.fields[i].name + "': " + inner);
      }
      return true;
    case Type::Kind::Tensor: {
      bool dtype_ok = param.dtype == arg.dtype ||
                      (param.dtype == DType::Path && arg.dtype == DType::Str) ||
                      (arg.weak && is_numeric(param.dtype) &&
                       (is_float(param.dtype) || is_int(arg.dtype)));
      if (!dtype_ok) return fail("expected dtype " + std::string(dtype_name(param.dtype)) + ", got " + arg.str());
      if (param.dims.size() != arg.dims.size())
        return fail("expected " + std::to_string(param.dims.size()) + " dimension(s) " +
                    param.str() + ", got " + std::to_string(arg.dims.size()) + ": " + arg.str());
      for (std::size_t i = 0; i < param.dims.size(); ++i) {
        const Dim& p = param.dims[i];
        const Dim& a = arg.dims[i];
        if (vars.count(p.name)) {
          auto it = b.dims.find(p.name);
          if (it == b.dims.end()) {
            b.dims[p.name] = a;
          } else if (it->second.name != a.name) {
            return fail("dimension " + std::to_string(i + 1) + " must be '" + it->second.name +
                        "' (as bound by an earlier argument), got '" + a.name + "'");
          }
        } else if (p.name != a.name && a.name != "_") {
          return fail("dimension " + std::to_string(i + 1) + " must be named '" + p.name +
                      "', got '" + a.name + "'");
        }
      }
      return true;
    }
  }
  return true;
}

namespace {
// Within one result type, dimensions that share a name and have no size share
// one fresh symbol: {bold: f32[time, voxel], run: i32[time]} keeps one ?time.
Type substitute_in(const Type& t, const std::set<std::string>& vars, const DimBindings& b,
                   SizeSymbols& symbols, std::map<std::string, Size>& fresh) {
  Type out = t;
  if (t.kind == Type::Kind::Tensor) {
    for (auto& d : out.dims) {
      auto it = vars.count(d.name) ? b.dims.find(d.name) : b.dims.end();
      if (it != b.dims.end()) {
        d = it->second;
      } else if (!d.size.is_const() && (d.size.symbol.empty() || d.size.symbol == "?")) {
        auto f = fresh.find(d.name);
        if (f == fresh.end()) f = fresh.emplace(d.name, Size::sym(symbols.fresh(d.name))).first;
        d.size = f->second;
      }
    }
  } else if (t.kind == Type::Kind::Record) {
    for (auto& f : out.fields) f.type = substitute_in(f.type, vars, b, symbols, fresh);
  }
  return out;
}
}  // namespace

Type substitute(const Type& t, const std::set<std::string>& vars, const DimBindings& b,
                SizeSymbols& symbols) {
  std::map<std::string, Size> fresh;
  return substitute_in(t, vars, b, symbols, fresh);
}

}  // namespace b2m
