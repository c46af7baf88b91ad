#include "b2m/gen/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "b2m/io/half.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"
#include "attention_kernels.h"
#include "vector_math.h"

namespace b2m::gen {

KvCache::KvCache(const TransformerShape& shape, CachePrecision precision)
    : n_head_(shape.n_head),
      head_size_(shape.n_head ? shape.n_embd / shape.n_head : 0),
      capacity_(shape.block_size),
      slots_((shape.block_size + detail::kKeyTile - 1) / detail::kKeyTile * detail::kKeyTile),
      precision_(precision) {
  std::size_t n = shape.n_layer * shape.n_head * slots_ * head_size_;
  if (precision == CachePrecision::f32) {
    keys_f32_.assign(n, 0.0f);
    values_f32_.assign(n, 0.0f);
  } else {
    keys_bf16_.assign(n, 0);
    values_bf16_.assign(n, 0);
  }
}

void KvCache::store(std::size_t layer, std::size_t head, std::size_t pos, const float* key, const float* value) {
  const std::size_t base = head_offset(layer, head);
  const std::size_t tile = base + (pos / detail::kKeyTile) * detail::kKeyTile * head_size_ + pos % detail::kKeyTile;
  const std::size_t row = base + pos * head_size_;
  if (precision_ == CachePrecision::f32) {
    for (std::size_t i = 0; i < head_size_; ++i) keys_f32_[tile + i * detail::kKeyTile] = key[i];
    std::copy_n(value, head_size_, values_f32_.data() + row);
  } else {
    for (std::size_t i = 0; i < head_size_; ++i) keys_bf16_[tile + i * detail::kKeyTile] = io::float_to_bf16(key[i]);
    for (std::size_t i = 0; i < head_size_; ++i) values_bf16_[row + i] = io::float_to_bf16(value[i]);
  }
}

template <>
const float* KvCache::keys<float>(std::size_t layer, std::size_t head) const {
  return keys_f32_.data() + head_offset(layer, head);
}
template <>
const std::uint16_t* KvCache::keys<std::uint16_t>(std::size_t layer, std::size_t head) const {
  return keys_bf16_.data() + head_offset(layer, head);
}
template <>
const float* KvCache::values<float>(std::size_t layer, std::size_t head) const {
  return values_f32_.data() + head_offset(layer, head);
}
template <>
const std::uint16_t* KvCache::values<std::uint16_t>(std::size_t layer, std::size_t head) const {
  return values_bf16_.data() + head_offset(layer, head);
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

void gelu(float* x, std::size_t n) { detail::gelu(x, n); }

TransformerStack TransformerStack::load(const Weights& weights, const TransformerShape& shape,
                                        WeightPrecision precision) {
  if (shape.n_head == 0 || shape.n_embd % shape.n_head != 0)
    fail("'{}': n_embd {} is not a multiple of n_head {}", weights.path(), shape.n_embd, shape.n_head);
  TransformerStack stack;
  stack.shape_ = shape;
  stack.cache_precision_ = precision == WeightPrecision::bf16 ? CachePrecision::bf16 : CachePrecision::f32;
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

namespace {

// Softmax-weighted sum over the first `visible` positions of one head.
template <typename T>
void attend_head_as(const KvCache& cache, std::size_t layer, std::size_t head, const float* q, std::size_t visible,
                    float scale, float* scores, float* out) {
  const std::size_t hs = cache.head_size();
  detail::attention_scores(q, cache.keys<T>(layer, head), hs, visible, scale, scores);
  detail::softmax(scores, visible);
  detail::weighted_values(scores, cache.values<T>(layer, head), hs, visible, out);
}

void attend_head(const KvCache& cache, std::size_t layer, std::size_t head, const float* q, std::size_t visible,
                 float scale, float* scores, float* out) {
  if (cache.precision() == CachePrecision::f32)
    attend_head_as<float>(cache, layer, head, q, visible, scale, scores, out);
  else
    attend_head_as<std::uint16_t>(cache, layer, head, q, visible, scale, scores, out);
}

// Attention reading fewer cache bytes than this per layer runs on the calling
// thread (B2M_GEN_ATTENTION_PARALLEL_MIN_KB overrides, for tuning): below it
// the hand-off costs more than the second thread saves.
std::size_t attention_parallel_min_bytes() {
  static const std::size_t bytes = [] {
    const char* v = std::getenv("B2M_GEN_ATTENTION_PARALLEL_MIN_KB");
    return v ? std::strtoull(v, nullptr, 10) << 10 : std::size_t(256) << 10;
  }();
  return bytes;
}

}  // namespace

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
      const float* row = qkv.data() + r * 3 * c;
      for (std::size_t hd = 0; hd < n_head; ++hd)
        cache.store(li, hd, pos[r], row + c + hd * hs, row + 2 * c + hd * hs);
    }
    // One task per (row, head): independent, so the result is the same at any
    // thread count.
    auto attend = [&](std::size_t begin, std::size_t end) {
      std::vector<float> scores;
      for (std::size_t task = begin; task < end; ++task) {
        std::size_t r = task / n_head, hd = task % n_head;
        const KvCache& cache = *caches[seq[r]];
        std::size_t visible = causal ? pos[r] + 1 : final_length[seq[r]];
        scores.resize(visible + detail::kKeyTile);  // whole tiles are written
        attend_head(cache, li, hd, qkv.data() + r * 3 * c + hd * hs, visible, scale, scores.data(),
                    attn.data() + r * c + hd * hs);
      }
    };
    // Cache bytes this layer's attention reads; small ones stay on this thread.
    std::size_t cache_bytes = 0;
    for (std::size_t r = 0; r < rows; ++r)
      cache_bytes += n_head * (causal ? pos[r] + 1 : final_length[seq[r]]) * hs * 2 *
                     (caches[seq[r]]->precision() == CachePrecision::f32 ? 4 : 2);
    if (cache_bytes < attention_parallel_min_bytes())
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
