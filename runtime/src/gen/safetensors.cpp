#include "b2m/gen/safetensors.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "b2m/io/atomic_file.h"
#include "b2m/io/half.h"
#include "b2m/io/mapped_file.h"
#include "b2m/runtime/error.h"

namespace b2m::gen {

namespace {

struct DTypeName {
  TensorDType type;
  const char* name;
  std::size_t size;
};
constexpr std::array<DTypeName, 10> kDTypes = {{{TensorDType::f32, "F32", 4},
                                                {TensorDType::f16, "F16", 2},
                                                {TensorDType::bf16, "BF16", 2},
                                                {TensorDType::f64, "F64", 8},
                                                {TensorDType::i64, "I64", 8},
                                                {TensorDType::i32, "I32", 4},
                                                {TensorDType::i16, "I16", 2},
                                                {TensorDType::i8, "I8", 1},
                                                {TensorDType::u8, "U8", 1},
                                                {TensorDType::boolean, "BOOL", 1}}};

// Safetensors headers are small; a huge declared length means a corrupt file.
constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;

std::uint64_t get_u64(const nlohmann::json& value, const std::string& path, const std::string& name,
                      const char* what) {
  if (!value.is_number_integer() || (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0))
    fail("'{}': tensor '{}': {} must be non-negative integers", path, name, what);
  return value.get<std::uint64_t>();
}

}  // namespace

std::size_t tensor_dtype_size(TensorDType type) { return kDTypes[std::size_t(type)].size; }
const char* tensor_dtype_name(TensorDType type) { return kDTypes[std::size_t(type)].name; }

std::size_t TensorView::numel() const {
  std::size_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::shared_ptr<const SafeTensorsFile> SafeTensorsFile::open(const std::string& path) {
  auto result = std::make_shared<SafeTensorsFile>();
  result->path_ = path;
  result->file_ = io::MappedFile::open(path);
  auto bytes = result->file_->bytes();
  if (bytes.size() < 8)
    fail("'{}': not a safetensors file (only {} bytes, need an 8-byte header length)", path,
         bytes.size());
  std::uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= std::uint64_t(bytes[i]) << (8 * i);
  if (header_len > kMaxHeaderBytes || header_len > bytes.size() - 8)
    fail("'{}': safetensors header length {} exceeds the file ({} bytes): truncated or not a "
         "safetensors file",
         path, header_len, bytes.size());
  const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text, text + header_len);
  } catch (const nlohmann::json::exception& e) {
    fail("'{}': safetensors header is not valid JSON: {}", path, e.what());
  }
  if (!header.is_object()) fail("'{}': safetensors header is not a JSON object", path);

  std::size_t data_begin = 8 + header_len;
  std::size_t data_size = bytes.size() - data_begin;
  struct Range {
    std::uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& entry = it.value();
    if (name == "__metadata__") {
      if (!entry.is_object()) fail("'{}': __metadata__ is not an object", path);
      for (auto m = entry.begin(); m != entry.end(); ++m)
        if (m.value().is_string()) result->metadata_[m.key()] = m.value().get<std::string>();
      continue;
    }
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets"))
      fail("'{}': tensor '{}': header entry needs dtype, shape and data_offsets", path, name);
    const auto& dtype = entry["dtype"];
    if (!dtype.is_string()) fail("'{}': tensor '{}': dtype is not a string", path, name);
    auto found = std::find_if(kDTypes.begin(), kDTypes.end(),
                              [&](const DTypeName& d) { return dtype.get<std::string>() == d.name; });
    if (found == kDTypes.end())
      fail("'{}': tensor '{}': unsupported dtype '{}'", path, name, dtype.get<std::string>());
    TensorView view;
    view.name = name;
    view.dtype = found->type;
    if (!entry["shape"].is_array()) fail("'{}': tensor '{}': shape is not an array", path, name);
    std::uint64_t numel = 1;
    for (const auto& d : entry["shape"]) {
      std::uint64_t dim = get_u64(d, path, name, "shape entries");
      if (dim != 0 && numel > std::numeric_limits<std::uint64_t>::max() / 16 / dim)
        fail("'{}': tensor '{}': shape is too large", path, name);
      numel *= dim;
      view.shape.push_back(static_cast<std::size_t>(dim));
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2)
      fail("'{}': tensor '{}': data_offsets must be [begin, end]", path, name);
    std::uint64_t begin = get_u64(offsets[0], path, name, "data_offsets");
    std::uint64_t end = get_u64(offsets[1], path, name, "data_offsets");
    if (begin > end) fail("'{}': tensor '{}': data_offsets [{}, {}] are reversed", path, name, begin, end);
    if (end > data_size)
      fail("'{}': tensor '{}': data_offsets [{}, {}] lie outside the data area ({} bytes): the "
           "file is truncated or corrupt",
           path, name, begin, end, data_size);
    if (end - begin != numel * found->size)
      fail("'{}': tensor '{}': shape needs {} bytes of {} but data_offsets span {}", path, name,
           numel * found->size, found->name, end - begin);
    view.bytes = bytes.subspan(data_begin + begin, end - begin);
    auto [slot, inserted] = result->tensors_.emplace(name, std::move(view));
    ranges.push_back({begin, end, &slot->first});
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end && ranges[i].end > ranges[i].begin)
      fail("'{}': tensors '{}' and '{}' overlap in the data area", path, *ranges[i - 1].name,
           *ranges[i].name);
  }
  return result;
}

