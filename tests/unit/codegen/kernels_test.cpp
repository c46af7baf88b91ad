// Compiled kernels against float64 references on random inputs: every
// elementwise function and operator, every reduction (plain and grouped),
// gathers and shifts, with odd sizes so vector remainders and several
// parallel chunks are exercised. Kernels are JIT-compiled through the same
// path as `b2mc --emit=llvm` (loops -> LLVM IR -> O3 -> host code).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "b2m/codegen/cpu.h"
#include "b2m/codegen/launch.h"
#include "b2m/driver/frontend.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"
#include "jit_pipeline.h"

namespace b2m::cpu {
namespace {

constexpr std::int64_t kTime = 37, kVoxel = 3001;

// The pipeline `body` over the sources every case uses.
struct Compiled {
  std::unique_ptr<b2m::testing::JitPipeline> p;
  const std::vector<loops::Kernel>& kernels = p->r.kernels;
  const std::unique_ptr<JitKernels>& jit = p->jit;
};

Compiled compile(const std::string& body) {
  std::string text =
      "import io\n"
      "source x: f32[time, voxel] = io.npy(\"x.npy\")\n"
      "source y: f32[time, voxel] = io.npy(\"y.npy\")\n"
      "source w: f32[voxel] = io.npy(\"w.npy\")\n"
      "source run: i64[time] = io.npy(\"run.npy\")\n" +
      body;
  Compiled c{b2m::testing::jit_pipeline("k.b2m", text)};
  EXPECT_TRUE(c.p->ok()) << c.p->errors;
  return c;
}

HostTensor random_tensor(std::vector<std::int64_t> dims, std::uint64_t seed, double lo = -2, double hi = 2) {
  HostTensor t = HostTensor::zeros(DType::F32, std::move(dims));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = static_cast<float>(u(rng));
  return t;
}

struct Inputs {
  HostTensor x = random_tensor({kTime, kVoxel}, 1);
  HostTensor y = random_tensor({kTime, kVoxel}, 2);
  HostTensor w = random_tensor({kVoxel}, 3);
  HostTensor run = [] {
    HostTensor r = HostTensor::zeros(DType::I64, {kTime});
    for (std::int64_t t = 0; t < kTime; ++t) r.data<std::int64_t>()[t] = t * 3 / kTime;  // runs 0, 1, 2
    return r;
  }();
  const HostTensor* by_name(const std::string& n) const {
    if (n == "x") return &x;
    if (n == "y") return &y;
    if (n == "w") return &w;
    if (n == "run") return &run;
    return nullptr;
  }
};

HostTensor run_single(const Compiled& c, const Inputs& in, std::map<std::string, std::int64_t> extra = {}) {
  EXPECT_EQ(c.kernels.size(), 1u) << "expected one fused kernel";
  const loops::Kernel& k = c.kernels.at(0);
  std::vector<const HostTensor*> args;
  for (const auto& b : k.inputs) {
    const HostTensor* t = in.by_name(b.name);
    EXPECT_TRUE(t) << "unexpected kernel input " << b.name;
    args.push_back(t);
  }
  return launch(k, c.jit->lookup(k.name), args, extra);
}

double as_double(const HostTensor& t, std::int64_t i) {
  switch (t.dtype) {
    case DType::F32: return t.data<float>()[i];
    case DType::F64: return t.data<double>()[i];
    case DType::I32: return t.data<std::int32_t>()[i];
    case DType::I64: return static_cast<double>(t.data<std::int64_t>()[i]);
    case DType::Bool: return t.data<std::uint8_t>()[i];
    default: return 0;
  }
}

void expect_close(const HostTensor& got, const std::vector<double>& want, double rtol, double atol,
                  const std::string& what) {
  ASSERT_EQ(got.size(), static_cast<std::int64_t>(want.size())) << what;
  int failures = 0;
  for (std::size_t i = 0; i < want.size() && failures < 5; ++i) {
    double g = as_double(got, static_cast<std::int64_t>(i));
    double w = want[i];
    bool ok = (std::isnan(w) && std::isnan(g)) || std::fabs(g - w) <= atol + rtol * std::fabs(w);
    if (!ok) {
      ++failures;
      ADD_FAILURE() << what << ": element " << i << " is " << g << ", expected " << w;
    }
  }
}

struct ElementwiseCase {
  const char* name;
  const char* expr;
  std::function<double(double, double, double)> ref;  // (x, y, w)
  double rtol;
};

class Elementwise : public ::testing::TestWithParam<ElementwiseCase> {};

TEST_P(Elementwise, MatchesFloat64Reference) {
  const auto& c = GetParam();
  Compiled k = compile(std::string("out \"r.npy\" = ") + c.expr + "\n");
  ASSERT_TRUE(k.jit);
  Inputs in;
  HostTensor got = run_single(k, in);
  std::vector<double> want(static_cast<std::size_t>(kTime * kVoxel));
  for (std::int64_t t = 0; t < kTime; ++t)
    for (std::int64_t v = 0; v < kVoxel; ++v) {
      std::int64_t i = t * kVoxel + v;
      want[i] = c.ref(in.x.data<float>()[i], in.y.data<float>()[i], in.w.data<float>()[v]);
    }
  expect_close(got, want, c.rtol, 1e-6, c.name);
}

double floor_mod(double a, double b) {
  double r = std::fmod(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

// Inputs are f32, so an f32 result can differ from the float64 reference by
// its own rounding (6e-8 relative) or, for libm/libmvec functions, by a few
// ulps (documented tolerance: 4e-6 relative).
const double kExact = 2e-7, kLibm = 4e-6;

INSTANTIATE_TEST_SUITE_P(
    AllFunctions, Elementwise,
    ::testing::Values(
        ElementwiseCase{"neg", "-x", [](double x, double, double) { return -x; }, kExact},
        ElementwiseCase{"abs", "abs(x)", [](double x, double, double) { return std::fabs(x); }, kExact},
        ElementwiseCase{"sign", "sign(x)", [](double x, double, double) { return (x > 0) - (x < 0); }, kExact},
        ElementwiseCase{"exp", "exp(x)", [](double x, double, double) { return std::exp(x); }, kLibm},
        ElementwiseCase{"log", "log(abs(x) + 0.5)", [](double x, double, double) { return std::log(std::fabs(x) + 0.5); }, kLibm},
        ElementwiseCase{"sqrt", "sqrt(abs(x))", [](double x, double, double) { return std::sqrt(std::fabs(x)); }, kExact},
        ElementwiseCase{"sin", "sin(x)", [](double x, double, double) { return std::sin(x); }, kLibm},
        ElementwiseCase{"cos", "cos(x)", [](double x, double, double) { return std::cos(x); }, kLibm},
        ElementwiseCase{"tanh", "tanh(x)", [](double x, double, double) { return std::tanh(x); }, kLibm},
        ElementwiseCase{"floor", "floor(x * 3.0)", [](double x, double, double) { return std::floor(static_cast<float>(x * 3.0f)); }, kExact},
        ElementwiseCase{"ceil", "ceil(x * 3.0)", [](double x, double, double) { return std::ceil(static_cast<float>(x * 3.0f)); }, kExact},
        ElementwiseCase{"round_half_even", "round(x * 3.0)", [](double x, double, double) { return std::nearbyint(static_cast<float>(x * 3.0f)); }, kExact},
        ElementwiseCase{"add", "x + y", [](double x, double y, double) { return x + y; }, kExact},
        ElementwiseCase{"sub", "x - y", [](double x, double y, double) { return x - y; }, kExact},
        ElementwiseCase{"mul", "x * y", [](double x, double y, double) { return x * y; }, kExact},
        ElementwiseCase{"div", "x / (abs(y) + 0.5)", [](double x, double y, double) { return x / static_cast<float>(std::fabs(y) + 0.5f); }, kExact},
        ElementwiseCase{"mod_floor", "x % (y + 3.0)", [](double x, double y, double) { return floor_mod(x, static_cast<float>(y + 3.0f)); }, kExact},
        ElementwiseCase{"pow", "(abs(x) + 0.1) ** y", [](double x, double y, double) { return std::pow(static_cast<float>(std::fabs(x) + 0.1f), y); }, kLibm},
        ElementwiseCase{"min", "min(x, y)", [](double x, double y, double) { return std::fmin(x, y); }, kExact},
        ElementwiseCase{"max", "max(x, y)", [](double x, double y, double) { return std::fmax(x, y); }, kExact},
        ElementwiseCase{"broadcast_by_name", "x * w + w", [](double x, double, double w) { return static_cast<float>(x * w) + w; }, kExact},
        ElementwiseCase{"where", "where(x > y, x, y * 2.0)", [](double x, double y, double) { return x > y ? x : 2 * y; }, kExact},
        ElementwiseCase{"lt", "x < y", [](double x, double y, double) { return x < y; }, 0},
        ElementwiseCase{"le", "x <= w", [](double x, double, double w) { return x <= w; }, 0},
        ElementwiseCase{"gt", "x > y", [](double x, double y, double) { return x > y; }, 0},
        ElementwiseCase{"ge", "x >= 0.5", [](double x, double, double) { return x >= 0.5; }, 0},
        ElementwiseCase{"eq", "floor(x) == floor(y)", [](double x, double y, double) { return std::floor(x) == std::floor(y); }, 0},
        ElementwiseCase{"ne", "floor(x) != floor(y)", [](double x, double y, double) { return std::floor(x) != std::floor(y); }, 0},
        ElementwiseCase{"and_or_not", "(x > 0.0 and y > 0.0) or not (x > -1.0)",
                        [](double x, double y, double) { return (x > 0 && y > 0) || !(x > -1); }, 0},
        ElementwiseCase{"isnan", "isnan(log(x))", [](double x, double, double) { return std::isnan(std::log(x)) || x < 0; }, 0},
        ElementwiseCase{"cast_f64", "cast(x, f64) * 3.0", [](double x, double, double) { return x * 3.0; }, 1e-15},
        ElementwiseCase{"cast_i64_truncates", "cast(x * 10.0, i64)", [](double x, double, double) { return std::trunc(static_cast<float>(x * 10.0f)); }, 0}),
    [](const ::testing::TestParamInfo<ElementwiseCase>& info) { return std::string(info.param.name); });

struct ReductionCase {
  const char* name;
  const char* expr;
  bool over_time;  // else over voxel
  // (values along the reduced dimension) -> result
  std::function<double(const std::vector<double>&)> ref;
};

class Reductions : public ::testing::TestWithParam<ReductionCase> {};

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double var_of(const std::vector<double>& v) {
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

TEST_P(Reductions, MatchesFloat64ReferenceAtAnyThreadCount) {
  const auto& c = GetParam();
  Compiled k = compile(std::string("out \"r.npy\" = ") + c.expr + "\n");
  ASSERT_TRUE(k.jit);
  Inputs in;
  ThreadPool::set_num_threads(1);
  HostTensor one = run_single(k, in);
  ThreadPool::set_num_threads(2);
  HostTensor two = run_single(k, in);
  EXPECT_EQ(one.bytes, two.bytes) << "results differ between 1 and 2 threads";
  std::int64_t outer = c.over_time ? kVoxel : kTime, inner = c.over_time ? kTime : kVoxel;
  std::vector<double> want(static_cast<std::size_t>(outer));
  for (std::int64_t o = 0; o < outer; ++o) {
    std::vector<double> vals;
    for (std::int64_t r = 0; r < inner; ++r)
      vals.push_back(in.x.data<float>()[c.over_time ? r * kVoxel + o : o * kVoxel + r]);
    want[o] = c.ref(vals);
  }
  expect_close(two, want, 1e-6, 1e-6, c.name);
}

auto argbest(bool max) {
  return [max](const std::vector<double>& v) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < v.size(); ++i)
      if (max ? v[i] > v[best] : v[i] < v[best]) best = i;
    return static_cast<double>(best);
  };
}

INSTANTIATE_TEST_SUITE_P(
    AllReductions, Reductions,
    ::testing::Values(
        ReductionCase{"sum_time", "sum(x, over=time)", true, [](const auto& v) { return mean_of(v) * v.size(); }},
        ReductionCase{"sum_voxel", "sum(x, over=voxel)", false, [](const auto& v) { return mean_of(v) * v.size(); }},
        ReductionCase{"mean_time", "mean(x, over=time)", true, mean_of},
        ReductionCase{"mean_voxel", "mean(x, over=voxel)", false, mean_of},
        ReductionCase{"var_time", "var(x, over=time)", true, var_of},
        ReductionCase{"std_voxel", "std(x, over=voxel)", false, [](const auto& v) { return std::sqrt(var_of(v)); }},
        ReductionCase{"max_time", "max(x, over=time)", true, [](const auto& v) { return *std::max_element(v.begin(), v.end()); }},
        ReductionCase{"min_voxel", "min(x, over=voxel)", false, [](const auto& v) { return *std::min_element(v.begin(), v.end()); }},
        ReductionCase{"argmax_time", "argmax(x, over=time)", true, argbest(true)},
        ReductionCase{"argmin_voxel", "argmin(x, over=voxel)", false, argbest(false)},
        ReductionCase{"epilogue", "sqrt(sum(x * x, over=time))", true,
                      [](const auto& v) { double s = 0; for (double x : v) s += static_cast<float>(x * x); return std::sqrt(s); }}),
    [](const ::testing::TestParamInfo<ReductionCase>& info) { return std::string(info.param.name); });

TEST(GroupedReductions, MeanAndSumByRun) {
  Inputs in;
  for (const char* op : {"mean", "sum"}) {
    Compiled k = compile(std::string("out \"r.npy\" = ") + op + "(x, over=time, by=run, into=runs)\n");
    ASSERT_TRUE(k.jit);
    HostTensor got = run_single(k, in, {{"runs", 3}});
    std::vector<double> want(3 * kVoxel, 0.0), count(3, 0.0);
    for (std::int64_t t = 0; t < kTime; ++t) {
      std::int64_t g = in.run.data<std::int64_t>()[t];
      count[g] += 1;
      for (std::int64_t v = 0; v < kVoxel; ++v) want[g * kVoxel + v] += in.x.data<float>()[t * kVoxel + v];
    }
    if (std::string(op) == "mean")
      for (std::int64_t g = 0; g < 3; ++g)
        for (std::int64_t v = 0; v < kVoxel; ++v) want[g * kVoxel + v] /= count[g];
    expect_close(got, want, 1e-6, 1e-6, op);
  }
}

// Wide enough for several parallel chunks, each counting the rows of a group
// into its own first column: the same bits at 1 and 2 threads.
TEST(GroupedReductions, MeanByRunOverSeveralChunks) {
  Compiled k = compile("out \"r.npy\" = mean(x, over=time, by=run, into=runs)\n");
  ASSERT_TRUE(k.jit);
  const std::int64_t wide = 50001;
  HostTensor x = random_tensor({kTime, wide}, 7);
  Inputs in;
  std::vector<double> want(3 * wide, 0.0), count(3, 0.0);
  for (std::int64_t t = 0; t < kTime; ++t) {
    std::int64_t g = in.run.data<std::int64_t>()[t];
    count[g] += 1;
    for (std::int64_t v = 0; v < wide; ++v) want[g * wide + v] += x.data<float>()[t * wide + v];
  }
  for (std::int64_t g = 0; g < 3; ++g)
    for (std::int64_t v = 0; v < wide; ++v) want[g * wide + v] /= count[g];
  std::vector<HostTensor> got;
  for (std::size_t threads : {1, 2}) {
    ThreadPool::set_num_threads(threads);
    got.push_back(launch(k.kernels[0], k.jit->lookup(k.kernels[0].name), {&x, &in.run}, {{"runs", 3}}));
    expect_close(got.back(), want, 1e-6, 1e-6, "mean by run, " + std::to_string(threads) + " threads");
  }
  EXPECT_EQ(got[0].bytes, got[1].bytes);
}

// Reductions run in chunks of a few hundred voxels and prefetch the rows a
// few scans ahead: fewer rows than that distance, a chunk remainder (1029 =
// 2 x 512 + 5) and several chunks give the float64 reference's values and the
// same bits at 1 and 2 threads.
TEST(GroupedReductions, FewRowsAndChunkRemaindersWithPrefetching) {
  Compiled k = compile("out \"r.npy\" = sum(x, over=time)\n");
  ASSERT_TRUE(k.jit);
  for (std::int64_t rows : {1, 5, 9, 37}) {
    const std::int64_t wide = 1029;
    HostTensor x = random_tensor({rows, wide}, 11 + static_cast<std::uint64_t>(rows));
    std::vector<double> want(wide, 0.0);
    for (std::int64_t t = 0; t < rows; ++t)
      for (std::int64_t v = 0; v < wide; ++v) want[v] += x.data<float>()[t * wide + v];
    std::vector<HostTensor> got;
    for (std::size_t threads : {1, 2}) {
      ThreadPool::set_num_threads(threads);
      got.push_back(launch(k.kernels[0], k.jit->lookup(k.kernels[0].name), {&x}));
      expect_close(got.back(), want, 1e-6, 1e-6, std::to_string(rows) + " rows, " + std::to_string(threads) + " threads");
    }
    EXPECT_EQ(got[0].bytes, got[1].bytes) << rows << " rows";
  }
}

// Sibling reductions: the means of x and of x*x by run in one kernel with
// two outputs, each equal (bit for bit) to the kernel that computes it alone.
TEST(GroupedReductions, SiblingMeansShareOneKernel) {
  Inputs in;
  Compiled both = compile("out \"m.npy\" = mean(x, over=time, by=run, into=runs)\n"
                          "out \"m2.npy\" = mean(x * x, over=time, by=run, into=runs)\n");
  Compiled alone = compile("out \"m2.npy\" = mean(x * x, over=time, by=run, into=runs)\n");
  Compiled first = compile("out \"m.npy\" = mean(x, over=time, by=run, into=runs)\n");
  ASSERT_TRUE(both.jit && alone.jit && first.jit);
  ASSERT_EQ(both.kernels.size(), 1u);
  ASSERT_EQ(both.kernels[0].more_outputs.size(), 1u);
  for (std::size_t threads : {1, 2}) {
    ThreadPool::set_num_threads(threads);
    auto outs = launch_all(both.kernels[0], both.jit->lookup(both.kernels[0].name), {&in.x, &in.run}, {{"runs", 3}});
    ASSERT_EQ(outs.size(), 2u);
    EXPECT_EQ(outs[0].bytes, run_single(first, in, {{"runs", 3}}).bytes);
    EXPECT_EQ(outs[1].bytes, run_single(alone, in, {{"runs", 3}}).bytes);
  }
}

TEST(Gathers, TakeBringsPerRunMeansBackToScans) {
  Inputs in;
  Compiled k = compile("out \"r.npy\" = x - take(mean(x, over=time, by=run, into=runs), run, along=runs)\n");
  ASSERT_EQ(k.kernels.size(), 2u);
  HostTensor means = launch(k.kernels[0], k.jit->lookup(k.kernels[0].name), {&in.x, &in.run}, {{"runs", 3}});
  std::vector<const HostTensor*> args;
  for (const auto& b : k.kernels[1].inputs) args.push_back(b.name == "run" ? &in.run : b.name == "x" ? &in.x : &means);
  HostTensor got = launch(k.kernels[1], k.jit->lookup(k.kernels[1].name), args);
  std::vector<double> want(kTime * kVoxel);
  for (std::int64_t t = 0; t < kTime; ++t)
    for (std::int64_t v = 0; v < kVoxel; ++v) {
      std::int64_t g = in.run.data<std::int64_t>()[t];
      want[t * kVoxel + v] = in.x.data<float>()[t * kVoxel + v] - means.data<float>()[g * kVoxel + v];
    }
  expect_close(got, want, kExact, 1e-7, "x - take(means)");
}

TEST(Gathers, ShiftIsZeroFilled) {
  Inputs in;
  for (int by : {2, -3}) {
    Compiled k = compile("out \"r.npy\" = shift(x, by=" + std::to_string(by) + ", along=time)\n");
    ASSERT_TRUE(k.jit);
    HostTensor got = run_single(k, in);
    std::vector<double> want(kTime * kVoxel);
    for (std::int64_t t = 0; t < kTime; ++t)
      for (std::int64_t v = 0; v < kVoxel; ++v) {
        std::int64_t s = t - by;
        want[t * kVoxel + v] = (s >= 0 && s < kTime) ? in.x.data<float>()[s * kVoxel + v] : 0.0;
      }
    expect_close(got, want, 0, 0, "shift " + std::to_string(by));
  }
}

// A compress fused with its elementwise producer and a shift: one kernel that
// gathers through the mask's index list. Bit-exact (the same float32 ops), at
// 1 and 2 threads, for a sparse, an empty and a full mask.
TEST(Gathers, CompressFusedWithProducerAndShift) {
  Inputs in;
  Compiled k = compile("source keep: bool[voxel] = io.npy(\"keep.npy\")\n"
                       "out \"r.npy\" = shift(compress(x * 2.0 - y, keep), by=1, along=time)\n");
  ASSERT_TRUE(k.jit);
  ASSERT_EQ(k.kernels.size(), 1u);
  ASSERT_EQ(k.kernels[0].index_lists.size(), 1u);
  for (int pattern : {0, 1, 2}) {
    HostTensor keep = HostTensor::zeros(DType::Bool, {kVoxel});
    std::vector<std::int64_t> kept;
    for (std::int64_t v = 0; v < kVoxel; ++v) {
      bool on = pattern == 0 ? (v % 3 != 0 && v % 7 != 2) : pattern == 2;
      keep.data<std::uint8_t>()[v] = on;
      if (on) kept.push_back(v);
    }
    std::vector<const HostTensor*> args;
    for (const auto& b : k.kernels[0].inputs) args.push_back(b.name == "keep" ? &keep : in.by_name(b.name));
    std::vector<double> want(kTime * kept.size());
    for (std::int64_t t = 1; t < kTime; ++t)
      for (std::size_t j = 0; j < kept.size(); ++j) {
        std::int64_t e = (t - 1) * kVoxel + kept[j];
        want[t * kept.size() + j] = in.x.data<float>()[e] * 2.0f - in.y.data<float>()[e];
      }
    std::vector<HostTensor> got;
    for (std::size_t threads : {1, 2}) {
      ThreadPool::set_num_threads(threads);
      got.push_back(launch(k.kernels[0], k.jit->lookup(k.kernels[0].name), args));
      ASSERT_EQ(got.back().dims, (std::vector<std::int64_t>{kTime, static_cast<std::int64_t>(kept.size())}));
      expect_close(got.back(), want, 0, 0, "pattern " + std::to_string(pattern));
    }
    EXPECT_EQ(got[0].bytes, got[1].bytes);
  }
}

TEST(Gathers, OutOfRangeIndexIsAnErrorNotAWildRead) {
  Inputs in;
  Compiled k = compile("out \"r.npy\" = take(mean(x, over=time, by=run, into=runs), run, along=runs)\n");
  ASSERT_EQ(k.kernels.size(), 2u);
  const loops::Kernel& gather = k.kernels[1];
  HostTensor small = HostTensor::zeros(DType::F32, {2, kVoxel});  // 2 runs, but ids go up to 2
  std::vector<const HostTensor*> args;
  for (const auto& b : gather.inputs) args.push_back(b.name == "run" ? &in.run : &small);
  EXPECT_THROW(launch(gather, k.jit->lookup(gather.name), args), b2m::Error);
}

TEST(Gathers, IntegerDivisionByZeroIsAnError) {
  Inputs in;
  Compiled k = compile("out \"r.npy\" = run / (run - run)\n");
  ASSERT_TRUE(k.jit);
  EXPECT_THROW(run_single(k, in), b2m::Error);
}

}  // namespace
}  // namespace b2m::cpu
