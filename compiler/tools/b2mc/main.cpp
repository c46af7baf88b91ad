// b2mc: the b2m compiler driver.
//   b2mc pipeline.b2m --emit=tokens|ast|ir|ir-opt [-o out]
//   b2mc file.b2ir -x b2ir --emit=ir-opt
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <cstdio>

#include "b2m/codegen/cpu.h"
#include "b2m/driver/frontend.h"
#include "b2m/exec/executor.h"
#include "b2m/runtime/error.h"
#include "b2m/ir/printer.h"
#include "b2m/ir/verifier.h"

namespace {

// What the executable embeds: the IR with source locations and the texts of
// the files they point into (the pipeline's and the stdlib modules').
b2m::cpu::ExecutableText executable_text(const b2m::ir::Module& m, const b2m::SourceManager& sm) {
  b2m::cpu::ExecutableText text;
  b2m::ir::PrintOptions popts;
  popts.locations = true;
  popts.sources = &sm;
  text.ir = b2m::ir::print_module(m, popts);
  std::set<std::int32_t> used;
  for (const auto& f : m.funcs)
    for (const auto& op : f->body)
      if (op->loc.valid()) used.insert(op->loc.file);
  nlohmann::json files = nlohmann::json::array();
  for (std::int32_t id : used) files.push_back({{"path", sm.file(id).path}, {"text", sm.file(id).text}});
  text.sources = files.dump();
  return text;
}

// The executable: the kernels' object (with the pipeline's IR, its sources
// and the kernel table), the main() template and libb2m_exe, linked by the
// system C compiler into a temporary file that is renamed only on success.
bool link_executable(const b2m::FrontendResult& r, const b2m::SourceManager& sm, const std::string& output,
                     const b2m::cpu::CodegenOptions& cg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  fs::path lib = (exe.parent_path() / ".." / "lib").lexically_normal();
  fs::path main_obj = lib / "b2m_exe_main.o";
  if (ec || !fs::exists(main_obj) || !fs::exists(lib / "libb2m_exe.so")) {
    std::fprintf(stderr, "b2mc: error: cannot find libb2m_exe.so and b2m_exe_main.o in %s (is the build complete?)\n",
                 lib.c_str());
    return false;
  }
  b2m::cpu::ExecutableText text = executable_text(*r.module, sm);
  std::string tmp_obj = output + ".kernels.o";
  std::string tmp_exe = output + ".tmp-exe";
  std::string err;
  if (!b2m::cpu::emit_object(r.kernels, tmp_obj, &err, cg, &text)) {
    std::fprintf(stderr, "b2mc: error: %s\n", err.c_str());
    return false;
  }
  std::string cmd = "cc -o '" + tmp_exe + "' '" + main_obj.string() + "' '" + tmp_obj + "' -L'" + lib.string() +
                    "' -Wl,-rpath,'" + lib.string() + "' -lb2m_exe -lmvec -lm";
  int rc = std::system(cmd.c_str());
  std::remove(tmp_obj.c_str());
  if (rc != 0 || std::rename(tmp_exe.c_str(), output.c_str()) != 0) {
    std::remove(tmp_exe.c_str());
    std::fprintf(stderr, "b2mc: error: linking '%s' failed (%s)\n", output.c_str(), cmd.c_str());
    return false;
  }
  return true;
}

// b2mc run FILE.b2m [--stdlib-dir DIR] [-- PIPELINE ARGS...]: compiles the
// pipeline in memory (kernels through ORC LLJIT) and runs it with the same
// command line as its standalone executable.
// Reads the pipeline file into `sm`; prints why and returns -1 when it cannot.
std::int32_t load_input(b2m::SourceManager& sm, const std::string& path) {
  std::string err;
  std::int32_t file = sm.load(path, &err);
  if (file < 0) std::fprintf(stderr, "b2mc: error: %s\n", err.c_str());
  return file;
}

int run_main(int argc, char** argv) {
  std::string input;
  std::vector<std::string> stdlib_dirs, args;
  b2m::cpu::CodegenOptions cg;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (int j = i + 1; j < argc; ++j) args.push_back(argv[j]);
      break;
    }
    if (a == "--stdlib-dir" && i + 1 < argc) stdlib_dirs.push_back(argv[++i]);
    else if (a == "--no-compressed-lanes") cg.compressed_lanes = false;
    else if (input.empty() && a.rfind("-", 0) != 0) input = a;
    else args.push_back(a);
  }
  if (input.empty()) {
    std::fprintf(stderr, "usage: b2mc run FILE.b2m [--stdlib-dir DIR] [--no-compressed-lanes] [-- --out DIR --threads N --PARAM VALUE ...]\n");
    return 2;
  }
  b2m::SourceManager sm;
  b2m::DiagnosticEngine diags(sm);
  diags.set_buffered(true);
  std::string err;
  const std::int32_t file = load_input(sm, input);
  if (file < 0) return 1;
  b2m::FrontendOptions fo;
  fo.stdlib_dirs = stdlib_dirs;
  fo.stop_after = b2m::Stage::Loops;
  auto r = b2m::run_frontend(sm, diags, file, fo);
  for (const auto& d : diags.diagnostics()) diags.print(d);
  if (!r.ok) return 1;
  auto jit = b2m::cpu::JitKernels::compile(r.kernels, &err, cg);
  if (!jit) {
    std::fprintf(stderr, "b2mc: error: %s\n", err.c_str());
    return 1;
  }
  b2m::exec::RunOptions opts;
  std::string message;
  int code = 0;
  std::string program = "b2mc run " + input + " --";
  if (!b2m::exec::parse_command_line(*r.module, program, args, opts, &message, &code)) {
    std::fprintf(code == 0 ? stdout : stderr, "%s\n", message.c_str());
    return code;
  }
  try {
    b2m::exec::run(*r.module, r.kernels, [&](const std::string& k) { return jit->lookup(k); }, opts, &sm);
  } catch (const b2m::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "run") return run_main(argc, argv);
  CLI::App app{"b2mc: compile .b2m pipelines (brain activity to music)"};
  std::string input, emit = "ir-opt", language, output, pipeline;
  std::vector<std::string> stdlib_dirs, print_after;
  bool verify_diags = false, print_all = false, time_passes = false, verify_each = false, print_loc = false;
  app.add_option("input", input, "the .b2m pipeline (or .b2ir with -x b2ir)")->required();
  app.add_option("--emit", emit, "stage to stop at and print")
      ->check(CLI::IsMember({"tokens", "ast", "ir", "ir-opt", "loops", "llvm", "asm", "obj", "exe"}));
  app.add_option("-x", language, "input language (default: by extension)")->check(CLI::IsMember({"b2m", "b2ir"}));
  app.add_option("-o", output, "write the output here (atomically) instead of stdout");
  app.add_option("--stdlib-dir", stdlib_dirs, "extra directory to search for imported modules");
  app.add_flag("--verify-diagnostics", verify_diags, "check diagnostics against expected-* comments");
  app.add_option("--pass-pipeline", pipeline, "comma-separated passes (default: inline,shape-infer,canonicalize,cse,dce)");
  app.add_flag("--print-ir-after-all", print_all, "print the IR after every pass");
  app.add_option("--print-ir-after", print_after, "print the IR after the named pass")->delimiter(',');
  app.add_flag("--time-passes", time_passes, "report the time spent in each pass");
  app.add_flag("--verify-each", verify_each, "verify the IR after each pass");
  app.add_flag("--print-loc", print_loc, "print source locations in the IR");
  b2m::cpu::CodegenOptions cg;
  bool no_lanes = false;
  app.add_flag("--no-compressed-lanes", no_lanes,
               "gather through a compress's index list instead of compressing vector lanes (docs/ir.md)");
  std::vector<std::string> remarks;
  app.add_option("--remarks", remarks, "report optimization decisions not taken (fusion)")
      ->delimiter(',')
      ->check(CLI::IsMember({"fusion", "all"}));
  CLI11_PARSE(app, argc, argv);
  cg.compressed_lanes = !no_lanes;
  // `b2mc pipeline.b2m -o pipeline` builds an executable.
  if (app.count("--emit") == 0 && !output.empty() && language != "b2ir") emit = "exe";

  for (const auto& r : remarks) b2m::passes::enable_remarks(r);
  b2m::SourceManager sm;
  b2m::DiagnosticEngine diags(sm);
  diags.set_buffered(true);
  std::string err;
  const std::int32_t file = load_input(sm, input);
  if (file < 0) return 1;
  if (language.empty()) language = input.size() > 5 && input.substr(input.size() - 5) == ".b2ir" ? "b2ir" : "b2m";

  b2m::ir::PrintOptions popts{print_loc, &sm};
  b2m::FrontendOptions fo;
  fo.stdlib_dirs = stdlib_dirs;
  fo.pipeline = pipeline;
  fo.pass_options.print_ir_after_all = print_all;
  fo.pass_options.print_ir_after = print_after;
  fo.pass_options.time_passes = time_passes;
  fo.pass_options.verify_each = verify_each;
  fo.pass_options.printer = [&](const b2m::ir::Module& m) { return b2m::ir::print_module(m, popts); };
  fo.stop_after = emit == "tokens" ? b2m::Stage::Tokens : emit == "ast" ? b2m::Stage::Ast
                  : emit == "ir" ? b2m::Stage::Ir : emit == "loops" ? b2m::Stage::Loops
                  : emit == "llvm" ? b2m::Stage::Llvm : emit == "asm" ? b2m::Stage::Asm
                  : emit == "obj" || emit == "exe" ? b2m::Stage::Obj : b2m::Stage::IrOpt;
  if (emit == "exe" && output.empty()) {
    std::fprintf(stderr, "b2mc: error: --emit=exe needs -o FILE\n");
    return 1;
  }
  if (emit == "obj" && output.empty()) {
    std::fprintf(stderr, "b2mc: error: --emit=obj needs -o FILE.o\n");
    return 1;
  }

  std::string text;
  bool ok = false;
  if (language == "b2ir") {
    if (emit != "ir" && emit != "ir-opt") {
      std::fprintf(stderr, "b2mc: error: --emit=%s needs a .b2m input, not textual IR\n", emit.c_str());
      return 1;
    }
    auto m = b2m::ir::parse_module_text(file, diags);
    ok = m && b2m::ir::verify(*m, diags);
    if (ok && emit == "ir-opt") {
      b2m::passes::register_builtin_passes();
      b2m::passes::PassManager pm(fo.pass_options);
      ok = pm.parse_pipeline(pipeline.empty() ? b2m::passes::default_pipeline() : pipeline, diags) && pm.run(*m, diags);
    }
    if (ok) text = b2m::ir::print_module(*m, popts);
  } else {
    auto r = b2m::run_frontend(sm, diags, file, fo);
    ok = r.ok;
    // B2M_DUMP_DIR also gets the back end's stages.
    if (const char* dump = std::getenv("B2M_DUMP_DIR"); ok && dump && *dump && !r.kernels.empty()) {
      std::string stem = std::filesystem::path(input).stem().string();
      b2m::write_file_atomically(std::string(dump) + "/" + stem + ".90-kernels.ll", b2m::cpu::emit_llvm(r.kernels, cg), &err);
      b2m::write_file_atomically(std::string(dump) + "/" + stem + ".91-kernels.s", b2m::cpu::emit_asm(r.kernels, cg), &err);
    }
    if (ok) {
      if (emit == "tokens") text = r.tokens_text;
      else if (emit == "ast") text = b2m::print_ast(r.program->main(), true);
      else if (emit == "loops") text = r.loops_text;
      else if (emit == "llvm") text = b2m::cpu::emit_llvm(r.kernels, cg);
      else if (emit == "asm") text = b2m::cpu::emit_asm(r.kernels, cg);
      else if (emit == "exe") {
        return link_executable(r, sm, output, cg) ? 0 : 1;
      } else if (emit == "obj") {
        // Written by LLVM to a temporary name, then renamed: never a partial file.
        std::string tmp = output + ".tmp-obj";
        if (!b2m::cpu::emit_object(r.kernels, tmp, &err, cg) || std::rename(tmp.c_str(), output.c_str()) != 0) {
          std::remove(tmp.c_str());
          std::fprintf(stderr, "b2mc: error: %s\n", err.empty() ? ("cannot write '" + output + "'").c_str() : err.c_str());
          return 1;
        }
        return 0;
      }
      else text = b2m::ir::print_module(*r.module, popts);
    }
  }

  if (verify_diags) return b2m::verify_diagnostics(sm, file, diags) ? 0 : 1;
  // Lexer errors are found before parser and checker errors: show them all in
  // source order.
  std::vector<const b2m::Diagnostic*> sorted;
  for (const auto& d : diags.diagnostics()) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const b2m::Diagnostic* a, const b2m::Diagnostic* b) {
    return std::make_pair(a->loc.file, a->loc.offset) < std::make_pair(b->loc.file, b->loc.offset);
  });
  for (const auto* d : sorted) diags.print(*d);
  if (!ok) {
    if (diags.num_errors() > 0)
      std::fprintf(stderr, "%zu error%s generated.\n", diags.num_errors(), diags.num_errors() == 1 ? "" : "s");
    return 1;
  }
  if (!output.empty()) {
    if (!b2m::write_file_atomically(output, text, &err)) {
      std::fprintf(stderr, "b2mc: error: %s\n", err.c_str());
      return 1;
    }
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return 0;
}
