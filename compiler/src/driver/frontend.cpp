#include "b2m/driver/frontend.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "b2m/codegen/loops.h"
#include "b2m/ir/verifier.h"
#include "b2m/lang/token.h"
#include "b2m/lower/ast_to_ir.h"

namespace b2m {

namespace fs = std::filesystem;

std::vector<std::string> default_stdlib_dirs(const std::vector<std::string>& explicit_dirs) {
  std::vector<std::string> dirs = explicit_dirs;
  if (const char* env = std::getenv("B2M_STDLIB_DIR"); env && *env) dirs.push_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const char* rel : {"../../stdlib", "../share/b2m/stdlib"}) {
      fs::path p = (exe.parent_path() / rel).lexically_normal();
      if (fs::is_directory(p, ec)) dirs.push_back(p.string());
    }
  }
  return dirs;
}

namespace {
std::string token_dump(const SourceManager& sm, const std::vector<Token>& toks) {
  std::string out;
  for (const auto& t : toks) {
    LineCol lc = sm.line_col(t.loc);
    out += std::to_string(lc.line) + ":" + std::to_string(lc.col) + " " + tok_name(t.kind);
    if (!t.text.empty() && (t.kind == Tok::Ident || t.kind == Tok::Int || t.kind == Tok::Float ||
                            t.kind == Tok::String || t.kind == Tok::SizeSym))
      out += " " + (t.kind == Tok::String ? "\"" + t.text + "\"" : t.text);
    if (!t.unit.empty()) out += " unit=" + t.unit;
    out += "\n";
  }
  return out;
}
}  // namespace

FrontendResult run_frontend(SourceManager& sm, DiagnosticEngine& diags, std::int32_t file,
                            const FrontendOptions& opts) {
  FrontendResult r;
  if (opts.stop_after == Stage::Tokens) {
    auto toks = lex(file, sm.file(file).text, diags);
    r.tokens_text = token_dump(sm, toks);
    r.ok = !diags.has_errors();
    return r;
  }
  LoadOptions lo;
  lo.search_paths = default_stdlib_dirs(opts.stdlib_dirs);
  r.program = load_program(sm, diags, file, lo);
  if (diags.has_errors()) return r;
  if (!check_program(*r.program, diags)) return r;
  if (opts.stop_after == Stage::Ast) {
    r.ok = true;
    return r;
  }
  r.module = lower_to_ir(*r.program, diags);
  if (diags.has_errors()) return r;
  if (!ir::verify(*r.module, diags)) {
    // The checker accepted the program, so invalid IR here is a b2m bug.
    std::string all;
    for (const auto& d : diags.diagnostics()) all += diags.format(d);
    B2M_ICE("lowering produced invalid IR:\n" + all);
  }
  if (opts.stop_after == Stage::Ir) {
    r.ok = true;
    return r;
  }
  passes::register_builtin_passes();
  passes::PassManager pm(opts.pass_options);
  std::string pipeline = opts.pipeline.empty() ? passes::default_pipeline() : opts.pipeline;
  bool kernels_needed = opts.stop_after >= Stage::Loops;
  if (!pm.parse_pipeline(pipeline, diags)) return r;
  if (!pm.run(*r.module, diags)) return r;
  if (kernels_needed) {
    r.kernels = loops::lower_kernels(*r.module, diags);
    if (diags.has_errors()) return r;
    for (const auto& k : r.kernels) r.loops_text += (r.loops_text.empty() ? "" : "\n") + loops::print_kernel(k);
  }
  r.ok = true;
  return r;
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string* error) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) {
      if (error) *error = "cannot create '" + tmp + "'";
      return false;
    }
    out << text;
    out.flush();
    if (!out) {
      if (error) *error = "cannot write '" + tmp + "'";
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    if (error) *error = "cannot rename '" + tmp + "' to '" + path + "'";
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace b2m
