// Bark's non-causal FineGPT (fine acoustic stage): one embedding table per
// codebook, summed for codebooks 0..pred_idx, learned positions, pre-LN blocks
// with unmasked attention, ln_f and one head per predicted codebook.
// Names: transformer.wtes.{j}.weight [input_vocab, C], transformer.wpe.weight,
// transformer.h.{i}.*, transformer.ln_f.*, lm_heads.{k}.weight [output_vocab, C]
// (lm_heads.{k} predicts codebook k + n_codes_given). LayerNorms always have
// biases; `bias` only concerns the Linears. Tied tensors are loaded by name.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "b2m/gen/transformer.h"

namespace b2m::gen {

struct FineGptConfig {
  std::size_t n_layer = 12, n_head = 12, n_embd = 768, block_size = 1024;
  std::size_t input_vocab_size = 1056, output_vocab_size = 1056;
  std::size_t n_codes_total = 8, n_codes_given = 1;
  bool bias = true;

  static FineGptConfig from_json(const nlohmann::json& j, const std::string& where);
};

class FineGptModel {
 public:
  static FineGptModel load(const Weights& weights, const FineGptConfig& config,
                           WeightPrecision precision = WeightPrecision::f32);
  const FineGptConfig& config() const { return config_; }

  // codes: T x n_codes_total (row-major, frame by frame), T <= block_size.
  // Returns T x output_vocab logits for codebook pred_idx.
  std::vector<float> forward(std::size_t pred_idx, std::span<const std::int64_t> codes,
                             std::size_t frames) const;

 private:
  FineGptConfig config_;
  TransformerStack stack_;
  std::vector<std::vector<float>> wtes_;
  std::vector<float> wpe_;
  std::vector<LinearWeight> lm_heads_;
  std::string path_;
};

}  // namespace b2m::gen
