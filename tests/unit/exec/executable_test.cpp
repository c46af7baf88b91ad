// Compiled executables end to end: a pipeline (.npy in -> z-score per run ->
// voxel mask -> hemodynamic delays -> matmul -> .npy out) built with
// `b2mc -o`, run, and compared with an independent float64 C++ reference;
// the same through `b2mc run`; and bad input (missing file, wrong dtype, wrong
// shape, NaN, unknown option) giving a clear message, a non-zero exit and no
// output at all.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "b2m/io/npy.h"
#include "shell.h"

namespace fs = std::filesystem;

namespace {

const char* kPipeline = R"(import io, fmri
param scale: f32 = 1.0
source bold: f32[time, voxel] = io.npy("bold.npy")
source run: i64[time] = io.npy("run.npy")
source keep: bool[voxel] = io.npy("mask.npy")
source w1: f32[roi, emb] = io.npy("w1.npy")
source w2: f32[roi, emb] = io.npy("w2.npy")
source w3: f32[roi, emb] = io.npy("w3.npy")
let z = rename(compress(fmri.zscore_runs(bold, run), keep), voxel=roi)
let pred = (matmul(shift(z, by=1, along=time), w1, over=roi)
          + matmul(shift(z, by=2, along=time), w2, over=roi)
          + matmul(shift(z, by=3, along=time), w3, over=roi)) * scale
out "pred.npy" = pred
)";

constexpr std::size_t T = 60, V = 300, E = 7;

struct Case {
  fs::path dir;
  std::vector<float> bold, w[3];
  std::vector<std::int64_t> run;
  std::vector<std::uint8_t> mask;
  std::size_t kept = 0;

  Case() {
    dir = fs::temp_directory_path() / ("b2m_exec_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::mt19937_64 rng(7);
    std::normal_distribution<float> n(0, 1);
    bold.resize(T * V);
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t v = 0; v < V; ++v) bold[t * V + v] = 100.0f + 5.0f * static_cast<float>(v % 7) + n(rng);
    run.resize(T);
    for (std::size_t t = 0; t < T; ++t) run[t] = static_cast<std::int64_t>(t / 20);
    mask.resize(V);
    for (std::size_t v = 0; v < V; ++v) kept += (mask[v] = (v % 3 != 0));
    for (auto& wk : w) {
      wk.resize(kept * E);
      for (auto& x : wk) x = n(rng);
    }
    write_all();
  }
  ~Case() { fs::remove_all(dir); }

  void write_all() {
    b2m::io::write_npy((dir / "bold.npy").string(), bold.data(), {T, V});
    b2m::io::write_npy((dir / "run.npy").string(), run.data(), {T});
    b2m::io::write_npy((dir / "mask.npy").string(), b2m::io::DType::b1, mask.data(), std::vector<std::size_t>{V});
    for (int k = 0; k < 3; ++k)
      b2m::io::write_npy((dir / ("w" + std::to_string(k + 1) + ".npy")).string(), w[k].data(), {kept, E});
    std::ofstream((dir / "pipeline.b2m").string()) << kPipeline;
  }

  // The float64 reference.
  std::vector<double> reference(double scale) const {
    std::vector<double> z(T * V);
    for (std::size_t v = 0; v < V; ++v)
      for (std::int64_t r = 0; r < 3; ++r) {
        double sum = 0, sq = 0, n = 0;
        for (std::size_t t = 0; t < T; ++t)
          if (run[t] == r) {
            sum += bold[t * V + v];
            n += 1;
          }
        double mean = sum / n;
        for (std::size_t t = 0; t < T; ++t)
          if (run[t] == r) sq += (bold[t * V + v] - mean) * (bold[t * V + v] - mean);
        double sd = std::sqrt(sq / n);
        for (std::size_t t = 0; t < T; ++t)
          if (run[t] == r) z[t * V + v] = (bold[t * V + v] - mean) / sd;
      }
    std::vector<double> pred(T * E, 0.0);
    for (std::size_t t = 0; t < T; ++t)
      for (int k = 0; k < 3; ++k) {
        if (t < static_cast<std::size_t>(k + 1)) continue;  // shifted in from before the start: zero
        std::size_t s = t - (k + 1), j = 0;
        for (std::size_t v = 0; v < V; ++v) {
          if (!mask[v]) continue;
          for (std::size_t e = 0; e < E; ++e) pred[t * E + e] += z[s * V + v] * w[k][j * E + e];
          ++j;
        }
      }
    for (auto& p : pred) p *= scale;
    return pred;
  }

