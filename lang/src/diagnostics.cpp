#include "b2m/lang/diagnostics.h"

#include <algorithm>
#include <cstdlib>

namespace b2m {

Diagnostic& DiagnosticEngine::report(Severity sev, Loc loc, std::string message, std::string hint) {
  if (sev == Severity::Error) ++num_errors_;
  diags_.push_back(Diagnostic{sev, loc, std::move(message), std::move(hint), {}});
  return diags_.back();
}

namespace {
const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
    case Severity::Remark: return "remark";
  }
  return "error";
}

void format_one(const SourceManager& sm, const Diagnostic& d, std::string& out) {
  out += sm.describe(d.loc);
  out += ": ";
  out += severity_name(d.severity);
  out += ": ";
  out += d.message;
  out += '\n';
  if (d.loc.valid()) {
    LineCol lc = sm.line_col(d.loc);
    std::string_view line = sm.line_text(d.loc.file, lc.line);
    out += line;
    out += '\n';
    std::string caret;
    for (std::uint32_t i = 1; i < lc.col && i - 1 < line.size(); ++i)
      caret += line[i - 1] == '\t' ? '\t' : ' ';
    caret += '^';
    // Underline the rest of the range, but not past the end of the line.
    std::uint32_t len = d.loc.length;
    std::uint32_t room = line.size() >= lc.col ? static_cast<std::uint32_t>(line.size()) - lc.col : 0;
    for (std::uint32_t i = 1; i < len && i <= room; ++i) caret += '~';
    out += caret;
    out += '\n';
  }
  if (!d.hint.empty()) {
    out += "hint: ";
    out += d.hint;
    out += '\n';
  }
}
}  // namespace

std::string DiagnosticEngine::format(const Diagnostic& d) const {
  std::string out;
  format_one(sm_, d, out);
  for (const auto& n : d.notes) format_one(sm_, n, out);
  return out;
}

void DiagnosticEngine::print(const Diagnostic& d, std::FILE* out) const {
  std::string s = format(d);
  std::fwrite(s.data(), 1, s.size(), out);
}

std::string closest_match(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_dist = std::string::npos;
  for (const auto& c : candidates) {
    if (c == name) continue;
    // Edit distance counting an adjacent transposition ("voxle") as one
    // typo; letter case differences are free.
    std::size_t n = name.size(), m = c.size();
    auto same = [&](std::size_t i, std::size_t j) {
      return std::tolower((unsigned char)name[i]) == std::tolower((unsigned char)c[j]);
    };
    std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= m; ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same(i - 1, j - 1) ? 0 : 1)});
        if (i > 1 && j > 1 && same(i - 1, j - 2) && same(i - 2, j - 1)) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
      prev2 = prev;
      std::swap(prev, cur);
    }
    std::size_t dist = prev[m];
    if (dist < best_dist || (dist == best_dist && c < best)) {
      best_dist = dist;
      best = c;
    }
  }
  // Accept up to a third of the name's length (at least 1, at most 3 edits).
  std::size_t limit = std::clamp<std::size_t>(name.size() / 3, 1, 3);
  return best_dist <= limit ? best : std::string();
}

void internal_error(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "b2m: internal compiler error: %s\n  at %s:%d\n"
                       "This is a bug in b2m, not in your pipeline. Please report it with the input.\n",
               what.c_str(), file, line);
  std::fflush(stderr);
  std::_Exit(70);
}

}  // namespace b2m
