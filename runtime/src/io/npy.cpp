#include "b2m/io/npy.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "b2m/io/atomic_file.h"
#include "b2m/io/half.h"
#include "b2m/io/mapped_file.h"
#include "b2m/runtime/error.h"
#include "npy_header.h"

namespace b2m::io {

namespace {

constexpr std::array<unsigned char, 6> kMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};

struct DTypeInfo {
  DType type;
  char kind;
  std::size_t size;
  const char* descr;
};
constexpr std::array<DTypeInfo, 12> kDTypes = {{
    {DType::f16, 'f', 2, "<f2"}, {DType::f32, 'f', 4, "<f4"}, {DType::f64, 'f', 8, "<f8"},
    {DType::i8, 'i', 1, "|i1"},  {DType::i16, 'i', 2, "<i2"}, {DType::i32, 'i', 4, "<i4"},
    {DType::i64, 'i', 8, "<i8"}, {DType::u8, 'u', 1, "|u1"},  {DType::u16, 'u', 2, "<u2"},
    {DType::u32, 'u', 4, "<u4"}, {DType::u64, 'u', 8, "<u8"}, {DType::b1, 'b', 1, "|b1"},
}};

const DTypeInfo& info(DType type) { return kDTypes[static_cast<std::size_t>(type)]; }

// Parses a descriptor such as "<f4", ">i2", "|u1"; sets big_endian.
DType parse_descr(const std::string& descr, bool& big_endian, const std::string& path) {
  if (descr.size() < 3)
    fail("'{}': unsupported .npy dtype '{}' (expected e.g. '<f4')", path, descr);
  char order = descr[0];
  char kind = descr[1];
  std::string digits = descr.substr(2);
  if (order != '<' && order != '>' && order != '|' && order != '=')
    fail("'{}': unsupported .npy dtype '{}' (structured or unknown byte order)", path, descr);
  std::size_t size = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || size > 16)
      fail("'{}': unsupported .npy dtype '{}'", path, descr);
    size = size * 10 + static_cast<std::size_t>(c - '0');
  }
  for (const auto& candidate : kDTypes) {
    if (candidate.kind == kind && candidate.size == size) {
      big_endian = order == '>' && size > 1;
      return candidate.type;
    }
  }
  fail("'{}': unsupported .npy dtype '{}' (supported: f2 f4 f8 i1-i8 u1-u8 b1)", path, descr);
}

std::size_t element_count(const std::vector<std::size_t>& shape, const std::string& path) {
  std::size_t n = 1;
  for (std::size_t d : shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d)
      fail("'{}': .npy shape is too large", path);
    n *= d;
  }
  return n;
}

template <typename T>
T load(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

// Reads element `index` (in storage order) converted to Out.
template <typename Out>
Out element(DType type, const std::byte* data, std::size_t index) {
  const std::byte* p = data + index * info(type).size;
  switch (type) {
    case DType::f16: return static_cast<Out>(half_to_float(load<std::uint16_t>(p)));
    case DType::f32: return static_cast<Out>(load<float>(p));
    case DType::f64: return static_cast<Out>(load<double>(p));
    case DType::i8: return static_cast<Out>(load<std::int8_t>(p));
    case DType::i16: return static_cast<Out>(load<std::int16_t>(p));
    case DType::i32: return static_cast<Out>(load<std::int32_t>(p));
    case DType::i64: return static_cast<Out>(load<std::int64_t>(p));
    case DType::u8: return static_cast<Out>(load<std::uint8_t>(p));
    case DType::u16: return static_cast<Out>(load<std::uint16_t>(p));
    case DType::u32: return static_cast<Out>(load<std::uint32_t>(p));
    case DType::u64: return static_cast<Out>(load<std::uint64_t>(p));
    case DType::b1: return static_cast<Out>(load<std::uint8_t>(p) != 0 ? 1 : 0);
  }
  return Out{};
}

}  // namespace

