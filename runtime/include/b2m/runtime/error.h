// Errors raised by the b2m runtime on bad input (missing file, corrupt header,
// shape mismatch, NaN...). The C++ layer throws b2m::Error; the C ABI catches it
// at the boundary and returns a status code with the message, so the runtime
// never aborts on bad input.
#pragma once

#include <fmt/format.h>
#include <stdexcept>
#include <string>

namespace b2m {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// fail("cannot open '{}': {}", path, why) — throws b2m::Error.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace b2m
