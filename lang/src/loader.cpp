// Loading a program: the main file and, transitively, every module it imports.
#include <filesystem>

#include "b2m/lang/parser.h"
#include "b2m/lang/sema.h"
#include "b2m/lang/token.h"

namespace b2m {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> available_modules(const std::vector<std::string>& dirs) {
  std::vector<std::string> names;
  for (const auto& d : dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".b2m") names.push_back(e.path().stem().string());
  }
  return names;
}

}  // namespace

std::unique_ptr<Program> load_program(SourceManager& sm, DiagnosticEngine& diags,
                                      std::int32_t main_file, const LoadOptions& opts) {
  auto prog = std::make_unique<Program>();
  prog->sources = &sm;
  auto parse_file = [&](std::int32_t file, const std::string& name) {
    auto toks = lex(file, sm.file(file).text, diags);
    auto m = parse_module(file, toks, diags);
    m->name = name;
    m->path = sm.file(file).path;
    Module* raw = m.get();
    prog->modules.push_back(std::move(m));
    return raw;
  };
  parse_file(main_file, "");

  // Breadth-first over import declarations; each module is loaded once.
  for (std::size_t i = 0; i < prog->modules.size(); ++i) {
    Module* m = prog->modules[i].get();
    std::vector<std::string> dirs;
    dirs.push_back(fs::path(m->path).parent_path().string());
    for (const auto& p : opts.search_paths) dirs.push_back(p);
    for (auto& d : dirs)
      if (d.empty()) d = ".";
    for (auto& decl : m->decls) {
      if (decl->kind != Decl::Kind::Import) continue;
      for (const auto& [name, loc] : decl->imports) {
        if (prog->by_name.count(name)) continue;
        std::string rel = name;
        for (auto& c : rel)
          if (c == '.') c = '/';
        rel += ".b2m";
        std::string found;
        for (const auto& d : dirs) {
          fs::path p = fs::path(d) / rel;
          std::error_code ec;
          if (fs::is_regular_file(p, ec)) {
            found = p.lexically_normal().string();
            break;
          }
        }
        if (found.empty()) {
          std::string searched;
          for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d;
          std::string guess = closest_match(name, available_modules(dirs));
          diags.error(loc, "cannot find module '" + name + "'",
                      guess.empty() ? "searched " + searched + " (set --stdlib-dir or B2M_STDLIB_DIR)"
                                    : "did you mean '" + guess + "'?");
          prog->by_name[name] = nullptr;
          continue;
        }
        std::string err;
        std::int32_t file = sm.load(found, &err);
        if (file < 0) {
          diags.error(loc, "cannot read module '" + name + "': " + err);
          prog->by_name[name] = nullptr;
          continue;
        }
        prog->by_name[name] = parse_file(file, name);
      }
    }
  }
  return prog;
}

}  // namespace b2m
