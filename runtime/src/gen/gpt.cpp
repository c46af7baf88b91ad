#include "b2m/gen/gpt.h"

#include <algorithm>
#include <numeric>

#include "b2m/runtime/error.h"
#include "config_json.h"

namespace b2m::gen {

GptConfig GptConfig::from_json(const nlohmann::json& j, const std::string& where) {
  GptConfig c;
  c.n_layer = detail::get_size(j, "n_layer", where);
  c.n_head = detail::get_size(j, "n_head", where);
  c.n_embd = detail::get_size(j, "n_embd", where);
  c.block_size = detail::get_size(j, "block_size", where);
  c.input_vocab_size = detail::get_size(j, "input_vocab_size", where);
  c.output_vocab_size = detail::get_size(j, "output_vocab_size", where);
  c.bias = detail::get_bool_or(j, "bias", true, where);
  if (c.n_head == 0 || c.n_embd % c.n_head != 0)
    fail("{}: n_embd {} must be a positive multiple of n_head {}", where, c.n_embd, c.n_head);
  return c;
}

GptModel GptModel::load(const Weights& weights, const GptConfig& config, WeightPrecision precision) {
  GptModel m;
  m.config_ = config;
  m.path_ = weights.path();
  TransformerShape shape{config.n_layer, config.n_head, config.n_embd, config.block_size,
                         config.bias, config.bias};
  m.stack_ = TransformerStack::load(weights, shape, precision);
  m.wte_ = weights.get("transformer.wte.weight", {config.input_vocab_size, config.n_embd}).values;
  m.wpe_ = weights.get("transformer.wpe.weight", {config.block_size, config.n_embd}).values;
  m.lm_head_ = LinearWeight::load(weights, "lm_head.weight", config.output_vocab_size, config.n_embd,
                                  precision, false);
  return m;
}

std::size_t GptModel::step_weight_bytes() const {
  return stack_.weight_bytes() + lm_head_.weight_bytes();
}

void GptModel::add_embedding(float* row, std::int64_t token) const {
  if (token < 0 || static_cast<std::size_t>(token) >= config_.input_vocab_size)
    fail("'{}': token {} is outside the input vocabulary [0, {})", path_, token, config_.input_vocab_size);
  const float* e = wte_.data() + static_cast<std::size_t>(token) * config_.n_embd;
  for (std::size_t i = 0; i < config_.n_embd; ++i) row[i] += e[i];
}

std::vector<float> GptModel::run(std::vector<float>& x, std::size_t rows, std::span<const std::size_t> seq,
                                 std::span<const std::size_t> pos, std::span<KvCache* const> caches,
                                 bool all_positions) const {
  const std::size_t c = config_.n_embd;
  for (std::size_t r = 0; r < rows; ++r) {
    if (pos[r] >= config_.block_size)
      fail("'{}': sequence longer than block_size {}", path_, config_.block_size);
    const float* p = wpe_.data() + pos[r] * c;
    for (std::size_t i = 0; i < c; ++i) x[r * c + i] += p[i];
  }
  stack_.run(x.data(), rows, seq, pos, caches, /*causal=*/true);
  std::vector<std::size_t> wanted;
  if (all_positions) {
    wanted.resize(rows);
    std::iota(wanted.begin(), wanted.end(), 0);
  } else {  // the last row of each sequence
    for (std::size_t r = 0; r < rows; ++r)
      if (r + 1 == rows || seq[r + 1] != seq[r]) wanted.push_back(r);
  }
  std::vector<float> selected(wanted.size() * c);
  for (std::size_t k = 0; k < wanted.size(); ++k)
    std::copy_n(x.data() + wanted[k] * c, c, selected.data() + k * c);
  std::vector<float> logits(wanted.size() * config_.output_vocab_size);
  lm_head_.apply(selected.data(), wanted.size(), c, logits.data(), config_.output_vocab_size);
  return logits;
}

std::vector<float> GptModel::forward(KvCache& cache, std::span<const std::int64_t> tokens,
                                     bool all_positions, std::size_t merged_context) const {
  const std::size_t c = config_.n_embd;
  std::size_t rows = tokens.size();
  if (rows == 0) fail("'{}': forward needs at least one token", path_);
  if (merged_context > 0) {
    if (cache.length() != 0) fail("'{}': a merged context can only start a sequence", path_);
    if (tokens.size() < 2 * merged_context + 1)
      fail("'{}': merged context of {} needs at least {} tokens, got {}", path_, merged_context,
           2 * merged_context + 1, tokens.size());
    rows = tokens.size() - merged_context;
  }
  std::vector<float> x(rows * c, 0.0f);
  for (std::size_t r = 0; r < rows; ++r) {
    if (merged_context > 0 && r < merged_context) {
      add_embedding(x.data() + r * c, tokens[r]);
      add_embedding(x.data() + r * c, tokens[r + merged_context]);
    } else {
      add_embedding(x.data() + r * c, tokens[r + merged_context]);
    }
  }
  std::vector<std::size_t> seq(rows, 0), pos(rows);
  for (std::size_t r = 0; r < rows; ++r) pos[r] = cache.length() + r;
  KvCache* caches[] = {&cache};
  return run(x, rows, seq, pos, caches, all_positions);
}

std::vector<float> GptModel::step(std::span<KvCache* const> caches,
                                  std::span<const std::int64_t> tokens) const {
  if (caches.size() != tokens.size())
    fail("'{}': step got {} caches and {} tokens", path_, caches.size(), tokens.size());
  std::size_t rows = tokens.size();
  std::vector<float> x(rows * config_.n_embd, 0.0f);
  std::vector<std::size_t> seq(rows), pos(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    add_embedding(x.data() + r * config_.n_embd, tokens[r]);
    seq[r] = r;
    pos[r] = caches[r]->length();
  }
  return run(x, rows, seq, pos, caches, false);
}

}  // namespace b2m::gen
