#include "b2m/driver/frontend.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "b2m/codegen/loops.h"
#include "b2m/ir/printer.h"
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

namespace {
// B2M_DUMP_DIR=dir: every stage of the compilation is written to dir as
// NAME.NN-stage.ext, in order (tokens, ast, ir, one file per pass, loops).
class StageDumper {
 public:
  StageDumper(const SourceManager& sm, std::int32_t file) {
    const char* d = std::getenv("B2M_DUMP_DIR");
    if (!d || !*d) return;
    dir_ = d;
    stem_ = fs::path(sm.file(file).path).stem().string();
    std::error_code ec;
    fs::create_directories(dir_, ec);
  }
  bool on() const { return !dir_.empty(); }
  void write(const std::string& stage, const std::string& ext, const std::string& text) {
    if (!on()) return;
    char num[8];
    std::snprintf(num, sizeof num, "%02d", count_++);
    std::string err;
    write_file_atomically((fs::path(dir_) / (stem_ + "." + num + "-" + stage + "." + ext)).string(), text, &err);
  }

 private:
  std::string dir_, stem_;
  int count_ = 0;
};
}  // namespace

FrontendResult run_frontend(SourceManager& sm, DiagnosticEngine& diags, std::int32_t file,
                            const FrontendOptions& opts) {
  FrontendResult r;
  StageDumper dump(sm, file);
  if (opts.stop_after == Stage::Tokens) {
    auto toks = lex(file, sm.file(file).text, diags);
    r.tokens_text = token_dump(sm, toks);
    r.ok = !diags.has_errors();
    return r;
  }
  LoadOptions lo;
  lo.search_paths = default_stdlib_dirs(opts.stdlib_dirs);
  if (dump.on()) {
    DiagnosticEngine quiet(sm);
    quiet.set_buffered(true);
    dump.write("tokens", "txt", token_dump(sm, lex(file, sm.file(file).text, quiet)));
  }
  r.program = load_program(sm, diags, file, lo);
  if (diags.has_errors()) return r;
  if (!check_program(*r.program, diags)) return r;
  dump.write("ast", "txt", print_ast(r.program->main(), true));
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
  dump.write("ir", "b2ir", ir::print_module(*r.module));
  if (opts.stop_after == Stage::Ir) {
    r.ok = true;
    return r;
  }
  passes::register_builtin_passes();
  passes::PassManagerOptions pass_options = opts.pass_options;
  if (dump.on()) {
    auto user_hook = pass_options.after_pass;
    pass_options.after_pass = [&dump, user_hook](const std::string& pass, const ir::Module& m) {
      dump.write(pass, "b2ir", ir::print_module(m));
      if (user_hook) user_hook(pass, m);
    };
  }
  passes::PassManager pm(pass_options);
  std::string pipeline = opts.pipeline.empty() ? passes::default_pipeline() : opts.pipeline;
  bool kernels_needed = opts.stop_after >= Stage::Loops;
  if (!pm.parse_pipeline(pipeline, diags)) return r;
  if (!pm.run(*r.module, diags)) return r;
  if (kernels_needed) {
    r.kernels = loops::lower_kernels(*r.module, diags);
    if (diags.has_errors()) return r;
    for (const auto& k : r.kernels) r.loops_text += (r.loops_text.empty() ? "" : "\n") + loops::print_kernel(k);
    dump.write("loops", "txt", r.loops_text);
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
