// Every elementwise function and every reduction, written to outputs by one
// pipeline, through the compiled executable and through `b2mc run`, against
// float64 references (the kernel-level tests in tests/unit/codegen check the
// same functions one kernel at a time).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "b2m/io/npy.h"

namespace fs = std::filesystem;

namespace {

constexpr std::size_t T = 23, V = 517;

struct Out {
  const char* expr;
  bool reduce_time;  // the result is [voxel]: reduced over time
  std::function<double(double, double)> elementwise;             // (x, y) -> value
  std::function<double(const std::vector<double>&)> reduction;  // column of x -> value
  double rtol;
};

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}
double var(const std::vector<double>& v) {
  double m = mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / v.size();
}
double floor_mod(double a, double b) {
  double r = std::fmod(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

const std::vector<std::pair<std::string, Out>>& outputs() {
  static const std::vector<std::pair<std::string, Out>> o = {
      {"neg", {"-x", false, [](double x, double) { return -x; }, {}, 1e-7}},
      {"abs", {"abs(x)", false, [](double x, double) { return std::fabs(x); }, {}, 1e-7}},
      {"sign", {"sign(x)", false, [](double x, double) { return (x > 0) - (x < 0); }, {}, 0}},
      {"exp", {"exp(x)", false, [](double x, double) { return std::exp(x); }, {}, 4e-6}},
      {"log", {"log(y)", false, [](double, double y) { return std::log(y); }, {}, 4e-6}},
      {"sqrt", {"sqrt(y)", false, [](double, double y) { return std::sqrt(y); }, {}, 2e-7}},
      {"sin", {"sin(x)", false, [](double x, double) { return std::sin(x); }, {}, 4e-6}},
      {"cos", {"cos(x)", false, [](double x, double) { return std::cos(x); }, {}, 4e-6}},
      {"tanh", {"tanh(x)", false, [](double x, double) { return std::tanh(x); }, {}, 4e-6}},
      {"floor", {"floor(x)", false, [](double x, double) { return std::floor(x); }, {}, 0}},
      {"ceil", {"ceil(x)", false, [](double x, double) { return std::ceil(x); }, {}, 0}},
      {"round", {"round(x)", false, [](double x, double) { return std::nearbyint(x); }, {}, 0}},
      {"add", {"x + y", false, [](double x, double y) { return x + y; }, {}, 2e-7}},
      {"sub", {"x - y", false, [](double x, double y) { return x - y; }, {}, 2e-7}},
      {"mul", {"x * y", false, [](double x, double y) { return x * y; }, {}, 2e-7}},
      {"div", {"x / y", false, [](double x, double y) { return x / y; }, {}, 2e-7}},
      {"mod", {"x % y", false, [](double x, double y) { return floor_mod(x, y); }, {}, 2e-6}},
      {"pow", {"y ** x", false, [](double x, double y) { return std::pow(y, x); }, {}, 4e-6}},
      {"min", {"min(x, y)", false, [](double x, double y) { return std::fmin(x, y); }, {}, 0}},
      {"max", {"max(x, y)", false, [](double x, double y) { return std::fmax(x, y); }, {}, 0}},
      {"where", {"where(x > 0.0, x, y)", false, [](double x, double y) { return x > 0 ? x : y; }, {}, 0}},
      {"sum", {"sum(x, over=time)", true, {}, [](const std::vector<double>& v) { return mean(v) * v.size(); }, 1e-6}},
      {"mean", {"mean(x, over=time)", true, {}, mean, 1e-6}},
      {"var", {"var(x, over=time)", true, {}, var, 1e-6}},
      {"std", {"std(x, over=time)", true, {}, [](const std::vector<double>& v) { return std::sqrt(var(v)); }, 1e-6}},
      {"maxr", {"max(x, over=time)", true, {}, [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }, 0}},
      {"minr", {"min(x, over=time)", true, {}, [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }, 0}},
      {"argmax", {"argmax(x, over=time)", true, {}, [](const std::vector<double>& v) { return double(std::max_element(v.begin(), v.end()) - v.begin()); }, 0}},
      {"argmin", {"argmin(x, over=time)", true, {}, [](const std::vector<double>& v) { return double(std::min_element(v.begin(), v.end()) - v.begin()); }, 0}},
  };
  return o;
}

class AllOps : public ::testing::TestWithParam<bool> {};  // true: executable, false: b2mc run

TEST_P(AllOps, MatchFloat64References) {
  bool executable = GetParam();
  fs::path dir = fs::temp_directory_path() / ("b2m_allops_" + std::to_string(::getpid()) + (executable ? "_exe" : "_run"));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-3, 3), pos(0.5f, 4);
  std::vector<float> x(T * V), y(T * V);
  for (auto& v : x) v = u(rng);
  for (auto& v : y) v = pos(rng);
  b2m::io::write_npy((dir / "x.npy").string(), x.data(), {T, V});
  b2m::io::write_npy((dir / "y.npy").string(), y.data(), {T, V});
  std::string text = "import io\nsource x: f32[time, voxel] = io.npy(\"x.npy\")\nsource y: f32[time, voxel] = io.npy(\"y.npy\")\n";
  for (const auto& [name, o] : outputs()) text += "out \"" + name + ".npy\" = " + o.expr + "\n";
  std::ofstream((dir / "p.b2m").string()) << text;
  std::string b2mc = std::string("'") + B2M_BINARY_DIR + "/bin/b2mc' ";
  std::string stdlib = std::string(" --stdlib-dir '") + B2M_SOURCE_DIR + "/stdlib'";
  std::string cmd = executable ? b2mc + "p.b2m" + stdlib + " -o p && ./p --out res"
                               : b2mc + "run p.b2m" + stdlib + " -- --out res";
  ASSERT_EQ(std::system(("cd '" + dir.string() + "' && " + cmd + " > log.txt 2>&1").c_str()), 0);
  for (const auto& [name, o] : outputs()) {
    auto got = b2m::io::read_npy((dir / "res" / (name + ".npy")).string()).as_f64();
    int failures = 0;
    if (o.reduce_time) {
      ASSERT_EQ(got.size(), V) << name;
      for (std::size_t v = 0; v < V && failures < 3; ++v) {
        std::vector<double> col;
        for (std::size_t t = 0; t < T; ++t) col.push_back(x[t * V + v]);
        double want = o.reduction(col);
        if (std::fabs(got[v] - want) > 1e-6 + o.rtol * std::fabs(want)) {
          ++failures;
          ADD_FAILURE() << name << "[" << v << "] = " << got[v] << ", expected " << want;
        }
      }
    } else {
      ASSERT_EQ(got.size(), T * V) << name;
      for (std::size_t i = 0; i < T * V && failures < 3; ++i) {
        double want = o.elementwise(x[i], y[i]);
        if (std::fabs(got[i] - want) > 1e-6 + o.rtol * std::fabs(want)) {
          ++failures;
          ADD_FAILURE() << name << "[" << i << "] = " << got[i] << ", expected " << want;
        }
      }
    }
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Paths, AllOps, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "executable" : "b2mc_run"; });

}  // namespace
