// b2m-opt: runs named passes over textual IR, like mlir-opt.
//   b2m-opt file.b2ir --inline --cse --dce
//   b2m-opt file.b2ir --pass-pipeline=shape-infer,canonicalize
// Passes run in the order given. With no pass, the input is verified and
// printed back (a round trip).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "b2m/driver/frontend.h"
#include "b2m/ir/printer.h"
#include "b2m/ir/verifier.h"

namespace {
void usage() {
  std::fprintf(stderr,
               "usage: b2m-opt FILE.b2ir [--PASS ...] [--pass-pipeline=a,b] [--print-ir-after-all]\n"
               "       [--print-ir-after=PASS] [--time-passes] [--verify-each] [--print-loc] [-o OUT]\n"
               "       [--verify-diagnostics] [--list-passes] [--remarks=fusion]\n");
}
}  // namespace

int main(int argc, char** argv) {
  b2m::passes::register_builtin_passes();
  std::string input, output, pipeline;
  b2m::passes::PassManagerOptions opts;
  bool print_loc = false, verify_diags = false;
  std::vector<std::string> unknown;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& flag) -> std::string { return a.substr(flag.size()); };
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (a == "--list-passes") {
      for (const auto& n : b2m::passes::pass_names()) std::printf("%s\n", n.c_str());
      return 0;
    } else if (a.rfind("--pass-pipeline=", 0) == 0) {
      pipeline += (pipeline.empty() ? "" : ",") + value("--pass-pipeline=");
    } else if (a == "--print-ir-after-all") {
      opts.print_ir_after_all = true;
    } else if (a.rfind("--print-ir-after=", 0) == 0) {
      opts.print_ir_after.push_back(value("--print-ir-after="));
    } else if (a == "--time-passes") {
      opts.time_passes = true;
    } else if (a.rfind("--remarks=", 0) == 0) {
      b2m::passes::enable_remarks(value("--remarks="));
    } else if (a == "--verify-each") {
      opts.verify_each = true;
    } else if (a == "--print-loc") {
      print_loc = true;
    } else if (a == "--verify-diagnostics") {
      verify_diags = true;
    } else if (a == "-o" && i + 1 < argc) {
      output = argv[++i];
    } else if (a.rfind("--", 0) == 0 && b2m::passes::create_pass(a.substr(2))) {
      pipeline += (pipeline.empty() ? "" : ",") + a.substr(2);
    } else if (a.rfind("-", 0) == 0 && a.size() > 1) {
      unknown.push_back(a);
    } else if (input.empty()) {
      input = a;
    } else {
      std::fprintf(stderr, "b2m-opt: error: more than one input file ('%s' and '%s')\n", input.c_str(), a.c_str());
      return 1;
    }
  }
  if (!unknown.empty()) {
    std::string guess = b2m::closest_match(unknown[0].substr(unknown[0].find_first_not_of('-')), b2m::passes::pass_names());
    std::fprintf(stderr, "b2m-opt: error: unknown option '%s'%s\n", unknown[0].c_str(),
                 guess.empty() ? "" : ("; did you mean '--" + guess + "'?").c_str());
    return 1;
  }
  if (input.empty()) {
    usage();
    return 1;
  }
  b2m::SourceManager sm;
  b2m::DiagnosticEngine diags(sm);
  std::string err;
  std::int32_t file = sm.load(input, &err);
  if (file < 0) {
    std::fprintf(stderr, "b2m-opt: error: %s\n", err.c_str());
    return 1;
  }
  b2m::ir::PrintOptions popts{print_loc, &sm};
  opts.printer = [&](const b2m::ir::Module& m) { return b2m::ir::print_module(m, popts); };
  auto m = b2m::ir::parse_module_text(file, diags);
  bool ok = m && b2m::ir::verify(*m, diags);
  if (ok && !pipeline.empty()) {
    b2m::passes::PassManager pm(opts);
    ok = pm.parse_pipeline(pipeline, diags) && pm.run(*m, diags);
  }
  if (verify_diags) return b2m::verify_diagnostics(sm, file, diags) ? 0 : 1;
  for (const auto& d : diags.diagnostics()) diags.print(d);
  if (!ok) return 1;
  std::string text = b2m::ir::print_module(*m, popts);
  if (!output.empty()) {
    if (!b2m::write_file_atomically(output, text, &err)) {
      std::fprintf(stderr, "b2m-opt: error: %s\n", err.c_str());
      return 1;
    }
    return 0;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
