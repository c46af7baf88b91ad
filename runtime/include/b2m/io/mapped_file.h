// A read-only view of a whole file: memory-mapped (pages are read on first
// touch, nothing is copied) or read into memory. Shared ownership lets
// arrays and weight tensors keep the mapping alive while they point into it.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace b2m::io {

class MappedFile {
 public:
  enum class Mode { map, copy };

  // Throws b2m::Error naming the path when it cannot be opened or read.
  static std::shared_ptr<const MappedFile> open(const std::string& path, Mode mode = Mode::map);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  bool is_mapped() const { return mapped_; }

 private:
  MappedFile() = default;
  std::string path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::unique_ptr<std::byte[]> owned_;
};

}  // namespace b2m::io
