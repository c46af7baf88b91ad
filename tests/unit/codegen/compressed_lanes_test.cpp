// Compressed lanes (loops.h, mark_compressed_lanes; cpu.h,
// CodegenOptions::compressed_lanes): loops over a compressed dimension run
// over the mask's raw positions with in-register compress/expand. Each
// pipeline is compiled twice, with lanes and with gathers through the index
// list, run on random data under masks of every shape that matters to the
// lane arithmetic (empty, full, first or last entry only, sparse, dense,
// runs longer than a vector, fewer entries than one vector), and the two are
// compared bit for bit and with a float64 reference where the steps are
// exact.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "b2m/codegen/cpu.h"
#include "b2m/driver/frontend.h"
#include "b2m/exec/executor.h"
#include "jit_pipeline.h"

namespace {

using b2m::cpu::HostTensor;

struct Data {
  std::int64_t T = 0, V = 0;
  HostTensor x, y, n, run, keep;
};

Data make_data(std::int64_t T, std::int64_t V, unsigned seed) {
  Data d;
  d.T = T;
  d.V = V;
  d.x = HostTensor::zeros(b2m::DType::F32, {T, V});
  d.y = HostTensor::zeros(b2m::DType::F32, {T, V});
  d.n = HostTensor::zeros(b2m::DType::I32, {T, V});
  d.run = HostTensor::zeros(b2m::DType::I64, {T});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-3, 3);
  std::uniform_int_distribution<int> i(-1000, 1000);
  for (std::int64_t e = 0; e < T * V; ++e) {
    d.x.data<float>()[e] = u(rng);
    d.y.data<float>()[e] = u(rng);
    d.n.data<std::int32_t>()[e] = i(rng);
  }
  for (std::int64_t t = 0; t < T; ++t) d.run.data<std::int64_t>()[t] = t * 3 / T;
  return d;
}

// Mask patterns by name.
HostTensor make_mask(const std::string& pattern, std::int64_t V, unsigned seed) {
  HostTensor m = HostTensor::zeros(b2m::DType::Bool, {V});
  std::mt19937 rng(seed);
  for (std::int64_t v = 0; v < V; ++v) {
    bool on = false;
    if (pattern == "all") on = true;
    else if (pattern == "first") on = v == 0;
    else if (pattern == "last") on = v == V - 1;
    else if (pattern == "sparse") on = std::bernoulli_distribution(0.1)(rng);
    else if (pattern == "half") on = std::bernoulli_distribution(0.5)(rng);
    else if (pattern == "dense") on = std::bernoulli_distribution(0.9)(rng);
    else if (pattern == "blocks") on = v % 30 < 17;  // runs of 17 kept, 13 dropped
    m.data<std::uint8_t>()[v] = on;
  }
  return m;
}

const char* const kPatterns[] = {"none", "all", "first", "last", "sparse", "half", "dense", "blocks"};

// The pipeline `r.npy = expr` over the sources every case uses, compiled
// with compressed lanes, and its kernels again with gathers.
struct Compiled {
  std::unique_ptr<b2m::testing::JitPipeline> p;
  std::unique_ptr<b2m::cpu::JitKernels> gathers;
};

Compiled compile(const std::string& expr) {
  std::string text =
      "import fmri\n"
      "extern source fn data(name: str) -> annotated\n"
      "source x: f32[time, voxel] = data(\"x\")\n"
      "source y: f32[time, voxel] = data(\"y\")\n"
      "source n: i32[time, voxel] = data(\"n\")\n"
      "source run: i64[time] = data(\"run\")\n"
      "source keep: bool[voxel] = data(\"keep\")\n"
      "out \"r.npy\" = " + expr + "\n";
  Compiled c;
  c.p = b2m::testing::jit_pipeline("lanes.b2m", text);
  if (!c.p->ok()) return c;
  b2m::cpu::CodegenOptions off;
  off.compressed_lanes = false;
  c.gathers = b2m::testing::jit_again(*c.p, off);
  return c;
}

HostTensor run(const Compiled& c, const Data& d, const HostTensor& keep, bool lanes) {
  b2m::exec::register_builtin_runtime_ops();
  b2m::exec::RuntimeRegistry::global().add(
      "data", [&](const std::vector<const b2m::exec::Value*>& a, const b2m::Type&) {
        const std::string& n = a[0]->text;
        const HostTensor& t = n == "x" ? d.x : n == "y" ? d.y : n == "n" ? d.n : n == "run" ? d.run : keep;
        return b2m::exec::Value::of_tensor(t);
      });
  std::map<std::string, b2m::exec::Value> outs;
  b2m::exec::RunOptions opts;
  opts.capture_outputs = &outs;
  const b2m::cpu::JitKernels& jit = lanes ? *c.p->jit : *c.gathers;
  b2m::exec::run(*c.p->r.module, c.p->r.kernels, [&](const std::string& k) { return jit.lookup(k); }, opts);
  return outs.at("r.npy").tensor;
}

double element(const HostTensor& t, std::int64_t i) {
  switch (t.dtype) {
    case b2m::DType::F32: return t.data<float>()[i];
    case b2m::DType::I32: return t.data<std::int32_t>()[i];
    case b2m::DType::Bool: return t.data<std::uint8_t>()[i];
    default: ADD_FAILURE() << "unexpected dtype"; return 0;
  }
}

