// Residual vector quantization: codebook q quantizes what codebooks 0..q-1
// left over. Used twice: to turn a 128-d music embedding into conditioning
// tokens (MusicLM quantizes MuLan with 12 codebooks of 1024), and to turn
// codec tokens back into the decoder's latent (EnCodec's RVQ.decode).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "b2m/gen/weights.h"

namespace b2m::gen {

class ResidualVQ {
 public:
  ResidualVQ() = default;
  // codebooks[q] is bins x dim.
  explicit ResidualVQ(std::vector<Eigen::MatrixXf> codebooks);
  // Reads `<prefix>{q}<suffix>` for q < n_q, each [bins, dim]; EnCodec's names are
  // prefix "quantizer.vq.layers.", suffix "._codebook.embed".
  static ResidualVQ load(const Weights& weights, std::size_t n_q, std::size_t bins, std::size_t dim,
                         const std::string& prefix = "quantizer.vq.layers.",
                         const std::string& suffix = "._codebook.embed");

  std::size_t n_q() const { return codebooks_.size(); }
  std::size_t bins() const { return codebooks_.empty() ? 0 : static_cast<std::size_t>(codebooks_[0].rows()); }
  std::size_t dim() const { return codebooks_.empty() ? 0 : static_cast<std::size_t>(codebooks_[0].cols()); }

  // One code per codebook (nearest by Euclidean distance, lowest index on ties),
  // using the first n_q codebooks (all when n_q == 0).
  std::vector<std::int64_t> quantize(std::span<const float> vector, std::size_t n_q = 0) const;
  // codes: n_q x T (row-major, codebook by codebook) -> dim x T latent, the sum
  // of the selected entries. n_q may be smaller than the number of codebooks.
  Eigen::MatrixXf dequantize(std::span<const std::int64_t> codes, std::size_t n_q, std::size_t frames) const;

 private:
  std::vector<Eigen::MatrixXf> codebooks_;
};

}  // namespace b2m::gen
