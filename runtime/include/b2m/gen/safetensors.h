// A memory-mapped safetensors file (https://github.com/huggingface/safetensors
// format: u64 little-endian header length, a JSON header, then the bytes).
//
// open() validates the whole header before anything is used: the length fits
// in the file, every entry has a known dtype, a shape whose element count
// matches its byte range, offsets inside the data area, and no two tensors
// overlap. Errors are b2m::Error naming the file (and the tensor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace b2m::io {
class MappedFile;
}

namespace b2m::gen {

enum class TensorDType { f32, f16, bf16, f64, i64, i32, i16, i8, u8, boolean };

std::size_t tensor_dtype_size(TensorDType type);
const char* tensor_dtype_name(TensorDType type);  // "F32", "BF16", ...

struct TensorView {
  std::string name;
  TensorDType dtype;
  std::vector<std::size_t> shape;
  std::span<const std::byte> bytes;  // points into the mapping (unaligned in general)

  std::size_t numel() const;
};

class SafeTensorsFile {
 public:
  static std::shared_ptr<const SafeTensorsFile> open(const std::string& path);

  const std::string& path() const { return path_; }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  // Throws "'<file>': missing tensor '<name>'" when absent.
  const TensorView& tensor(const std::string& name) const;
  std::vector<std::string> names() const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // Converts an F32/F16/BF16/F64 tensor to float32 values (row-major as stored).
  // Other dtypes are an error naming the tensor.
  std::vector<float> to_f32(const TensorView& view) const;

 private:
  std::string path_;
  std::shared_ptr<const io::MappedFile> file_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes tensors (F32, F16 or BF16 data given as raw bytes) as a safetensors
// file, atomically. Used by the model maker tool and by tests.
struct TensorToWrite {
  std::string name;
  TensorDType dtype;
  std::vector<std::size_t> shape;
  std::vector<std::byte> bytes;
};
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Convenience: a float32 tensor converted to the given dtype for writing.
TensorToWrite make_tensor(std::string name, std::vector<std::size_t> shape,
                          std::span<const float> values, TensorDType dtype = TensorDType::f32);

}  // namespace b2m::gen
