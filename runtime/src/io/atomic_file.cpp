#include "b2m/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "b2m/runtime/error.h"

namespace b2m::io {

namespace {
// Creates a unique, empty "<path>.tmp-XXXXXX" and returns its name.
std::string make_temporary_beside(const std::string& path) {
  std::string pattern = path + ".tmp-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) fail("cannot write '{}': cannot create a temporary file: {}", path, std::strerror(errno));
  // mkstemp creates 0600; give the file the usual 0666 & ~umask.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::close(fd);
  return std::string(name.data());
}
}  // namespace

void write_file_atomically(const std::string& path,
                           const std::function<void(const std::string& tmp_path)>& write) {
  std::string tmp = make_temporary_beside(path);
  try {
    write(tmp);
    // Flush to disk before the rename so a crash cannot leave a renamed but empty file.
    int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      fail("cannot write '{}': rename failed: {}", path, std::strerror(errno));
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

void write_bytes_atomically(const std::string& path,
                            std::span<const std::span<const std::byte>> pieces) {
  write_file_atomically(path, [&](const std::string& tmp) {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) fail("cannot write '{}': {}", path, std::strerror(errno));
    for (auto piece : pieces) {
      std::size_t done = 0;
      while (done < piece.size()) {
        ssize_t put = ::write(fd, piece.data() + done, piece.size() - done);
        if (put < 0 && errno == EINTR) continue;
        if (put < 0) {
          int error = errno;
          ::close(fd);
          fail("cannot write '{}': {}", path, std::strerror(error));
        }
        done += static_cast<std::size_t>(put);
      }
    }
    if (::close(fd) != 0) fail("cannot write '{}': {}", path, std::strerror(errno));
  });
}

}  // namespace b2m::io
