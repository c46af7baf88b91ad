// User-facing errors of the stdlib bindings, through `b2mc run`: each names
// what is wrong, exits 1 and writes no output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "b2m/io/audio.h"
#include "b2m/io/npy.h"
#include "shell.h"

namespace fs = std::filesystem;

namespace {

struct Case {
  const char* name;
  const char* pipeline;
  const char* expected;
};

class BindingErrors : public ::testing::TestWithParam<Case> {};

TEST_P(BindingErrors, NameTheProblemAndWriteNothing) {
  const Case& c = GetParam();
  fs::path dir = fs::temp_directory_path() / ("b2m_binding_errors_" + std::to_string(::getpid()) + "_" + c.name);
  fs::remove_all(dir);
  fs::create_directories(dir / "bank");
  std::vector<float> x(40 * 3, 0.5f);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 97) / 97.0f;
  std::vector<std::int64_t> groups(40);
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i] = static_cast<std::int64_t>(i / 10);
  b2m::io::write_npy((dir / "x.npy").string(), x.data(), {40, 3});
  b2m::io::write_npy((dir / "g.npy").string(), groups.data(), {40});
  b2m::io::write_npy((dir / "one_repeat.npy").string(), x.data(), {1, 40, 3});
  std::ofstream((dir / "bank" / "bank.tsv").string()) << "item\tfile\tstyle\n0\ta.wav\tjazz\n";
  fs::create_directories(dir / "bank2");
  std::ofstream((dir / "bank2" / "bank.tsv").string()) << "item\tfile\tgenre\n0\ta.wav\tpolka\n";
  // A bank whose one clip lasts 1 s (the embedding needs 10 s windows).
  fs::create_directories(dir / "bank3");
  std::ofstream((dir / "bank3" / "bank.tsv").string()) << "item\tfile\tgenre\n0\tshort.wav\tjazz\n";
  b2m::io::Audio clip;
  clip.sample_rate = 22050;
  clip.samples.assign(22050, 0.1f);
  b2m::io::write_audio((dir / "bank3" / "short.wav").string(), clip, b2m::io::AudioFormat::wav_pcm16);
  std::vector<std::int64_t> index = {0, 5};
  b2m::io::write_npy((dir / "index.npy").string(), index.data(), {2});
  std::ofstream((dir / "p.b2m").string()) << c.pipeline;
  std::string out;
  int rc = b2m::testing::run_in(dir,
                                std::string("'") + B2M_BINARY_DIR + "/bin/b2mc' run p.b2m --stdlib-dir '" +
                                    B2M_SOURCE_DIR + "/stdlib' -- --out res",
                                &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find(c.expected), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "res"));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Stdlib, BindingErrors,
    ::testing::Values(
        Case{"ridge_cv",
             "import io, ridge\nparam alphas: f32[alpha] = logspace(-1, 2, 4)\n"
             "source x: f32[s, f] = io.npy(\"x.npy\")\nsource g: i64[s] = io.npy(\"g.npy\")\n"
             "out \"w.npy\" = ridge.fit(x, x, alphas, g, cv=\"bogus\").weights\n",
             "cv must be \"grouped\", \"kfold\" or \"loo\", got \"bogus\""},
        Case{"ridge_kfold",
             "import io, ridge\nparam alphas: f32[alpha] = logspace(-1, 2, 4)\n"
             "source x: f32[s, f] = io.npy(\"x.npy\")\nsource g: i64[s] = io.npy(\"g.npy\")\n"
             "out \"w.npy\" = ridge.fit(x, x, alphas, g, folds=1, cv=\"kfold\").weights\n",
             "cv = \"kfold\" needs folds >= 2, got 1"},
        Case{"noise_ceiling",
             "import io, eval\nsource r: f32[repeat, c, e] = io.npy(\"one_repeat.npy\")\n"
             "out \"ev.npy\" = eval.noise_ceiling(r).explainable_variance\n",
             "needs at least 2 repeats, got 1"},
        Case{"bank_column",
             "import music\nsource b = music.bank(\"bank\")\nout \"g.npy\" = b.genre\n",
             "bank.tsv:1: missing column 'genre'"},
        Case{"bank_genre",
             "import music\nsource b = music.bank(\"bank2\")\nout \"g.npy\" = b.genre\n",
             "bank.tsv:2: unknown genre 'polka'"},
        Case{"bank_missing",
             "import music\nsource b = music.bank(\"nowhere\")\nout \"g.npy\" = b.genre\n",
             "music.bank: cannot open 'nowhere/bank.tsv'"},
        Case{"bank_short_clip",
             "import music\nsource b = music.bank(\"bank3\")\nout \"g.npy\" = b.genre\n",
             "short.wav' is shorter than 10 s"},
        Case{"bank_audio_index",
             "import io, music\nsource i: i64[q] = io.npy(\"index.npy\")\n"
             "out \"a.npy\" = music.bank_audio(\"bank3\", i)\n",
             "music.bank_audio: index 5 outside the bank's 1 items"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
