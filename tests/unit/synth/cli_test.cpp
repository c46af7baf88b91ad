// b2m-synth's command line: bad options and unsafe outputs fail with clear
// messages, and a failed run leaves nothing behind.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

const std::string kExe = std::string(B2M_BINARY_DIR) + "/bin/b2m-synth";

struct Result {
  int code;
  std::string output;
};

Result run(const std::string& args) {
  const std::string command = kExe + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("b2m-synth-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

bool has_partial(const fs::path& folder) {
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().filename().string().find(".partial-") != std::string::npos) return true;
  return false;
}

TEST(SynthCli, HelpAndPrintConfig) {
  Result r = run("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("--preset"), std::string::npos);
  r = run("--preset paper --snr 0.5 --print-config");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("subjects      5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("snr           0.5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("voxel size    3 mm"), std::string::npos) << r.output;
}

TEST(SynthCli, BadOptionsFailWithMessagesNamingThem) {
  struct Case {
    const char* args;
    const char* message;
  } cases[] = {
      {"--preset huge --out x", "huge"},
      {"--preset tiny --snr -1 --out x", "--snr"},
      {"--preset tiny --snr abc --out x", "--snr"},
      {"--preset tiny --subjects 9 --out x", "--subjects"},
      {"--preset tiny --voxel-size 0.5 --out x", "--voxel-size"},
      {"--preset tiny --bank-size -3 --out x", "--bank-size"},
      {"--preset tiny --threads -2 --out x", "--threads"},
      {"--preset tiny --schedule /nonexistent-b2m-dir --out x", "--schedule"},
      {"--preset tiny --int16 --float32 --out x", "--float32"},
      {"--preset tiny --frobnicate --out x", "frobnicate"},
      {"--preset tiny", "--out is required"},
  };
  for (const auto& c : cases) {
    const Result r = run(c.args);
    EXPECT_NE(r.code, 0) << c.args;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
}

TEST(SynthCli, RefusesToOverwriteAFolderItDidNotWrite) {
  TempDir tmp;
  const fs::path out = tmp.path / "data";
  fs::create_directories(out);
  std::ofstream(out / "precious.txt") << "keep me";
  Result r = run("--preset tiny -q --out " + out.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("not empty"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  r = run("--preset tiny -q --force --out " + out.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("only replaces datasets written by b2m-synth"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out / "precious.txt"));
  EXPECT_FALSE(has_partial(tmp.path));
  // A file where the folder should be.
  std::ofstream(tmp.path / "file") << "x";
  r = run("--preset tiny -q --out " + (tmp.path / "file").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("not a folder"), std::string::npos) << r.output;
}

TEST(SynthCli, AFailedRunLeavesNoPartialDataset) {
  TempDir tmp;
  const fs::path templates = tmp.path / "no-atlases";
  fs::create_directories(templates);
  const fs::path out = tmp.path / "data";
  const Result r = run("--preset tiny -q --templates " + templates.string() + " --out " + out.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("HarvardOxford-cort-maxprob-thr0-1mm.nii.gz"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mricron-data"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(has_partial(tmp.path));
}

}  // namespace
