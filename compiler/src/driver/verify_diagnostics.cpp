// --verify-diagnostics: a test file states the diagnostics it must produce in
// comments, MLIR/clang style:
//   let y = foo(x)   # expected-error {{unknown function 'foo'}}
//   # expected-error@+1 {{unknown name}}
//   # expected-error@-2:9 {{...}}    (line offset, and optionally the column)
//   # expected-note@12 {{declared here}}   (absolute line)
// Every expectation must be met by a diagnostic on that line whose message
// contains the text, and every error/warning must be expected. Notes are
// checked only when the file has expected-note comments.
#include <cstdio>
#include <regex>

#include "b2m/driver/frontend.h"

namespace b2m {

namespace {
struct Expectation {
  Severity severity;
  std::uint32_t line;
  std::uint32_t col;  // 0 = any
  std::string text;
  std::uint32_t written_at;
  bool met = false;
};

const char* sev_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
    case Severity::Remark: return "remark";
  }
  return "error";
}
}  // namespace

bool verify_diagnostics(const SourceManager& sm, std::int32_t file, const DiagnosticEngine& diags) {
  const SourceFile& f = sm.file(file);
  std::vector<Expectation> expected;
  std::regex re(R"(expected-(error|warning|note|remark)(@([+-]?)(\d+))?(:(\d+))?\s*\{\{(.*?)\}\})");
  bool check_notes = false;
  std::uint32_t nlines = static_cast<std::uint32_t>(f.line_starts.size());
  for (std::uint32_t line = 1; line <= nlines; ++line) {
    std::string text(sm.line_text(file, line));
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
      const std::smatch& m = *it;
      Expectation e;
      std::string kind = m[1];
      e.severity = kind == "error" ? Severity::Error : kind == "warning" ? Severity::Warning
                   : kind == "note" ? Severity::Note : Severity::Remark;
      if (e.severity == Severity::Note) check_notes = true;
      e.line = line;
      if (m[2].matched) {
        long n = std::stol(m[4]);
        if (m[3] == "+") e.line = line + n;
        else if (m[3] == "-") e.line = line - n;
        else e.line = n;
      }
      e.col = m[5].matched ? std::stoul(m[6]) : 0;
      e.text = m[7];
      e.written_at = line;
      expected.push_back(e);
    }
  }
  bool ok = true;
  auto consider = [&](const Diagnostic& d) {
    if (d.severity == Severity::Note && !check_notes) return;
    LineCol lc = sm.line_col(d.loc);
    if (d.loc.file == file) {
      for (auto& e : expected) {
        if (!e.met && e.severity == d.severity && e.line == lc.line && (e.col == 0 || e.col == lc.col) &&
            d.message.find(e.text) != std::string::npos) {
          e.met = true;
          return;
        }
      }
    }
    std::fprintf(stderr, "%s: unexpected %s: %s\n", sm.describe(d.loc).c_str(), sev_name(d.severity), d.message.c_str());
    ok = false;
  };
  for (const auto& d : diags.diagnostics()) {
    consider(d);
    for (const auto& n : d.notes) consider(n);
  }
  for (const auto& e : expected) {
    if (e.met) continue;
    std::fprintf(stderr, "%s:%u: expected %s was not produced at line %u%s: {{%s}}\n", f.path.c_str(), e.written_at,
                 sev_name(e.severity), e.line, e.col ? (", column " + std::to_string(e.col)).c_str() : "",
                 e.text.c_str());
    ok = false;
  }
  if (expected.empty()) {
    std::fprintf(stderr, "%s: no expected-* comments: --verify-diagnostics needs at least one\n", f.path.c_str());
    ok = false;
  }
  return ok;
}

}  // namespace b2m