const TensorView& SafeTensorsFile::tensor(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) fail("'{}': missing tensor '{}'", path_, name);
  return it->second;
}

std::vector<std::string> SafeTensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, view] : tensors_) out.push_back(name);
  return out;
}

std::vector<float> SafeTensorsFile::to_f32(const TensorView& view) const {
  std::size_t n = view.numel();
  std::vector<float> out(n);
  const std::byte* p = view.bytes.data();
  switch (view.dtype) {
    case TensorDType::f32:
      std::memcpy(out.data(), p, n * 4);
      break;
    case TensorDType::f64:
      for (std::size_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      break;
    case TensorDType::f16:
    case TensorDType::bf16:
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t v;
        std::memcpy(&v, p + 2 * i, 2);
        out[i] = view.dtype == TensorDType::f16 ? io::half_to_float(v) : io::bf16_to_float(v);
      }
      break;
    default:
      fail("'{}': tensor '{}' has dtype {}, expected a floating-point tensor (F32, F16, BF16)",
           path_, view.name, tensor_dtype_name(view.dtype));
  }
  return out;
}

TensorToWrite make_tensor(std::string name, std::vector<std::size_t> shape,
                          std::span<const float> values, TensorDType dtype) {
  TensorToWrite t{std::move(name), dtype, std::move(shape), {}};
  std::size_t n = values.size();
  switch (dtype) {
    case TensorDType::f32:
      t.bytes.resize(4 * n);
      std::memcpy(t.bytes.data(), values.data(), 4 * n);
      break;
    case TensorDType::f16:
    case TensorDType::bf16:
      t.bytes.resize(2 * n);
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t v = dtype == TensorDType::f16 ? io::float_to_half(values[i]) : io::float_to_bf16(values[i]);
        std::memcpy(t.bytes.data() + 2 * i, &v, 2);
      }
      break;
    default:
      fail("make_tensor: '{}': only F32, F16 and BF16 can be written", t.name);
  }
  return t;
}

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    std::size_t numel = 1;
    for (auto d : t.shape) numel *= d;
    if (numel * tensor_dtype_size(t.dtype) != t.bytes.size())
      fail("write_safetensors '{}': tensor '{}' has {} bytes, its shape needs {}", path, t.name,
           t.bytes.size(), numel * tensor_dtype_size(t.dtype));
    header[t.name] = {{"dtype", tensor_dtype_name(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
  std::array<std::byte, 8> length{};
  for (int i = 0; i < 8; ++i) length[i] = std::byte((text.size() >> (8 * i)) & 0xFF);
  std::vector<std::span<const std::byte>> pieces = {length, std::as_bytes(std::span(text))};
  for (const auto& t : tensors) pieces.emplace_back(t.bytes);
  io::write_bytes_atomically(path, pieces);
}

}  // namespace b2m::gen
