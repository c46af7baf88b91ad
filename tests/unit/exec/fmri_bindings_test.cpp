// fmri.detrend and fmri.median_highpass from a pipeline equal the runtime
// library called directly, and interleaved run labels are an error.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "b2m/fmri/preprocess.h"
#include "b2m/io/npy.h"
#include "shell.h"

namespace fs = std::filesystem;

namespace {

const char* kPipeline = R"(import io, fmri
source x: f32[time, voxel] = io.npy("x.npy")
source run: i64[time] = io.npy("run.npy")
out "detrended.npy" = fmri.detrend(x, run, order=2)
out "highpassed.npy" = fmri.median_highpass(x, run, 1.5, window=30.0)
out "cosine.npy" = fmri.cosine_highpass(x, run, 1.5, cutoff=20.0)
)";

TEST(FmriBindings, PreprocessingMatchesTheLibrary) {
  fs::path dir = fs::temp_directory_path() / ("b2m_fmri_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::size_t T = 90, V = 33;
  std::mt19937 rng(4);
  std::normal_distribution<float> n(0, 1);
  b2m::RowMatrixF x(T, V);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = 50 + n(rng) + 0.05f * static_cast<float>(i / V);
  std::vector<std::int64_t> run(T);
  for (std::size_t t = 0; t < T; ++t) run[t] = static_cast<std::int64_t>(t / 30);
  b2m::io::write_npy((dir / "x.npy").string(), x.data(), {T, V});
  b2m::io::write_npy((dir / "run.npy").string(), run.data(), {T});
  std::ofstream((dir / "p.b2m").string()) << kPipeline;
  std::string cmd = std::string("'") + B2M_BINARY_DIR + "/bin/b2mc' run p.b2m --stdlib-dir '" + B2M_SOURCE_DIR +
                    "/stdlib' -- --out res";
  std::string out;
  ASSERT_EQ(b2m::testing::run_in(dir, cmd, &out), 0) << out;
  std::vector<Eigen::Index> lengths = {30, 30, 30};
  b2m::RowMatrixF d = x, h = x;
  b2m::fmri::detrend_polynomial(d, lengths, 2);
  b2m::fmri::highpass_median(h, lengths, 1.5, 30.0);
  b2m::RowMatrixF c = x;
  b2m::fmri::highpass_cosine(c, lengths, 1.5, 20.0);
  auto got_c = b2m::io::read_npy((dir / "res" / "cosine.npy").string()).as_f32();
  for (Eigen::Index i = 0; i < c.size(); ++i) EXPECT_EQ(got_c[i], c.data()[i]);
  auto got_d = b2m::io::read_npy((dir / "res" / "detrended.npy").string()).as_f32();
  auto got_h = b2m::io::read_npy((dir / "res" / "highpassed.npy").string()).as_f32();
  for (Eigen::Index i = 0; i < d.size(); ++i) {
    EXPECT_EQ(got_d[i], d.data()[i]);
    EXPECT_EQ(got_h[i], h.data()[i]);
  }
  // Runs must be contiguous.
  std::swap(run[0], run[T - 1]);
  b2m::io::write_npy((dir / "run.npy").string(), run.data(), {T});
  EXPECT_EQ(b2m::testing::run_in(dir, cmd + " --out res2", &out), 1);
  EXPECT_NE(out.find("runs must be contiguous blocks of scans"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "res2"));
  fs::remove_all(dir);
}

}  // namespace
