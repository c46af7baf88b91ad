#include "b2m/lang/source.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace b2m {

std::int32_t SourceManager::add(std::string path, std::string text) {
  auto f = std::make_unique<SourceFile>();
  f->path = std::move(path);
  f->text = std::move(text);
  f->line_starts.push_back(0);
  for (std::uint32_t i = 0; i < f->text.size(); ++i)
    if (f->text[i] == '\n') f->line_starts.push_back(i + 1);
  files_.push_back(std::move(f));
  return static_cast<std::int32_t>(files_.size() - 1);
}

std::int32_t SourceManager::load(const std::string& path, std::string* error) {
  std::int32_t existing = find(path);
  if (existing >= 0) return existing;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot open '" + path + "'";
    return -1;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    if (error) *error = "cannot read '" + path + "'";
    return -1;
  }
  return add(path, ss.str());
}

std::int32_t SourceManager::find(const std::string& path) const {
  for (std::size_t i = 0; i < files_.size(); ++i)
    if (files_[i]->path == path) return static_cast<std::int32_t>(i);
  return -1;
}

LineCol SourceManager::line_col(const Loc& loc) const {
  if (!loc.valid() || loc.file >= (std::int32_t)files_.size()) return {};
  const auto& starts = files_[loc.file]->line_starts;
  auto it = std::upper_bound(starts.begin(), starts.end(), loc.offset);
  std::uint32_t line = static_cast<std::uint32_t>(it - starts.begin());
  return {line, loc.offset - starts[line - 1] + 1};
}

std::string_view SourceManager::line_text(std::int32_t file, std::uint32_t line) const {
  const auto& f = *files_.at(file);
  if (line == 0 || line > f.line_starts.size()) return {};
  std::uint32_t begin = f.line_starts[line - 1];
  std::uint32_t end = line < f.line_starts.size() ? f.line_starts[line] : f.text.size();
  std::string_view s(f.text.data() + begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string SourceManager::describe(const Loc& loc) const {
  if (!loc.valid()) return "<unknown>";
  LineCol lc = line_col(loc);
  return files_[loc.file]->path + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col);
}

Loc SourceManager::loc_at(std::int32_t file, std::uint32_t line, std::uint32_t col) const {
  const auto& f = *files_.at(file);
  if (line == 0 || line > f.line_starts.size()) return Loc{file, 0, 0};
  return Loc{file, f.line_starts[line - 1] + (col > 0 ? col - 1 : 0), 1};
}

}  // namespace b2m
