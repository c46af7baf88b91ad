// libFuzzer target: any byte string fed to the lexer, parser and checker must
// give diagnostics, never a crash, hang, sanitizer report or internal error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "b2m/lang/diagnostics.h"
#include "b2m/lang/sema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  b2m::SourceManager sm;
  b2m::DiagnosticEngine diags(sm);
  diags.set_buffered(true);
  std::int32_t file = sm.add("fuzz.b2m", std::string(reinterpret_cast<const char*>(data), size));
  b2m::LoadOptions opts;
  opts.search_paths = {B2M_STDLIB_DIR};
  auto program = b2m::load_program(sm, diags, file, opts);
  if (!diags.has_errors()) b2m::check_program(*program, diags);
  // Formatting every diagnostic exercises the caret/range code too.
  std::size_t total = 0;
  for (const auto& d : diags.diagnostics()) total += diags.format(d).size();
  return total == static_cast<std::size_t>(-1);  // never true; keeps `total` live
}
