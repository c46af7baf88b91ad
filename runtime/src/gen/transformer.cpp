#include "b2m/gen/transformer.h"

#include <algorithm>
#include <cmath>

#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"
#include "attention_kernels.h"

namespace b2m::gen {

KvCache::KvCache(const TransformerShape& shape)
    : n_head_(shape.n_head),
      head_size_(shape.n_head ? shape.n_embd / shape.n_head : 0),
      capacity_(shape.block_size) {
  std::size_t n = shape.n_layer * shape.n_head * shape.block_size * head_size_;
  keys_.assign(n, 0.0f);
  values_.assign(n, 0.0f);
}

void KvCache::store_key(std::size_t layer, std::size_t head, std::size_t pos, const float* key) {
  float* base = keys_.data() + (layer * n_head_ + head) * capacity_ * head_size_;
  for (std::size_t i = 0; i < head_size_; ++i) base[i * capacity_ + pos] = key[i];
}
const float* KvCache::keys_by_dim(std::size_t layer, std::size_t head) const {
  return keys_.data() + (layer * n_head_ + head) * capacity_ * head_size_;
}
float* KvCache::value(std::size_t layer, std::size_t head, std::size_t pos) {
  return values_.data() + ((layer * n_head_ + head) * capacity_ + pos) * head_size_;
}
const float* KvCache::value(std::size_t layer, std::size_t head, std::size_t pos) const {
  return values_.data() + ((layer * n_head_ + head) * capacity_ + pos) * head_size_;
}

void layer_norm(float* x, std::size_t rows, std::size_t width, const std::vector<float>& weight,
                const std::vector<float>& bias) {
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = x + r * width;
    double mean = 0.0;
    for (std::size_t i = 0; i < width; ++i) mean += row[i];
    mean /= double(width);
    double var = 0.0;
    for (std::size_t i = 0; i < width; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= double(width);
    float inv = static_cast<float>(1.0 / std::sqrt(var + 1e-5));
    float m = static_cast<float>(mean);
    for (std::size_t i = 0; i < width; ++i)
      row[i] = (row[i] - m) * inv * weight[i] + (bias.empty() ? 0.0f : bias[i]);
  }
}

void gelu(float* x, std::size_t n) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  for (std::size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
}

TransformerStack TransformerStack::load(const Weights& weights, const TransformerShape& shape,
                                        WeightPrecision precision) {
  if (shape.n_head == 0 || shape.n_embd % shape.n_head != 0)
    fail("'{}': n_embd {} is not a multiple of n_head {}", weights.path(), shape.n_embd, shape.n_head);
  TransformerStack stack;
  stack.shape_ = shape;
  std::size_t c = shape.n_embd;
  auto vec = [&](const std::string& name) { return weights.get(name, {c}).values; };
  for (std::size_t i = 0; i < shape.n_layer; ++i) {
    std::string p = "transformer.h." + std::to_string(i) + ".";
    Layer layer;
    layer.ln1_w = vec(p + "ln_1.weight");
    layer.ln2_w = vec(p + "ln_2.weight");
    if (shape.layernorm_bias) {
      layer.ln1_b = vec(p + "ln_1.bias");
      layer.ln2_b = vec(p + "ln_2.bias");
    }
    bool b = shape.linear_bias;
    layer.c_attn = LinearWeight::load(weights, p + "attn.c_attn.weight", 3 * c, c, precision, b,
                                      p + "attn.c_attn.bias");
    layer.attn_proj = LinearWeight::load(weights, p + "attn.c_proj.weight", c, c, precision, b,
                                         p + "attn.c_proj.bias");
    layer.c_fc = LinearWeight::load(weights, p + "mlp.c_fc.weight", 4 * c, c, precision, b,
                                    p + "mlp.c_fc.bias");
    layer.mlp_proj = LinearWeight::load(weights, p + "mlp.c_proj.weight", c, 4 * c, precision, b,
                                        p + "mlp.c_proj.bias");
    stack.layers_.push_back(std::move(layer));
  }
  stack.lnf_w_ = vec("transformer.ln_f.weight");
  if (shape.layernorm_bias) stack.lnf_b_ = vec("transformer.ln_f.bias");
  return stack;
}

std::size_t TransformerStack::weight_bytes() const {
  std::size_t total = 0;
  for (const auto& l : layers_)
    total += l.c_attn.weight_bytes() + l.attn_proj.weight_bytes() + l.c_fc.weight_bytes() +
             l.mlp_proj.weight_bytes();
  return total;
}

void TransformerStack::run(float* x, std::size_t rows, std::span<const std::size_t> seq,
                           std::span<const std::size_t> pos, std::span<KvCache* const> caches,
                           bool causal) const {
  const std::size_t c = shape_.n_embd, n_head = shape_.n_head, hs = c / n_head;
  for (std::size_t r = 0; r < rows; ++r) {
    if (seq[r] >= caches.size()) fail("transformer: row {} names sequence {} of {}", r, seq[r], caches.size());
    if (pos[r] >= caches[seq[r]]->capacity())
      fail("transformer: position {} exceeds the context length (block_size {})", pos[r],
           caches[seq[r]]->capacity());
  }
  // Visible length per sequence after this call (non-causal attention).
  std::vector<std::size_t> final_length(caches.size(), 0);
  for (std::size_t s = 0; s < caches.size(); ++s) final_length[s] = caches[s]->length();
  for (std::size_t r = 0; r < rows; ++r)
    final_length[seq[r]] = std::max(final_length[seq[r]], pos[r] + 1);

  std::vector<float> h(rows * c), qkv(rows * 3 * c), attn(rows * c), mlp(rows * 4 * c);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  for (std::size_t li = 0; li < layers_.size(); ++li) {
    const Layer& layer = layers_[li];
    std::copy(x, x + rows * c, h.begin());
    layer_norm(h.data(), rows, c, layer.ln1_w, layer.ln1_b);
    layer.c_attn.apply(h.data(), rows, c, qkv.data(), 3 * c);
    // Append keys and values first, so rows of one call can see each other.
    for (std::size_t r = 0; r < rows; ++r) {
      KvCache& cache = *caches[seq[r]];
      for (std::size_t hd = 0; hd < n_head; ++hd) {
        cache.store_key(li, hd, pos[r], qkv.data() + r * 3 * c + c + hd * hs);
        std::copy_n(qkv.data() + r * 3 * c + 2 * c + hd * hs, hs, cache.value(li, hd, pos[r]));
      }
    }
    // One task per (row, head): independent, so the result is the same at any
    // thread count. A decode step's attention is too small to pay for waking the pool.
    auto attend = [&](std::size_t begin, std::size_t end) {
      std::vector<float> scores;
      for (std::size_t task = begin; task < end; ++task) {
        std::size_t r = task / n_head, hd = task % n_head;
        const KvCache& cache = *caches[seq[r]];
        std::size_t visible = causal ? pos[r] + 1 : final_length[seq[r]];
        const float* q = qkv.data() + r * 3 * c + hd * hs;
        scores.resize(visible);
        detail::attention_scores(q, cache.keys_by_dim(li, hd), hs, cache.capacity(), visible, scale, scores.data());
        float max_score = -INFINITY;
        for (std::size_t j = 0; j < visible; ++j) max_score = std::max(max_score, scores[j]);
        float sum = 0.0f;
        for (std::size_t j = 0; j < visible; ++j) {
          scores[j] = std::exp(scores[j] - max_score);
          sum += scores[j];
        }
        for (std::size_t j = 0; j < visible; ++j) scores[j] /= sum;
        detail::weighted_rows(scores.data(), cache.value(li, hd, 0), hs, visible, attn.data() + r * c + hd * hs);
      }
    };
    std::size_t longest = 0;
    for (std::size_t r = 0; r < rows; ++r) longest = std::max(longest, causal ? pos[r] + 1 : final_length[seq[r]]);
    if (rows * n_head * longest * hs < (std::size_t(1) << 19))
      attend(0, rows * n_head);
    else
      parallel_for(rows * n_head, 1, attend);
    layer.attn_proj.apply(attn.data(), rows, c, h.data(), c);
    for (std::size_t i = 0; i < rows * c; ++i) x[i] += h[i];

    std::copy(x, x + rows * c, h.begin());
    layer_norm(h.data(), rows, c, layer.ln2_w, layer.ln2_b);
    layer.c_fc.apply(h.data(), rows, c, mlp.data(), 4 * c);
    gelu(mlp.data(), rows * 4 * c);
    layer.mlp_proj.apply(mlp.data(), rows, 4 * c, h.data(), c);
    for (std::size_t i = 0; i < rows * c; ++i) x[i] += h[i];
  }
  for (std::size_t s = 0; s < caches.size(); ++s) caches[s]->length_ = final_length[s];
  layer_norm(x, rows, c, lnf_w_, lnf_b_);
}

}  // namespace b2m::gen
