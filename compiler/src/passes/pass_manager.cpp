#include <chrono>
#include <cstdio>
#include <map>

#include "b2m/ir/verifier.h"
#include "b2m/passes/pass.h"

namespace b2m::passes {

namespace {
std::map<std::string, PassFactory>& registry() {
  static std::map<std::string, PassFactory> r;
  return r;
}
}  // namespace

void register_pass(const std::string& name, PassFactory factory) { registry()[name] = std::move(factory); }

std::unique_ptr<Pass> create_pass(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second();
}

std::vector<std::string> pass_names() {
  std::vector<std::string> out;
  for (const auto& [n, f] : registry()) out.push_back(n);
  return out;
}

void register_builtin_passes() {
  register_pass("inline", make_inline_pass);
  register_pass("shape-infer", make_shape_infer_pass);
  register_pass("canonicalize", make_canonicalize_pass);
  register_pass("cse", make_cse_pass);
  register_pass("dce", make_dce_pass);
  register_pass("fuse", make_fuse_pass);
  register_pass("tile-segments", make_tile_segments_pass);
}

namespace {
std::vector<std::string>& enabled_remarks() {
  static std::vector<std::string> kinds;
  return kinds;
}
}  // namespace

void enable_remarks(const std::string& kind) { enabled_remarks().push_back(kind); }

bool remarks_enabled(const std::string& kind) {
  for (const auto& k : enabled_remarks())
    if (k == kind || k == "all") return true;
  return false;
}

const char* default_pipeline() { return "inline,shape-infer,canonicalize,cse,dce,fuse,dce,tile-segments"; }

bool PassManager::parse_pipeline(const std::string& pipeline, DiagnosticEngine& diags) {
  std::size_t start = 0;
  bool ok = true;
  while (start <= pipeline.size()) {
    std::size_t end = pipeline.find(',', start);
    if (end == std::string::npos) end = pipeline.size();
    std::string name = pipeline.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (!name.empty()) {
      auto p = create_pass(name);
      if (!p) {
        std::string guess = closest_match(name, pass_names());
        std::string all;
        for (const auto& n : pass_names()) all += (all.empty() ? "" : ", ") + n;
        diags.error(Loc{}, "unknown pass '" + name + "'",
                    guess.empty() ? "available passes: " + all : "did you mean '" + guess + "'?");
        ok = false;
      } else {
        passes_.push_back(std::move(p));
      }
    }
    start = end + 1;
  }
  return ok;
}

bool PassManager::run(ir::Module& m, DiagnosticEngine& diags) {
  struct Timing {
    std::string name;
    double seconds;
  };
  std::vector<Timing> timings;
  bool ok = true;
  for (auto& p : passes_) {
    auto t0 = std::chrono::steady_clock::now();
    std::size_t errors = diags.num_errors();
    bool changed = p->run(m, diags);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    timings.push_back({p->name(), secs});
    if (diags.num_errors() > errors) {
      ok = false;
      break;
    }
    bool print = opts_.print_ir_after_all;
    for (const auto& n : opts_.print_ir_after) print = print || n == p->name();
    if (print && opts_.printer) {
      if (changed) {
        std::printf("// -----// IR Dump After %s //----- //\n%s\n", p->name(), opts_.printer(m).c_str());
      } else {
        std::printf("// -----// IR Dump After %s: unchanged //----- //\n\n", p->name());
      }
    }
    if (opts_.after_pass) opts_.after_pass(p->name(), m);
    if (opts_.verify_each && !ir::verify(m, diags)) {
      diags.error(Loc{}, std::string("the IR is invalid after pass '") + p->name() + "'");
      ok = false;
      break;
    }
  }
  if (opts_.time_passes) {
    double total = 0;
    for (const auto& t : timings) total += t.seconds;
    std::fprintf(stderr, "===-------------------------------------------------------------------------===\n");
    std::fprintf(stderr, "                         ... Pass execution timing report ...\n");
    std::fprintf(stderr, "===-------------------------------------------------------------------------===\n");
    std::fprintf(stderr, "  Total Execution Time: %.6f seconds\n\n   ---Wall Time---  --- Name ---\n", total);
    for (const auto& t : timings)
      std::fprintf(stderr, "   %.6f (%5.1f%%)  %s\n", t.seconds, total > 0 ? 100 * t.seconds / total : 0.0, t.name.c_str());
    std::fprintf(stderr, "   %.6f (100.0%%)  Total\n", total);
  }
  return ok;
}

}  // namespace b2m::passes
