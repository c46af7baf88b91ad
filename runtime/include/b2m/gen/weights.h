// Named float tensors read from a safetensors file, checked as they are read:
// a missing tensor, a wrong shape or a non-finite value is a b2m::Error naming
// the file and the tensor. Weight-norm pairs (`<name>_g`, `<name>_v`) are
// folded into `<name>` on request: w = g * v / ||v||, with the norm over every
// axis but 0 (PyTorch's weight_norm with dim=0), no epsilon.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "b2m/gen/safetensors.h"

namespace b2m::gen {

struct Tensor {
  std::vector<std::size_t> shape;
  std::vector<float> values;  // row-major

  std::size_t numel() const { return values.size(); }
};

std::string shape_string(const std::vector<std::size_t>& shape);

class Weights {
 public:
  explicit Weights(std::shared_ptr<const SafeTensorsFile> file, std::string prefix = "");
  static Weights open(const std::string& path) { return Weights(SafeTensorsFile::open(path)); }

  // A view whose names are relative to prefix() + `prefix`.
  Weights under(const std::string& prefix) const { return Weights(file_, prefix_ + prefix); }

  const std::string& path() const { return file_->path(); }
  const std::string& prefix() const { return prefix_; }
  const SafeTensorsFile& file() const { return *file_; }
  std::shared_ptr<const SafeTensorsFile> file_ptr() const { return file_; }

  bool has(const std::string& name) const { return file_->contains(prefix_ + name); }
  // `name`, or the pair `name_g` / `name_v` of a weight-normalised parameter.
  bool has_weight_or_norm_pair(const std::string& name) const;

  // The tensor converted to float32, with its shape checked against `shape`.
  Tensor get(const std::string& name, const std::vector<std::size_t>& shape) const;
  // Like get(), but when `name` is absent and `name_g`/`name_v` exist, folds them.
  Tensor get_folding_weight_norm(const std::string& name, const std::vector<std::size_t>& shape) const;
  // The raw view (for weights kept in their stored precision), shape checked.
  const TensorView& view(const std::string& name, const std::vector<std::size_t>& shape) const;

 private:
  std::shared_ptr<const SafeTensorsFile> file_;
  std::string prefix_;
};

// Throws unless every value is finite: "'<file>': tensor '<name>' contains NaN at index i".
void check_finite(const std::string& file, const std::string& name, const std::vector<float>& values);

}  // namespace b2m::gen
