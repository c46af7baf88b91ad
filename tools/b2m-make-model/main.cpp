// b2m-make-model: writes a small randomly initialised generation model
// directory (see docs/models.md) so examples and tests run without downloads.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "b2m/runtime/error.h"
#include "b2m/gen/random_model.h"

int main(int argc, char** argv) {
  CLI::App app{"Write a randomly initialised b2m generation model directory"};
  std::string out;
  b2m::gen::RandomModelSpec spec;
  app.add_option("-o,--out", out, "model directory to create")->required();
  app.add_option("--seed", spec.seed, "random seed (same seed, same files)");
  app.add_option("--layers", spec.n_layer, "transformer layers per stage");
  app.add_option("--width", spec.n_embd, "transformer width (n_embd)");
  app.add_option("--heads", spec.n_head, "attention heads");
  CLI11_PARSE(app, argc, argv);
  try {
    b2m::gen::write_random_model(out, spec);
    std::printf("wrote %s\n", out.c_str());
  } catch (const b2m::Error& e) {
    std::fprintf(stderr, "b2m-make-model: %s\n", e.what());
    return 1;
  }
  return 0;
}
