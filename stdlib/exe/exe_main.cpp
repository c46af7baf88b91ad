// libb2m_exe: what a compiled pipeline executable runs. It re-reads the
// pipeline's optimized IR (embedded by b2mc, with source locations, next to
// the source files' texts so that errors name the .b2m line), lowers its
// kernels' loop descriptions again (cheap, and it keeps the ABI in one place),
// binds them to the machine code linked into the executable, and runs the
// executor.
#include <cstdio>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "b2m/codegen/loops.h"
#include "b2m/exec/executor.h"
#include "b2m/ir/printer.h"
#include "b2m/runtime/error.h"

struct b2m_kernel_entry {
  const char* name;
  void* fn;
};

extern "C" int b2m_exe_main(int argc, char** argv, const char* ir, const char* sources,
                            const b2m_kernel_entry* kernels, std::int64_t count) {
  std::string program = argc > 0 ? argv[0] : "pipeline";
  b2m::SourceManager sm;
  b2m::DiagnosticEngine diags(sm);
  diags.set_buffered(true);
  // The sources first: the IR's loc("file":line:col) resolve against them.
  auto files = nlohmann::json::parse(sources, nullptr, false);
  if (!files.is_array()) {
    std::fprintf(stderr, "%s: internal error: the embedded pipeline sources do not parse\n", program.c_str());
    return 70;
  }
  for (const auto& f : files) sm.add(f.at("path").get<std::string>(), f.at("text").get<std::string>());
  auto file = sm.add(program + ".b2ir", ir);
  auto m = b2m::ir::parse_module_text(file, diags);
  if (!m) {
    for (const auto& d : diags.diagnostics()) diags.print(d);
    std::fprintf(stderr, "%s: internal error: the embedded pipeline IR does not parse\n", program.c_str());
    return 70;
  }
  auto lowered = b2m::loops::lower_kernels(*m, diags);
  std::map<std::string, b2m::cpu::KernelFn> table;
  for (std::int64_t i = 0; i < count; ++i)
    table[kernels[i].name] = reinterpret_cast<b2m::cpu::KernelFn>(kernels[i].fn);
  b2m::exec::RunOptions opts;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string message;
  int code = 0;
  if (!b2m::exec::parse_command_line(*m, program, args, opts, &message, &code)) {
    std::fprintf(code == 0 ? stdout : stderr, "%s\n", message.c_str());
    return code;
  }
  try {
    b2m::exec::run(*m, lowered, [&](const std::string& k) {
      auto it = table.find(k);
      return it == table.end() ? nullptr : it->second;
    }, opts, &sm);
  } catch (const b2m::Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: error: out of memory\n", program.c_str());
    return 1;
  }
  return 0;
}
