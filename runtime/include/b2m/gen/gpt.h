// Bark's causal GPT (semantic and coarse stages; GPT-2 / nanoGPT style):
// token + learned position embeddings, pre-LN blocks with causal attention,
// ln_f, lm_head (no bias, not tied). Tensor names as bark.model.GPT's
// state_dict: transformer.wte.weight [input_vocab, C], transformer.wpe.weight
// [block_size, C], transformer.h.{i}.*, transformer.ln_f.*, lm_head.weight
// [output_vocab, C]. Causal-mask buffers (`*.attn.bias`) are ignored.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "b2m/gen/transformer.h"

namespace b2m::gen {

struct GptConfig {
  std::size_t n_layer = 12, n_head = 12, n_embd = 768, block_size = 1024;
  std::size_t input_vocab_size = 10048, output_vocab_size = 10048;
  bool bias = true;  // biases in every Linear and LayerNorm

  // Reads bark's GPTConfig keys; `where` names the source in errors.
  static GptConfig from_json(const nlohmann::json& j, const std::string& where);
};

class GptModel {
 public:
  // `weights` positioned at the model root.
  static GptModel load(const Weights& weights, const GptConfig& config,
                       WeightPrecision precision = WeightPrecision::f32);

  const GptConfig& config() const { return config_; }
  KvCache new_cache() const { return stack_.new_cache(); }
  // Bytes of weights streamed by one decode step (blocks + lm_head).
  std::size_t step_weight_bytes() const;

  // Appends `tokens` to the cache and returns the logits of every new
  // position (all_positions) or only of the last one: rows x output_vocab.
  // merged_context > 0 (Bark's merge_context, only on an empty cache): the
  // first 2*merged_context tokens are embedded pairwise summed
  // (wte[t_i] + wte[t_{i+m}]), giving merged_context positions, then the rest.
  std::vector<float> forward(KvCache& cache, std::span<const std::int64_t> tokens,
                             bool all_positions = false, std::size_t merged_context = 0) const;

  // One new token for each of several sequences (e.g. the conditional and
  // unconditional branch of classifier-free guidance): every weight is read
  // once for the whole batch. Returns batch x output_vocab logits.
  std::vector<float> step(std::span<KvCache* const> caches, std::span<const std::int64_t> tokens) const;

 private:
  std::vector<float> run(std::vector<float>& x, std::size_t rows, std::span<const std::size_t> seq,
                         std::span<const std::size_t> pos, std::span<KvCache* const> caches,
                         bool all_positions) const;
  void add_embedding(float* row, std::int64_t token) const;
  GptConfig config_;
  TransformerStack stack_;
  std::vector<float> wte_, wpe_;
  LinearWeight lm_head_;
  std::string path_;
};

}  // namespace b2m::gen
