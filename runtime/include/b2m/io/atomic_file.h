// Writing a file so that readers never see a partial one: the content goes to
// "<path>.tmp-XXXXXX" in the same directory, is flushed, and is renamed over
// <path> only when complete. On any failure the temporary file is removed and
// the previous <path> (if any) is left untouched.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>

namespace b2m::io {

// Calls write(tmp_path) to produce the file, then renames it to path.
// `write` may create the file at tmp_path itself (e.g. through libsndfile);
// it signals failure by throwing.
void write_file_atomically(const std::string& path,
                           const std::function<void(const std::string& tmp_path)>& write);

// Convenience: writes the concatenation of `pieces` atomically.
void write_bytes_atomically(const std::string& path,
                            std::span<const std::span<const std::byte>> pieces);

}  // namespace b2m::io
