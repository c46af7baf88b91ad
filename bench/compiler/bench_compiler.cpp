// Front-end speed: checking, and checking + lowering + the default pass
// pipeline, of a generated 2,000-line pipeline (and smaller ones, to show
// how time grows with size).
#include <benchmark/benchmark.h>

#include "b2m/driver/frontend.h"
#include "b2m/driver/pipeline_generator.h"

namespace {

void run(benchmark::State& state, b2m::Stage stage) {
  std::string text = b2m::generate_pipeline(static_cast<int>(state.range(0)), 42);
  std::size_t ops = 0;
  for (auto _ : state) {
    b2m::SourceManager sm;
    b2m::DiagnosticEngine diags(sm);
    diags.set_buffered(true);
    auto f = sm.add("gen.b2m", text);
    b2m::FrontendOptions opts;
    opts.stop_after = stage;
    opts.stdlib_dirs = {B2M_SOURCE_DIR "/stdlib"};
    auto r = b2m::run_frontend(sm, diags, f, opts);
    if (!r.ok) {
      state.SkipWithError("the generated pipeline did not compile");
      return;
    }
    ops = r.module ? r.module->funcs[0]->body.size() : 0;
    benchmark::DoNotOptimize(r.program.get());
  }
  state.counters["lines"] = static_cast<double>(state.range(0));
  if (ops) state.counters["ops_after"] = static_cast<double>(ops);
}

void BM_Check(benchmark::State& state) { run(state, b2m::Stage::Ast); }
void BM_CheckAndOptimize(benchmark::State& state) { run(state, b2m::Stage::IrOpt); }

BENCHMARK(BM_Check)->Arg(500)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CheckAndOptimize)->Arg(500)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
