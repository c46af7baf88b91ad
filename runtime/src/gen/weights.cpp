#include "b2m/gen/weights.h"

#include <cmath>

#include "b2m/runtime/error.h"

namespace b2m::gen {

std::string shape_string(const std::vector<std::size_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void check_finite(const std::string& file, const std::string& name, const std::vector<float>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      fail("'{}': tensor '{}' contains {} at index {}", file, name,
           std::isnan(values[i]) ? "NaN" : "Inf", i);
  }
}

Weights::Weights(std::shared_ptr<const SafeTensorsFile> file, std::string prefix)
    : file_(std::move(file)), prefix_(std::move(prefix)) {}

bool Weights::has_weight_or_norm_pair(const std::string& name) const {
  return has(name) || (has(name + "_g") && has(name + "_v"));
}

const TensorView& Weights::view(const std::string& name, const std::vector<std::size_t>& shape) const {
  const TensorView& v = file_->tensor(prefix_ + name);
  if (v.shape != shape)
    fail("'{}': tensor '{}' has shape {}, expected {}", path(), v.name, shape_string(v.shape),
         shape_string(shape));
  return v;
}

Tensor Weights::get(const std::string& name, const std::vector<std::size_t>& shape) const {
  const TensorView& v = view(name, shape);
  Tensor t{v.shape, file_->to_f32(v)};
  check_finite(path(), v.name, t.values);
  return t;
}

Tensor Weights::get_folding_weight_norm(const std::string& name,
                                        const std::vector<std::size_t>& shape) const {
  if (has(name) || !(has(name + "_g") || has(name + "_v"))) return get(name, shape);
  if (shape.empty()) fail("'{}': weight norm of a scalar '{}{}'", path(), prefix_, name);
  std::vector<std::size_t> g_shape(shape.size(), 1);
  g_shape[0] = shape[0];
  Tensor g = get(name + "_g", g_shape);
  Tensor v = get(name + "_v", shape);
  std::size_t rows = shape[0];
  std::size_t per_row = rows == 0 ? 0 : v.values.size() / rows;
  Tensor w{shape, std::vector<float>(v.values.size())};
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0.0;  // the norm in double: rows can be long
    for (std::size_t i = 0; i < per_row; ++i) {
      double x = v.values[r * per_row + i];
      sum += x * x;
    }
    double norm = std::sqrt(sum);
    if (norm == 0.0)
      fail("'{}': tensor '{}{}_v' has an all-zero row {}: weight norm is undefined", path(),
           prefix_, name, r);
    double scale = g.values[r] / norm;
    for (std::size_t i = 0; i < per_row; ++i)
      w.values[r * per_row + i] = static_cast<float>(v.values[r * per_row + i] * scale);
  }
  return w;
}

}  // namespace b2m::gen