std::size_t dtype_size(DType type) { return info(type).size; }
const char* dtype_descr(DType type) { return info(type).descr; }
bool dtype_is_float(DType type) { return info(type).kind == 'f'; }

std::size_t NpyArray::size() const { return element_count(shape_, path_); }
bool NpyArray::is_mapped() const { return !swapped_ && file_ && file_->is_mapped(); }

template <typename T>
std::vector<T> NpyArray::convert() const {
  std::size_t n = size();
  std::vector<T> out(n);
  if (!fortran_order_ || shape_.size() <= 1) {
    for (std::size_t i = 0; i < n; ++i) out[i] = element<T>(dtype_, data_, i);
    return out;
  }
  // Fortran order: walk the C-order output while tracking the storage offset,
  // whose strides are 1, d0, d0*d1, ...
  std::size_t rank = shape_.size();
  std::vector<std::size_t> fortran_stride(rank), index(rank, 0);
  std::size_t stride = 1;
  for (std::size_t k = 0; k < rank; ++k) {
    fortran_stride[k] = stride;
    stride *= shape_[k];
  }
  std::size_t offset = 0;
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = element<T>(dtype_, data_, offset);
    for (std::size_t k = rank; k-- > 0;) {  // increment the C-order multi-index
      ++index[k];
      offset += fortran_stride[k];
      if (index[k] < shape_[k]) break;
      offset -= fortran_stride[k] * shape_[k];
      index[k] = 0;
    }
  }
  return out;
}

std::vector<float> NpyArray::as_f32() const { return convert<float>(); }
std::vector<double> NpyArray::as_f64() const { return convert<double>(); }
std::vector<std::int64_t> NpyArray::as_i64() const {
  if (dtype_is_float(dtype_))
    fail("'{}': expected an integer array, found dtype {}", path_, dtype_descr(dtype_));
  if (dtype_ == DType::u64) {
    for (std::size_t i = 0, n = size(); i < n; ++i)
      if (element<std::uint64_t>(dtype_, data_, i) >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail("'{}': uint64 value does not fit in int64", path_);
  }
  return convert<std::int64_t>();
}

Eigen::MatrixXf NpyArray::as_matrix_f32() const {
  if (shape_.size() != 1 && shape_.size() != 2)
    fail("'{}': expected a 1-D or 2-D array, found {} dimensions", path_, shape_.size());
  std::size_t rows = shape_[0];
  std::size_t cols = shape_.size() == 2 ? shape_[1] : 1;
  std::vector<float> values = as_f32();
  Eigen::MatrixXf m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c)
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = values[r * cols + c];
  return m;
}

void NpyArray::expect_shape(std::initializer_list<std::size_t> expected) const {
  if (!std::equal(shape_.begin(), shape_.end(), expected.begin(), expected.end())) {
    std::string want, got;
    for (std::size_t d : expected) want += (want.empty() ? "" : ", ") + std::to_string(d);
    for (std::size_t d : shape_) got += (got.empty() ? "" : ", ") + std::to_string(d);
    fail("'{}': expected shape [{}], found [{}]", path_, want, got);
  }
}

