// The tiled (one-pass) schedule of per-run statistics read back by row
// (tile-segments pass + executor): the pipeline is compiled in memory, run
// with the schedule and without it, and compared bit for bit with itself and
// within float32 tolerance with a float64 reference of the same steps.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "b2m/codegen/cpu.h"
#include "b2m/driver/frontend.h"
#include "b2m/exec/executor.h"
#include "b2m/runtime/error.h"
#include "jit_pipeline.h"

namespace {

using b2m::cpu::HostTensor;

struct Inputs {
  std::int64_t T = 0, V = 0;
  HostTensor x, run, mask;
};

// x ~ 100 + 5 (v % 7) + N(0, 1); runs of the given lengths with the given
// ids; a random mask keeping about 60%.
Inputs make_inputs(std::int64_t V, const std::vector<std::pair<std::int64_t, std::int64_t>>& runs, unsigned seed) {
  Inputs in;
  in.V = V;
  for (const auto& r : runs) in.T += r.second;
  in.x = HostTensor::zeros(b2m::DType::F32, {in.T, V});
  in.run = HostTensor::zeros(b2m::DType::I64, {in.T});
  in.mask = HostTensor::zeros(b2m::DType::Bool, {V});
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0, 1);
  for (std::int64_t t = 0; t < in.T; ++t)
    for (std::int64_t v = 0; v < V; ++v) in.x.data<float>()[t * V + v] = 100.0f + 5.0f * static_cast<float>(v % 7) + n(rng);
  std::int64_t t = 0;
  for (const auto& [id, len] : runs)
    for (std::int64_t i = 0; i < len; ++i) in.run.data<std::int64_t>()[t++] = id;
  std::bernoulli_distribution keep(0.6);
  for (std::int64_t v = 0; v < V; ++v) in.mask.data<std::uint8_t>()[v] = keep(rng);
  return in;
}

using Compiled = b2m::testing::JitPipeline;

std::unique_ptr<Compiled> compile(const std::string& text) { return b2m::testing::jit_pipeline("tiled.b2m", text); }

bool has_tiled_op(const b2m::ir::Module& m) {
  for (const auto& op : m.find_func("main")->body)
    if (op->id == b2m::OpId::Fused && op->attr_str("kind") == "tiled") return true;
  return false;
}

// Runs the pipeline on `in`; returns output "y.npy" and the schedule log.
HostTensor run(const Compiled& c, const Inputs& in, bool tiling, std::vector<std::string>* log) {
  b2m::exec::register_builtin_runtime_ops();
  b2m::exec::RuntimeRegistry::global().add(
      "data", [&](const std::vector<const b2m::exec::Value*>& a, const b2m::Type&) {
        const std::string& n = a[0]->text;
        return b2m::exec::Value::of_tensor(n == "bold" ? in.x : n == "run" ? in.run : in.mask);
      });
  std::map<std::string, b2m::exec::Value> outs;
  b2m::exec::RunOptions opts;
  opts.capture_outputs = &outs;
  opts.tiling = tiling;
  opts.schedule_log = log;
  b2m::exec::run(*c.r.module, c.r.kernels, [&](const std::string& k) { return c.lookup(k); }, opts);
  return outs.at("y.npy").tensor;
}

std::string pipeline(const std::string& body) {
  return "import fmri\n"
         "extern source fn data(name: str) -> annotated\n"
         "source x: f32[time, voxel] = data(\"bold\")\n"
         "source run: i64[time] = data(\"run\")\n"
         "source keep: bool[voxel] = data(\"mask\")\n"
         "out \"y.npy\" = " + body + "\n";
}

// float64 reference: z-score per run id, columns where `masked` keeps them
// (all otherwise), row t taken from row t - delay (zero outside).
std::vector<double> reference(const Inputs& in, bool masked, std::int64_t delay) {
  std::map<std::int64_t, std::vector<std::int64_t>> rows_of;
  for (std::int64_t t = 0; t < in.T; ++t) rows_of[in.run.data<std::int64_t>()[t]].push_back(t);
  std::vector<std::int64_t> cols;
  for (std::int64_t v = 0; v < in.V; ++v)
    if (!masked || in.mask.data<std::uint8_t>()[v]) cols.push_back(v);
  std::vector<double> z(static_cast<std::size_t>(in.T * in.V));
  for (const auto& [id, rows] : rows_of)
    for (std::int64_t v = 0; v < in.V; ++v) {
      double s = 0, s2 = 0;
      for (auto t : rows) s += in.x.data<float>()[t * in.V + v];
      double m = s / static_cast<double>(rows.size());
      for (auto t : rows) s2 += std::pow(in.x.data<float>()[t * in.V + v] - m, 2);
      double sd = std::sqrt(s2 / static_cast<double>(rows.size()));
      for (auto t : rows) z[static_cast<std::size_t>(t * in.V + v)] = (in.x.data<float>()[t * in.V + v] - m) / sd;
    }
  std::vector<double> out;
  for (std::int64_t t = 0; t < in.T; ++t)
    for (auto v : cols) {
      std::int64_t from = t - delay;
      out.push_back(from >= 0 && from < in.T ? z[static_cast<std::size_t>(from * in.V + v)] : 0.0);
    }
  return out;
}

