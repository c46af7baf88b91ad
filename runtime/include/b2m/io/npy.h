// NumPy .npy files: read (format versions 1.0, 2.0, 3.0; memory-mapped by
// default) and write (atomically, version 1.0 or 2.0 when the header needs it).
//
//   auto a = b2m::io::read_npy("x.npy");          // any supported dtype / order
//   std::vector<float> v = a.as_f32();             // contiguous, C order
//   b2m::io::write_npy("y.npy", v.data(), {3, 4}); // float32, C order
//
// Supported dtypes: <f2 <f4 <f8 <i1 <i2 <i4 <i8 <u1 <u2 <u4 <u8 |b1 (and the
// same with '>' or '=' / '|'): big-endian data is byte-swapped into a private
// copy. Object arrays, structured dtypes and complex numbers are rejected with
// a b2m::Error naming the file.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace b2m::io {

class MappedFile;

enum class DType : std::uint8_t { f16, f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, b1 };

std::size_t dtype_size(DType type);
// The little-endian NumPy descriptor: "<f4", "|b1", ...
const char* dtype_descr(DType type);
bool dtype_is_float(DType type);

class NpyArray {
 public:
  const std::string& path() const { return path_; }
  DType dtype() const { return dtype_; }
  const std::vector<std::size_t>& shape() const { return shape_; }
  std::size_t ndim() const { return shape_.size(); }
  std::size_t size() const;  // number of elements (1 for a 0-d array)
  bool fortran_order() const { return fortran_order_; }
  // True when the data is read straight from the page cache (no copy).
  bool is_mapped() const;

  // Element bytes as stored (little-endian, in the file's order).
  std::span<const std::byte> raw() const { return {data_, size() * dtype_size(dtype_)}; }

  // Converted copies in C (row-major) order, whatever the file's order.
  std::vector<float> as_f32() const;
  std::vector<double> as_f64() const;
  // Integer and bool arrays only; a float array is an error (no silent truncation).
  std::vector<std::int64_t> as_i64() const;
  // A 2-D array (or a 1-D one, as a column) with its logical element layout.
  Eigen::MatrixXf as_matrix_f32() const;

  // Throws b2m::Error naming the file unless the shape is `expected`.
  void expect_shape(std::initializer_list<std::size_t> expected) const;

 private:
  friend NpyArray read_npy(const std::string&, bool);
  template <typename T>
  std::vector<T> convert() const;
  std::string path_;
  DType dtype_ = DType::f32;
  std::vector<std::size_t> shape_;
  bool fortran_order_ = false;
  const std::byte* data_ = nullptr;
  std::shared_ptr<const MappedFile> file_;           // keeps data_ alive (mapped or read)
  std::shared_ptr<std::vector<std::byte>> swapped_;  // big-endian input, byte-swapped
};

// map = true: memory-map the file (data pages are read lazily and shared);
// map = false: read the file into memory.
NpyArray read_npy(const std::string& path, bool map = true);

// Writes `data` (elements in C order, or Fortran order when fortran_order)
// as a .npy file; the file appears complete or not at all.
void write_npy(const std::string& path, DType type, const void* data,
               std::span<const std::size_t> shape, bool fortran_order = false);

template <typename T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<std::int8_t>() { return DType::i8; }
template <> constexpr DType dtype_of<std::int16_t>() { return DType::i16; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::u8; }
template <> constexpr DType dtype_of<std::uint16_t>() { return DType::u16; }
template <> constexpr DType dtype_of<std::uint32_t>() { return DType::u32; }
template <> constexpr DType dtype_of<std::uint64_t>() { return DType::u64; }
template <> constexpr DType dtype_of<bool>() { return DType::b1; }

template <typename T>
void write_npy(const std::string& path, const T* data, std::span<const std::size_t> shape,
               bool fortran_order = false) {
  write_npy(path, dtype_of<T>(), data, shape, fortran_order);
}
template <typename T>
void write_npy(const std::string& path, const T* data, std::initializer_list<std::size_t> shape,
               bool fortran_order = false) {
  write_npy(path, dtype_of<T>(), data, std::span<const std::size_t>(shape.begin(), shape.size()),
            fortran_order);
}
// A 2-D float matrix, written in C order.
void write_npy(const std::string& path, const Eigen::MatrixXf& matrix);

}  // namespace b2m::io
