// A fused kernel may create a dimension that none of its inputs has: a
// broadcast of a per-column mean back to [row, col] that two consumers share
// is materialized once, and its `row` size must come from the size symbol it
// shares with the rest of the graph (this once failed with "the size of
// dimension 'row' of kernel @fused.N is not known").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "b2m/io/npy.h"
#include "shell.h"

namespace fs = std::filesystem;

namespace {

// broadcast(m) to [row, col] feeds two kernels (x - m, and the grouped mean
// of detrend(x) + m): it is computed once, by a kernel whose only input is m.
const char* kPipeline = R"(import io, fmri
source x: f32[row, col] = io.npy("x.npy")
source run: i64[row] = io.npy("run.npy")
let m = mean(x, over=row)
out "centered.npy" = fmri.detrend(x - m, run, order=0)
out "grouped.npy" = mean(fmri.detrend(x, run, order=0) + m, over=row, by=run, into=g)
)";

TEST(CreatedDimension, SharedBroadcastTakesItsSizeFromTheGraph) {
  fs::path dir = fs::temp_directory_path() / ("b2m_created_dim_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::size_t R = 37, C = 5;
  std::vector<float> x(R * C);
  std::mt19937 rng(2);
  std::normal_distribution<float> n(3, 1);
  for (float& v : x) v = n(rng);
  b2m::io::write_npy((dir / "x.npy").string(), x.data(), {R, C});
  std::vector<std::int64_t> run(R);
  for (std::size_t r = 0; r < R; ++r) run[r] = r < R / 2 ? 0 : 1;
  b2m::io::write_npy((dir / "run.npy").string(), run.data(), {R});
  std::ofstream((dir / "p.b2m").string()) << kPipeline;
  std::string out;
  ASSERT_EQ(b2m::testing::run_in(dir,
                                 std::string("'") + B2M_BINARY_DIR + "/bin/b2mc' run p.b2m --stdlib-dir '" +
                                     B2M_SOURCE_DIR + "/stdlib' -- --out res",
                                 &out),
            0)
      << out;
  // detrend(order=0) removes each run's mean: centered = x - per-run mean,
  // and the grouped mean of (x - run mean + m) is m.
  auto centered = b2m::io::read_npy((dir / "res" / "centered.npy").string()).as_f64();
  auto grouped = b2m::io::read_npy((dir / "res" / "grouped.npy").string()).as_f64();
  ASSERT_EQ(grouped.size(), 2 * C);
  for (std::size_t c = 0; c < C; ++c) {
    double mean = 0, run_mean[2] = {0, 0};
    for (std::size_t r = 0; r < R; ++r) {
      mean += x[r * C + c];
      run_mean[r < R / 2 ? 0 : 1] += x[r * C + c];
    }
    mean /= R;
    run_mean[0] /= R / 2;
    run_mean[1] /= R - R / 2;
    for (std::size_t r = 0; r < R; ++r) EXPECT_NEAR(centered[r * C + c], x[r * C + c] - run_mean[r < R / 2 ? 0 : 1], 1e-4);
    for (std::size_t g = 0; g < 2; ++g) EXPECT_NEAR(grouped[g * C + c], mean, 1e-4);
  }
  fs::remove_all(dir);
}

}  // namespace