void expect_near_reference(const HostTensor& y, const std::vector<double>& ref) {
  ASSERT_EQ(static_cast<std::size_t>(y.size()), ref.size());
  double worst = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(y.data<float>()[i] - ref[i]));
  EXPECT_LT(worst, 2e-4);  // float32 normalize of values ~100 with sd ~1
}

struct Case {
  const char* name;
  std::string body;
  bool masked;
  std::int64_t delay;
};

const Case kCases[] = {
    {"mask, delay 1", "shift(compress(fmri.zscore_runs(x, run), keep), by=1, along=time)", true, 1},
    {"mask, delay -2", "shift(compress(fmri.zscore_runs(x, run), keep), by=-2, along=time)", true, -2},
    {"mask, no delay", "compress(fmri.zscore_runs(x, run), keep)", true, 0},
    {"no mask, delay 3", "shift(fmri.zscore_runs(x, run), by=3, along=time)", false, 3},
};

TEST(TiledSchedule, ChainsAreTiledAndMatchTheOrdinarySchedule) {
  // 3 runs of unequal lengths; 3000 voxels make several tiles per run.
  Inputs in = make_inputs(3000, {{0, 170}, {1, 230}, {2, 201}}, 1);
  for (const Case& cs : kCases) {
    SCOPED_TRACE(cs.name);
    auto c = compile(pipeline(cs.body));
    ASSERT_TRUE(c->ok()) << c->errors;
    ASSERT_TRUE(has_tiled_op(*c->r.module));
    std::vector<std::string> log;
    HostTensor tiled = run(*c, in, true, &log);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("3 segments of 'time'"), std::string::npos) << log[0];
    HostTensor plain = run(*c, in, false, nullptr);
    EXPECT_TRUE(tiled.bytes == plain.bytes) << "the tiled schedule changed the results";
    expect_near_reference(tiled, reference(in, cs.masked, cs.delay));
  }
}

TEST(TiledSchedule, SeveralTilesPerRun) {
  Inputs in = make_inputs(3000, {{0, 170}, {1, 230}, {2, 201}}, 2);
  auto c = compile(pipeline(kCases[0].body));
  ASSERT_TRUE(c->ok()) << c->errors;
  std::vector<std::string> log;
  run(*c, in, true, &log);
  ASSERT_EQ(log.size(), 1u);
  // 512 KiB / (230 rows x 4 bytes) -> tiles of 560 raw voxels: 6 per run.
  EXPECT_NE(log[0].find("tiles of 560 raw 'voxel' entries: 18 items"), std::string::npos) << log[0];
}

TEST(TiledSchedule, NonContiguousOrMissingGroupsRunOpByOp) {
  auto c = compile(pipeline(kCases[0].body));
  ASSERT_TRUE(c->ok()) << c->errors;
  // Run 0 comes back after run 1; then a run id (1) with no rows.
  for (const auto& runs : {std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 30}, {1, 40}, {0, 25}},
                           std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 30}, {2, 40}}}) {
    Inputs in = make_inputs(500, runs, 3);
    std::vector<std::string> log;
    HostTensor y = run(*c, in, true, &log);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("op by op"), std::string::npos) << log[0];
    expect_near_reference(y, reference(in, true, 1));
  }
}

TEST(TiledSchedule, BadIdsGiveTheOrdinaryError) {
  auto c = compile(pipeline(kCases[0].body));
  ASSERT_TRUE(c->ok()) << c->errors;
  Inputs in = make_inputs(100, {{0, 10}, {-1, 10}}, 4);
  try {
    run(*c, in, true, nullptr);
    FAIL() << "negative ids were accepted";
  } catch (const b2m::Error& e) {
    EXPECT_NE(std::string(e.what()).find("group ids must be non-negative, found -1"), std::string::npos) << e.what();
  }
}

}  // namespace
