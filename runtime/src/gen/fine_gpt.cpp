#include "b2m/gen/fine_gpt.h"

#include "b2m/runtime/error.h"
#include "config_json.h"

namespace b2m::gen {

FineGptConfig FineGptConfig::from_json(const nlohmann::json& j, const std::string& where) {
  FineGptConfig c;
  c.n_layer = detail::get_size(j, "n_layer", where);
  c.n_head = detail::get_size(j, "n_head", where);
  c.n_embd = detail::get_size(j, "n_embd", where);
  c.block_size = detail::get_size(j, "block_size", where);
  c.input_vocab_size = detail::get_size(j, "input_vocab_size", where);
  c.output_vocab_size = detail::get_size(j, "output_vocab_size", where);
  c.n_codes_total = detail::get_size(j, "n_codes_total", where);
  c.n_codes_given = detail::get_size(j, "n_codes_given", where);
  c.bias = detail::get_bool_or(j, "bias", true, where);
  if (c.n_head == 0 || c.n_embd % c.n_head != 0)
    fail("{}: n_embd {} must be a positive multiple of n_head {}", where, c.n_embd, c.n_head);
  if (c.n_codes_given == 0 || c.n_codes_given >= c.n_codes_total)
    fail("{}: need 0 < n_codes_given ({}) < n_codes_total ({})", where, c.n_codes_given, c.n_codes_total);
  return c;
}

FineGptModel FineGptModel::load(const Weights& weights, const FineGptConfig& config,
                                WeightPrecision precision) {
  FineGptModel m;
  m.config_ = config;
  m.path_ = weights.path();
  TransformerShape shape{config.n_layer, config.n_head, config.n_embd, config.block_size,
                         config.bias, /*layernorm_bias=*/true};
  m.stack_ = TransformerStack::load(weights, shape, precision);
  for (std::size_t j = 0; j < config.n_codes_total; ++j)
    m.wtes_.push_back(weights
                          .get("transformer.wtes." + std::to_string(j) + ".weight",
                               {config.input_vocab_size, config.n_embd})
                          .values);
  m.wpe_ = weights.get("transformer.wpe.weight", {config.block_size, config.n_embd}).values;
  for (std::size_t k = 0; k < config.n_codes_total - config.n_codes_given; ++k)
    m.lm_heads_.push_back(LinearWeight::load(weights, "lm_heads." + std::to_string(k) + ".weight",
                                             config.output_vocab_size, config.n_embd, precision, false));
  return m;
}

std::vector<float> FineGptModel::forward(std::size_t pred_idx, std::span<const std::int64_t> codes,
                                         std::size_t frames) const {
  const auto& cfg = config_;
  if (pred_idx < cfg.n_codes_given || pred_idx >= cfg.n_codes_total)
    fail("'{}': pred_idx {} outside [{}, {})", path_, pred_idx, cfg.n_codes_given, cfg.n_codes_total);
  if (codes.size() != frames * cfg.n_codes_total)
    fail("'{}': {} codes for {} frames of {} codebooks", path_, codes.size(), frames, cfg.n_codes_total);
  if (frames == 0 || frames > cfg.block_size)
    fail("'{}': {} frames, the fine model takes 1..{}", path_, frames, cfg.block_size);
  const std::size_t c = cfg.n_embd;
  std::vector<float> x(frames * c, 0.0f);
  for (std::size_t t = 0; t < frames; ++t) {
    float* row = x.data() + t * c;
    for (std::size_t j = 0; j <= pred_idx; ++j) {  // the codebook being predicted is included
      std::int64_t code = codes[t * cfg.n_codes_total + j];
      if (code < 0 || static_cast<std::size_t>(code) >= cfg.input_vocab_size)
        fail("'{}': code {} of codebook {} is outside [0, {})", path_, code, j, cfg.input_vocab_size);
      const float* e = wtes_[j].data() + static_cast<std::size_t>(code) * c;
      for (std::size_t i = 0; i < c; ++i) row[i] += e[i];
    }
    const float* p = wpe_.data() + t * c;
    for (std::size_t i = 0; i < c; ++i) row[i] += p[i];
  }
  TransformerShape window = stack_.shape();
  window.block_size = frames;  // keys/values of this window only, not of a whole block
  KvCache cache(window, stack_.cache_precision());
  KvCache* caches[] = {&cache};
  std::vector<std::size_t> seq(frames, 0), pos(frames);
  for (std::size_t t = 0; t < frames; ++t) pos[t] = t;
  stack_.run(x.data(), frames, seq, pos, caches, /*causal=*/false);
  std::vector<float> logits(frames * cfg.output_vocab_size);
  lm_heads_[pred_idx - cfg.n_codes_given].apply(x.data(), frames, c, logits.data(), cfg.output_vocab_size);
  return logits;
}

}  // namespace b2m::gen
