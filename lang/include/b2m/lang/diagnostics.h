// User-facing diagnostics: "file:line:col: error: message", the source line, a
// caret under the range, hints and notes. Internal compiler errors are a
// separate path (internal_error) that bad input must never reach.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "b2m/lang/source.h"

namespace b2m {

enum class Severity { Error, Warning, Note, Remark };

struct Diagnostic {
  Severity severity = Severity::Error;
  Loc loc;
  std::string message;
  std::string hint;  // printed as "hint: ..." under the caret
  std::vector<Diagnostic> notes;
};

class DiagnosticEngine {
 public:
  explicit DiagnosticEngine(SourceManager& sm) : sm_(sm) {}

  // Reports and returns the stored diagnostic so callers can attach notes.
  Diagnostic& report(Severity sev, Loc loc, std::string message, std::string hint = {});
  Diagnostic& error(Loc loc, std::string message, std::string hint = {}) {
    return report(Severity::Error, loc, std::move(message), std::move(hint));
  }
  Diagnostic& warning(Loc loc, std::string message) {
    return report(Severity::Warning, loc, std::move(message));
  }
  static void note(Diagnostic& d, Loc loc, std::string message) {
    d.notes.push_back(Diagnostic{Severity::Note, loc, std::move(message), {}, {}});
  }

  bool has_errors() const { return num_errors_ > 0; }
  std::size_t num_errors() const { return num_errors_; }
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }

  // When true, diagnostics are kept (for --verify-diagnostics) instead of
  // printed as they come.
  void set_buffered(bool b) { buffered_ = b; }
  // Stop storing after this many errors (recovery can cascade).
  void set_error_limit(std::size_t n) { error_limit_ = n; }
  bool too_many_errors() const { return num_errors_ >= error_limit_; }

  std::string format(const Diagnostic& d) const;
  void print(const Diagnostic& d, std::FILE* out = stderr) const;
  SourceManager& sources() { return sm_; }

 private:
  SourceManager& sm_;
  std::vector<Diagnostic> diags_;
  std::size_t num_errors_ = 0;
  std::size_t error_limit_ = 50;
  bool buffered_ = false;
};

// "did you mean" support: the candidate closest to `name` by edit distance,
// or "" when none is close enough to be a plausible typo.
std::string closest_match(const std::string& name, const std::vector<std::string>& candidates);

// A bug in b2m itself (never a consequence of bad input): prints
// "internal compiler error" with the location and exits with status 70.
[[noreturn]] void internal_error(const char* file, int line, const std::string& what);
#define B2M_ICE(msg) ::b2m::internal_error(__FILE__, __LINE__, (msg))
#define B2M_ASSERT(cond, msg) \
  do {                        \
    if (!(cond)) B2M_ICE(msg); \
  } while (0)

}  // namespace b2m
