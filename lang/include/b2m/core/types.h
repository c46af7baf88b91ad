// The type system shared by the language checker and the graph IR.
//
// A tensor type has a dtype and an ordered list of *named* dimensions; each
// dimension's size is a constant or a symbol (`?name`) whose value is known
// only at run time. Broadcasting, reductions and contractions go by name.
// Scalars are rank-0 tensors. Records group named fields (a BIDS run is a
// record of bold, run labels, events...). Lists hold compile-time constants
// (region names). Opaque types stand for runtime handles (loaded models).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace b2m {

enum class DType : std::uint8_t { F32, F64, I32, I64, Bool, Str, Path };

const char* dtype_name(DType d);
std::optional<DType> dtype_from_name(const std::string& s);
inline bool is_float(DType d) { return d == DType::F32 || d == DType::F64; }
inline bool is_int(DType d) { return d == DType::I32 || d == DType::I64; }
inline bool is_numeric(DType d) { return is_float(d) || is_int(d); }
// str and path values are scalars only (no tensors of strings).
inline bool is_textual(DType d) { return d == DType::Str || d == DType::Path; }

// A dimension's size: a constant, or a symbol shared by every dimension that
// must have the same run-time size.
struct Size {
  std::int64_t constant = -1;  // >= 0 when known
  std::string symbol;          // when not constant; "" = unconstrained
  static Size of(std::int64_t n) { return Size{n, {}}; }
  static Size sym(std::string s) { return Size{-1, std::move(s)}; }
  bool is_const() const { return constant >= 0; }
  bool operator==(const Size& o) const { return constant == o.constant && symbol == o.symbol; }
  std::string str() const;  // "20", "?time", "?"
};

struct Dim {
  std::string name;
  Size size;
  bool operator==(const Dim& o) const { return name == o.name && size == o.size; }
};

struct Field;

struct Type {
  enum class Kind : std::uint8_t { Invalid, Tensor, Record, List, Opaque };
  Kind kind = Kind::Invalid;
  DType dtype = DType::F32;  // Tensor; List element
  std::vector<Dim> dims;     // Tensor
  std::vector<Field> fields; // Record
  std::string name;          // Opaque
  // A numeric literal whose dtype adapts to the other operand (2.0 * x keeps
  // x's f32). Not part of the printed type.
  bool weak = false;

  // Special members and factories are defined after Field is complete
  // (std::vector<Field> needs it).
  Type();
  Type(const Type&);
  Type(Type&&) noexcept;
  Type& operator=(const Type&);
  Type& operator=(Type&&) noexcept;
  ~Type();
  static Type invalid();
  static Type scalar(DType d);
  static Type tensor(DType d, std::vector<Dim> dims);
  static Type list(DType elem);
  static Type opaque(std::string name);
  static Type record(std::vector<Field> fields);

  bool is_valid() const { return kind != Kind::Invalid; }
  bool is_tensor() const { return kind == Kind::Tensor; }
  bool is_scalar() const { return kind == Kind::Tensor && dims.empty(); }
  bool is_record() const { return kind == Kind::Record; }
  std::size_t rank() const { return dims.size(); }

  // Index of the dimension called `n`, or -1.
  int dim_index(const std::string& n) const;
  const Dim* find_dim(const std::string& n) const;
  const Field* find_field(const std::string& n) const;
  std::vector<std::string> dim_names() const;

  std::string str() const;  // the textual form, parseable by both parsers
  bool operator==(const Type& o) const;
  bool operator!=(const Type& o) const { return !(*this == o); }
  // Same dtype and dimension names in the same order; sizes may differ.
  bool same_layout(const Type& o) const;
};

struct Field {
  std::string name;
  Type type;
  bool operator==(const Field& o) const { return name == o.name && type == o.type; }
};

inline Type::Type() = default;
inline Type::Type(const Type&) = default;
inline Type::Type(Type&&) noexcept = default;
inline Type& Type::operator=(const Type&) = default;
inline Type& Type::operator=(Type&&) noexcept = default;
inline Type::~Type() = default;
inline Type Type::invalid() { return Type{}; }
inline Type Type::scalar(DType d) {
  Type t;
  t.kind = Kind::Tensor;
  t.dtype = d;
  return t;
}
inline Type Type::tensor(DType d, std::vector<Dim> dims) {
  Type t = scalar(d);
  t.dims = std::move(dims);
  return t;
}
inline Type Type::list(DType elem) {
  Type t;
  t.kind = Kind::List;
  t.dtype = elem;
  return t;
}
inline Type Type::opaque(std::string name) {
  Type t;
  t.kind = Kind::Opaque;
  t.name = std::move(name);
  return t;
}
inline Type Type::record(std::vector<Field> fields) {
  Type t;
  t.kind = Kind::Record;
  t.fields = std::move(fields);
  return t;
}

// Hands out fresh size symbols: "?time", then "?time_2", "?time_3"...
class SizeSymbols {
 public:
  std::string fresh(const std::string& base);
  void reserve(const std::string& symbol) { used_.push_back(symbol); }

 private:
  std::vector<std::string> used_;
};

}  // namespace b2m