  int sh(const std::string& cmd, std::string* output = nullptr) const { return b2m::testing::run_in(dir, cmd, output); }
};

const std::string kB2mc = std::string(B2M_BINARY_DIR) + "/bin/b2mc";
const std::string kStdlib = std::string(" --stdlib-dir ") + B2M_SOURCE_DIR + "/stdlib";

void expect_matches(const fs::path& file, const std::vector<double>& want) {
  auto got = b2m::io::read_npy(file.string());
  ASSERT_EQ(got.size(), want.size());
  auto v = got.as_f64();
  // float32 arithmetic on data with a large mean: errors are relative to the
  // output's scale (single entries can be near zero after cancellation).
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::fabs(v[i] - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  EXPECT_LT(worst, 1e-5 * scale) << file << ": largest error " << worst << " at output scale " << scale;
}

TEST(Executable, MatchesFloat64Reference) {
  Case c;
  std::string out;
  ASSERT_EQ(c.sh(kB2mc + " pipeline.b2m" + kStdlib + " -o pipeline", &out), 0) << out;
  ASSERT_EQ(c.sh("./pipeline --out results --scale 2.5 --threads 2", &out), 0) << out;
  expect_matches(c.dir / "results" / "pred.npy", c.reference(2.5));
  // --threads 1 gives the same bits.
  ASSERT_EQ(c.sh("./pipeline --out results1 --scale 2.5 --threads 1", &out), 0) << out;
  auto a = b2m::io::read_npy((c.dir / "results" / "pred.npy").string()).as_f32();
  auto b = b2m::io::read_npy((c.dir / "results1" / "pred.npy").string()).as_f32();
  EXPECT_EQ(a, b);
  // --help lists the params, sources and outputs.
  ASSERT_EQ(c.sh("./pipeline --help", &out), 0);
  EXPECT_NE(out.find("--scale f32   (default: 1.0)"), std::string::npos) << out;
  EXPECT_NE(out.find("bold = io.npy(...) : f32[time=?time, voxel=?voxel]"), std::string::npos) << out;
  EXPECT_NE(out.find("pred.npy : f32[time=?time, emb=?emb]"), std::string::npos) << out;
}

TEST(Executable, JitRunGivesTheSameResult) {
  Case c;
  std::string out;
  ASSERT_EQ(c.sh(kB2mc + " run pipeline.b2m" + kStdlib + " -- --out jit --scale 2.5", &out), 0) << out;
  expect_matches(c.dir / "jit" / "pred.npy", c.reference(2.5));
}

// The gathering code for the fused compress (--no-compressed-lanes; without
// AVX-512 it is the only code) gives the same bytes as compressed lanes, in
// executables and under `b2mc run` alike.
TEST(Executable, NoCompressedLanesGivesTheSameBytes) {
  Case c;
  std::string out;
  ASSERT_EQ(c.sh(kB2mc + " pipeline.b2m" + kStdlib + " -o lanes", &out), 0) << out;
  ASSERT_EQ(c.sh(kB2mc + " pipeline.b2m" + kStdlib + " --no-compressed-lanes -o gathers", &out), 0) << out;
  ASSERT_EQ(c.sh("./lanes --out a && ./gathers --out b", &out), 0) << out;
  ASSERT_EQ(c.sh(kB2mc + " run pipeline.b2m" + kStdlib + " --no-compressed-lanes -- --out c", &out), 0) << out;
  auto a = b2m::io::read_npy((c.dir / "a" / "pred.npy").string()).as_f32();
  EXPECT_EQ(a, b2m::io::read_npy((c.dir / "b" / "pred.npy").string()).as_f32());
  EXPECT_EQ(a, b2m::io::read_npy((c.dir / "c" / "pred.npy").string()).as_f32());
  expect_matches(c.dir / "b" / "pred.npy", c.reference(1.0));
}

// An executable names the pipeline line of a run-time error from the source
// text it carries: the .b2m file may be gone, or the executable run from
// another directory.
TEST(Executable, NamesThePipelineLineWithoutItsSourceFile) {
  Case c;
  std::string out;
  ASSERT_EQ(c.sh(kB2mc + " pipeline.b2m" + kStdlib + " -o pipeline", &out), 0) << out;
  fs::remove(c.dir / "pipeline.b2m");
  fs::create_directories(c.dir / "elsewhere");
  fs::rename(c.dir / "bold.npy", c.dir / "elsewhere" / "bold.npy");
  EXPECT_EQ(c.sh("./pipeline --out results", &out), 1) << out;
  EXPECT_NE(out.find("pipeline.b2m:3:33 (io.npy): cannot open 'bold.npy'"), std::string::npos) << out;
  // From another directory, the run reads its inputs there (relative paths
  // are the user's working directory's, not the executable's).
  EXPECT_EQ(c.sh("cd elsewhere && ../pipeline --out results", &out), 1) << out;
  EXPECT_NE(out.find("pipeline.b2m:4:25 (io.npy): cannot open 'run.npy'"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(c.dir / "results"));
  EXPECT_FALSE(fs::exists(c.dir / "elsewhere" / "results"));
}

struct BadInput {
  const char* name;
  std::function<void(Case&)> spoil;
  const char* args;
  int exit_code;
  const char* message;
};

class ExecutableRejects : public ::testing::TestWithParam<BadInput> {};

TEST_P(ExecutableRejects, WithAClearMessageAndNoOutput) {
  const BadInput& p = GetParam();
  Case c;
  std::string out;
  ASSERT_EQ(c.sh(kB2mc + " pipeline.b2m" + kStdlib + " -o pipeline", &out), 0) << out;
  p.spoil(c);
  int rc = c.sh(std::string("./pipeline --out results ") + p.args, &out);
  EXPECT_EQ(rc, p.exit_code) << out;
  EXPECT_NE(out.find(p.message), std::string::npos) << "message was: " << out;
  EXPECT_FALSE(fs::exists(c.dir / "results" / "pred.npy")) << "a failed run left an output";
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, ExecutableRejects,
    ::testing::Values(
        BadInput{"missing_file", [](Case& c) { fs::remove(c.dir / "bold.npy"); }, "", 1,
                 "pipeline.b2m:3:33 (io.npy): cannot open 'bold.npy'"},
        BadInput{"wrong_dtype",
                 [](Case& c) {
                   std::vector<double> d(c.bold.begin(), c.bold.end());
                   b2m::io::write_npy((c.dir / "bold.npy").string(), d.data(), {T, V});
                 },
                 "", 1,
                 "pipeline.b2m:3:33 (io.npy): 'bold.npy' holds float64 values; the pipeline declares "
                 "f32[time=?time, voxel=?voxel]"},
        BadInput{"wrong_rank",
                 [](Case& c) { b2m::io::write_npy((c.dir / "bold.npy").string(), c.bold.data(), {T, V / 2, 2}); },
                 "", 1, "pipeline.b2m:3:33 (io.npy): 'bold.npy' has 3 dimension(s)"},
        BadInput{"mismatched_sizes",
                 [](Case& c) { b2m::io::write_npy((c.dir / "run.npy").string(), c.run.data(), {T - 1}); }, "", 1,
                 "pipeline.b2m:4:25 (io.npy): size mismatch in dimension 'time': 60 at pipeline.b2m:3:33 (io.npy), but 59 at "
                 "pipeline.b2m:4:25 (io.npy)"},
        BadInput{"mask_of_another_size",
                 [](Case& c) {
                   b2m::io::write_npy((c.dir / "mask.npy").string(), b2m::io::DType::b1, c.mask.data(),
                                      std::vector<std::size_t>{V - 10});
                 },
                 "", 1, "size mismatch in dimension 'voxel'"},
        BadInput{"nan",
                 [](Case& c) {
                   c.bold[5 * V + 17] = std::nanf("");
                   c.write_all();
                 },
                 "", 1, "pipeline.b2m:3:33 (io.npy): 'bold.npy' contains a NaN or infinite value at [5, 17]"},
        BadInput{"unknown_option", [](Case&) {}, "--scael 2", 2, "unknown option --scael; did you mean --scale?"},
        BadInput{"bad_param_value", [](Case&) {}, "--scale fast", 1, "--scale: expected a number, got 'fast'"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

}  // namespace