NpyArray read_npy(const std::string& path, bool map) {
  auto file = MappedFile::open(path, map ? MappedFile::Mode::map : MappedFile::Mode::copy);
  auto bytes = file->bytes();
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
    fail("'{}' is not a .npy file (missing the \\x93NUMPY magic)", path);
  auto major = static_cast<unsigned>(bytes[6]);
  auto minor = static_cast<unsigned>(bytes[7]);
  std::size_t header_len, prefix;
  if (major == 1) {
    header_len = static_cast<std::size_t>(bytes[8]) | static_cast<std::size_t>(bytes[9]) << 8;
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("'{}': truncated .npy header", path);
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(bytes[8 + i]) << (8 * i);
    prefix = 12;
  } else {
    fail("'{}': unsupported .npy format version {}.{}", path, major, minor);
  }
  if (header_len > bytes.size() - prefix)
    fail("'{}': truncated .npy header ({} header bytes declared, file has {})", path, header_len,
         bytes.size());
  std::string_view text(reinterpret_cast<const char*>(bytes.data() + prefix), header_len);
  detail::NpyHeader header = detail::parse_npy_header(text, path);

  NpyArray array;
  array.path_ = path;
  bool big_endian = false;
  array.dtype_ = parse_descr(header.descr, big_endian, path);
  array.shape_ = header.shape;
  array.fortran_order_ = header.fortran_order;
  std::size_t data_offset = prefix + header_len;
  std::size_t count = element_count(array.shape_, path);
  std::size_t element_size = dtype_size(array.dtype_);
  if (count > std::numeric_limits<std::size_t>::max() / element_size)
    fail("'{}': .npy shape is too large", path);
  std::size_t need = count * element_size;
  std::size_t have = bytes.size() - data_offset;
  if (have < need)
    fail("'{}': truncated .npy data: shape needs {} bytes, file has {}", path, need, have);
  if (have > need)
    fail("'{}': .npy file has {} unexpected trailing bytes after the data", path, have - need);
  array.file_ = file;
  array.data_ = bytes.data() + data_offset;
  if (big_endian) {
    array.swapped_ = std::make_shared<std::vector<std::byte>>(array.data_, array.data_ + need);
    for (std::size_t i = 0; i < count; ++i)
      std::reverse(array.swapped_->begin() + static_cast<std::ptrdiff_t>(i * element_size),
                   array.swapped_->begin() + static_cast<std::ptrdiff_t>((i + 1) * element_size));
    array.data_ = array.swapped_->data();
  }
  return array;
}

void write_npy(const std::string& path, DType type, const void* data,
               std::span<const std::size_t> shape, bool fortran_order) {
  detail::NpyHeader header;
  header.descr = dtype_descr(type);
  header.fortran_order = fortran_order;
  header.shape.assign(shape.begin(), shape.end());
  std::size_t bytes = element_count(header.shape, path) * dtype_size(type);

  std::string text = detail::format_npy_header(header, 10);
  std::string prefix(kMagic.begin(), kMagic.end());
  if (text.size() <= 0xFFFF) {
    prefix += '\x01';
    prefix += '\x00';
    prefix += static_cast<char>(text.size() & 0xFF);
    prefix += static_cast<char>(text.size() >> 8);
  } else {  // version 2.0: a 4-byte header length
    text = detail::format_npy_header(header, 12);
    prefix += '\x02';
    prefix += '\x00';
    for (int i = 0; i < 4; ++i) prefix += static_cast<char>((text.size() >> (8 * i)) & 0xFF);
  }
  std::vector<std::byte> normalised;
  const std::byte* payload = static_cast<const std::byte*>(data);
  if (type == DType::b1) {  // numpy expects exactly 0 or 1
    normalised.resize(bytes);
    for (std::size_t i = 0; i < bytes; ++i)
      normalised[i] = payload[i] != std::byte{0} ? std::byte{1} : std::byte{0};
    payload = normalised.data();
  }
  std::array<std::span<const std::byte>, 3> pieces = {
      std::as_bytes(std::span(prefix)), std::as_bytes(std::span(text)),
      std::span<const std::byte>(payload, bytes)};
  write_bytes_atomically(path, pieces);
}

void write_npy(const std::string& path, const Eigen::MatrixXf& matrix) {
  // Eigen stores column-major, which is the .npy Fortran order.
  std::array<std::size_t, 2> shape = {static_cast<std::size_t>(matrix.rows()),
                                      static_cast<std::size_t>(matrix.cols())};
  write_npy(path, DType::f32, matrix.data(), shape, /*fortran_order=*/true);
}

}  // namespace b2m::io
