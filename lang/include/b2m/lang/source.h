// Source files and locations. Every token, AST node and IR op carries a Loc so
// that errors found anywhere in the compiler point back at the user's text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace b2m {

struct SourceFile {
  std::string path;
  std::string text;
  std::vector<std::uint32_t> line_starts;  // byte offset of each line's first char
};

// A position in a source file, plus the length of the range it covers.
struct Loc {
  std::int32_t file = -1;  // index into SourceManager; -1 = unknown
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  bool valid() const { return file >= 0; }
  // A range from this loc to the end of `end`.
  Loc to(const Loc& end) const {
    if (!valid() || end.file != file || end.offset + end.length < offset) return *this;
    return Loc{file, offset, end.offset + end.length - offset};
  }
};

struct LineCol {
  std::uint32_t line = 0;  // 1-based
  std::uint32_t col = 0;   // 1-based, in bytes
};

class SourceManager {
 public:
  // Adds a buffer and returns its file index.
  std::int32_t add(std::string path, std::string text);
  // Reads a file; returns -1 and sets `error` if it cannot be read.
  std::int32_t load(const std::string& path, std::string* error);

  const SourceFile& file(std::int32_t id) const { return *files_.at(id); }
  std::size_t num_files() const { return files_.size(); }
  LineCol line_col(const Loc& loc) const;
  std::string_view line_text(std::int32_t file, std::uint32_t line) const;
  // "path:line:col"
  std::string describe(const Loc& loc) const;
  // A Loc for a 1-based line/col (used by textual IR locations).
  Loc loc_at(std::int32_t file, std::uint32_t line, std::uint32_t col) const;
  // Finds a file by path; -1 if it is not loaded.
  std::int32_t find(const std::string& path) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace b2m
