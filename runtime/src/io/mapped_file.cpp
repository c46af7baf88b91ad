#include "b2m/io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "b2m/runtime/error.h"

namespace b2m::io {

namespace {
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path, Mode mode) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) fail("cannot open '{}': {}", path, std::strerror(errno));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) fail("cannot stat '{}': {}", path, std::strerror(errno));
  if (!S_ISREG(info.st_mode)) fail("'{}' is not a regular file", path);

  std::shared_ptr<MappedFile> result(new MappedFile);
  result->path_ = path;
  result->size_ = static_cast<std::size_t>(info.st_size);
  if (result->size_ == 0) return result;  // mmap refuses empty files; nothing to view

  if (mode == Mode::map) {
    void* address = ::mmap(nullptr, result->size_, PROT_READ, MAP_PRIVATE, file.fd, 0);
    if (address != MAP_FAILED) {
      result->data_ = static_cast<const std::byte*>(address);
      result->mapped_ = true;
      return result;
    }
    // Some file systems cannot be mapped: fall back to reading.
  }
  result->owned_ = std::make_unique<std::byte[]>(result->size_);
  std::size_t done = 0;
  while (done < result->size_) {
    ssize_t got = ::read(file.fd, result->owned_.get() + done, result->size_ - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("cannot read '{}': {}", path, std::strerror(errno));
    if (got == 0) fail("cannot read '{}': file shrank while reading", path);
    done += static_cast<std::size_t>(got);
  }
  result->data_ = result->owned_.get();
  return result;
}

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(const_cast<std::byte*>(data_), size_);
}

}  // namespace b2m::io
