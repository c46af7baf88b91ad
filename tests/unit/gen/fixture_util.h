// Shared helpers for the generation tests: fixture paths, tolerances read
// from each fixture's config.json, and an elementwise closeness check
// |out - ref| <= atol + rtol * |ref| that reports the worst element.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace b2m::test {

inline std::string fixture_dir(const std::string& name) {
  return std::string(B2M_SHARED_DIR) + "/fixtures/" + name;
}

inline nlohmann::json fixture_config(const std::string& name) {
  std::ifstream in(fixture_dir(name) + "/config.json");
  return nlohmann::json::parse(in);
}

struct Tolerance {
  double atol, rtol;
};

inline Tolerance fixture_tolerance(const std::string& name, const std::string& tensor) {
  auto j = fixture_config(name)["recommended_tolerance_float32"][tensor];
  return {j["atol"].get<double>(), j["rtol"].get<double>()};
}

inline ::testing::AssertionResult all_close(const std::vector<float>& out, const std::vector<float>& ref,
                                            Tolerance tol) {
  if (out.size() != ref.size())
    return ::testing::AssertionFailure() << "size " << out.size() << " != " << ref.size();
  double worst = -1;
  std::size_t worst_i = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    double excess = std::abs(double(out[i]) - double(ref[i])) - (tol.atol + tol.rtol * std::abs(double(ref[i])));
    if (!(excess <= 0) && (worst < 0 || excess > worst || std::isnan(excess))) {
      worst = std::isnan(excess) ? INFINITY : excess;
      worst_i = i;
    }
  }
  if (worst >= 0)
    return ::testing::AssertionFailure() << "element " << worst_i << ": got " << out[worst_i]
                                         << ", expected " << ref[worst_i] << " (atol " << tol.atol
                                         << ", rtol " << tol.rtol << ")";
  return ::testing::AssertionSuccess();
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(double(a[i]) - double(b[i])));
  return m;
}

}  // namespace b2m::test