// The reference of one output element from row t, raw voxel v (nullopt-free:
// the reference gives the value for every (t, v); the test picks kept ones).
using Reference = std::function<double(const Data&, std::int64_t t, std::int64_t v)>;

struct Case {
  const char* name;
  const char* expr;
  bool marked;        // the loop form marks it `lanes of`
  bool in_registers;  // ...and the code generator compresses in registers (where the host can)
  Reference ref;      // exact reference, or empty: lanes against gathers only
};

bool host_has_lanes() { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"); }

void check(const Case& c, std::int64_t T, std::int64_t V) {
  SCOPED_TRACE(std::string(c.name) + ", " + std::to_string(T) + " x " + std::to_string(V));
  Compiled k = compile(c.expr);
  ASSERT_TRUE(k.p->ok() && k.gathers) << k.p->errors;
  const b2m::FrontendResult& r = k.p->r;
  EXPECT_EQ(r.loops_text.find(" lanes of %") != std::string::npos, c.marked) << r.loops_text;
  // The lanes path is what ran: the compress/expand intrinsics are in the
  // IR where the host has them, and nowhere with the option off.
  b2m::cpu::CodegenOptions off;
  off.compressed_lanes = false;
  EXPECT_EQ(b2m::cpu::emit_llvm(r.kernels).find("llvm.x86.avx512.mask.compress") != std::string::npos,
            c.in_registers && host_has_lanes());
  EXPECT_EQ(b2m::cpu::emit_llvm(r.kernels, off).find("llvm.x86.avx512.mask.compress"), std::string::npos);
  Data d = make_data(T, V, 7);
  unsigned seed = 11;
  for (const char* pattern : kPatterns) {
    SCOPED_TRACE(pattern);
    HostTensor keep = make_mask(pattern, V, seed++);
    HostTensor a = run(k, d, keep, true);
    HostTensor b = run(k, d, keep, false);
    EXPECT_EQ(a.dims, b.dims);
    EXPECT_TRUE(a.bytes == b.bytes) << "lanes and gathers differ";
    if (!c.ref) continue;
    std::vector<std::int64_t> kept;
    for (std::int64_t v = 0; v < V; ++v)
      if (keep.data<std::uint8_t>()[v]) kept.push_back(v);
    ASSERT_EQ(a.size(), T * static_cast<std::int64_t>(kept.size()));
    int failures = 0;
    for (std::int64_t t = 0; t < T && failures < 5; ++t)
      for (std::size_t j = 0; j < kept.size() && failures < 5; ++j) {
        double want = c.ref(d, t, kept[j]);
        double got = element(a, t * static_cast<std::int64_t>(kept.size()) + static_cast<std::int64_t>(j));
        if (got != want) {
          ++failures;
          ADD_FAILURE() << "row " << t << ", voxel " << kept[j] << ": " << got << ", expected " << want;
        }
      }
  }
}

float xf(const Data& d, std::int64_t t, std::int64_t v) { return d.x.data<float>()[t * d.V + v]; }
float yf(const Data& d, std::int64_t t, std::int64_t v) { return d.y.data<float>()[t * d.V + v]; }
std::int32_t ni(const Data& d, std::int64_t t, std::int64_t v) { return d.n.data<std::int32_t>()[t * d.V + v]; }

const Case kCases[] = {
    // Gathered rows, a delay (guarded rows, zero fill), float32 lanes.
    {"gathers and delay", "shift(compress(x * 2.0 - y, keep), by=1, along=time)", true, true,
     [](const Data& d, std::int64_t t, std::int64_t v) {
       return t == 0 ? 0.0 : static_cast<double>(xf(d, t - 1, v) * 2.0f - yf(d, t - 1, v));
     }},
    // Integer lanes (32-bit: 16 per vector).
    {"int32", "compress(n * 3 + 1, keep)", true, true,
     [](const Data& d, std::int64_t t, std::int64_t v) { return static_cast<double>(ni(d, t, v) * 3 + 1); }},
    // Per-run statistics compressed before the subtraction: kept-space
    // operands expanded into the lanes, read through a checked row index.
    {"kept-space operands", "compress(x - take(mean(x, over=time, by=run, into=runs), run, along=runs), keep)", true, true,
     nullptr},
    // The benchmark's chain: float64 statistics (8 lanes), float32 results.
    {"z-score by run", "shift(compress(fmri.zscore_runs(x, run), keep), by=1, along=time)", true, true, nullptr},
    // A bool result is marked, but bytes are not compressed in lanes (that
    // needs AVX512-VBMI2): the code generator gathers.
    {"bool result", "compress(x > y, keep)", true, false,
     [](const Data& d, std::int64_t t, std::int64_t v) { return xf(d, t, v) > yf(d, t, v) ? 1.0 : 0.0; }},
    // Integer division: lanes outside the mask would divide zeros and report
    // an error that the data does not have, so the loop gathers.
    {"integer division", "compress(n / 7, keep)", false, false,
     [](const Data& d, std::int64_t t, std::int64_t v) { return std::floor(ni(d, t, v) / 7.0); }},
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class CompressedLanes : public ::testing::TestWithParam<Case> {};

TEST_P(CompressedLanes, MatchGathersBitForBitAndTheReference) {
  check(GetParam(), 23, 3001);  // several vectors per row, a partial last one
  check(GetParam(), 5, 7);      // fewer voxels than one vector
}

INSTANTIATE_TEST_SUITE_P(Kernels, CompressedLanes, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           std::string s = i.param.name;
                           for (char& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

}  // namespace
