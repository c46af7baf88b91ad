#include "b2m/gen/rvq.h"

#include <cmath>

#include "b2m/runtime/error.h"

namespace b2m::gen {

ResidualVQ::ResidualVQ(std::vector<Eigen::MatrixXf> codebooks) : codebooks_(std::move(codebooks)) {
  for (const auto& c : codebooks_)
    if (c.rows() != codebooks_[0].rows() || c.cols() != codebooks_[0].cols())
      fail("rvq: codebooks of different shapes");
}

ResidualVQ ResidualVQ::load(const Weights& weights, std::size_t n_q, std::size_t bins, std::size_t dim,
                            const std::string& prefix, const std::string& suffix) {
  std::vector<Eigen::MatrixXf> books;
  for (std::size_t q = 0; q < n_q; ++q) {
    Tensor t = weights.get(prefix + std::to_string(q) + suffix, {bins, dim});
    books.push_back(Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        t.values.data(), static_cast<Eigen::Index>(bins), static_cast<Eigen::Index>(dim)));
  }
  return ResidualVQ(std::move(books));
}

std::vector<std::int64_t> ResidualVQ::quantize(std::span<const float> vector, std::size_t n_q) const {
  if (n_q == 0) n_q = codebooks_.size();
  if (n_q > codebooks_.size()) fail("rvq: {} codebooks requested, {} available", n_q, codebooks_.size());
  if (vector.size() != dim()) fail("rvq: vector of size {}, codebooks have dimension {}", vector.size(), dim());
  Eigen::VectorXd residual(static_cast<Eigen::Index>(dim()));
  for (std::size_t i = 0; i < dim(); ++i) {
    if (!std::isfinite(vector[i])) fail("rvq: the vector to quantize contains NaN or Inf at {}", i);
    residual[static_cast<Eigen::Index>(i)] = vector[i];
  }
  std::vector<std::int64_t> codes;
  for (std::size_t q = 0; q < n_q; ++q) {
    const Eigen::MatrixXf& book = codebooks_[q];
    Eigen::Index best = 0;
    double best_distance = INFINITY;
    for (Eigen::Index b = 0; b < book.rows(); ++b) {
      double d = (book.row(b).transpose().cast<double>() - residual).squaredNorm();
      if (d < best_distance) {
        best_distance = d;
        best = b;
      }
    }
    codes.push_back(best);
    residual -= book.row(best).transpose().cast<double>();
  }
  return codes;
}

Eigen::MatrixXf ResidualVQ::dequantize(std::span<const std::int64_t> codes, std::size_t n_q,
                                       std::size_t frames) const {
  if (n_q > codebooks_.size()) fail("rvq: codes for {} codebooks, the model has {}", n_q, codebooks_.size());
  if (codes.size() != n_q * frames) fail("rvq: {} codes for {} codebooks x {} frames", codes.size(), n_q, frames);
  Eigen::MatrixXf latent = Eigen::MatrixXf::Zero(static_cast<Eigen::Index>(dim()), static_cast<Eigen::Index>(frames));
  for (std::size_t q = 0; q < n_q; ++q) {
    for (std::size_t t = 0; t < frames; ++t) {
      std::int64_t code = codes[q * frames + t];
      if (code < 0 || static_cast<std::size_t>(code) >= bins())
        fail("rvq: code {} of codebook {} at frame {} is outside [0, {})", code, q, t, bins());
      latent.col(static_cast<Eigen::Index>(t)) += codebooks_[q].row(code).transpose();
    }
  }
  return latent;
}

}  // namespace b2m::gen
