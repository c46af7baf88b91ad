// The GPT-2 / nanoGPT block stack shared by Bark's causal GPT and its
// non-causal FineGPT: pre-LayerNorm blocks
//   x += c_proj(attention(c_attn(LN1(x))));  x += mlp.c_proj(GELU(mlp.c_fc(LN2(x))))
// then ln_f. Tensor names follow bark: `transformer.h.{i}.ln_1.weight`, ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "b2m/gen/linear.h"
#include "b2m/gen/weights.h"

namespace b2m::gen {

struct TransformerShape {
  std::size_t n_layer = 0, n_head = 0, n_embd = 0, block_size = 0;
  bool linear_bias = true;     // biases of every Linear (c_attn, c_proj, c_fc)
  bool layernorm_bias = true;  // biases of every LayerNorm
};

// How keys and values are stored. bfloat16 halves the bytes attention reads
// per step (a decode step at context 256 reads about a tenth as many cache
// bytes as BF16 weights); scores and sums are still accumulated in float.
enum class CachePrecision { f32, bf16 };

// Keys and values of every position seen so far, per layer and head. Keys are
// kept in tiles of 16 positions, [head_size][16] each, so the scores of 16
// positions are 16 lanes of one vector and a head's keys are read as one
// sequential stream; values are [position][head_size], so the weighted sum is
// a row AXPY. Storage is rounded up to whole tiles.
class KvCache {
 public:
  KvCache() = default;
  explicit KvCache(const TransformerShape& shape, CachePrecision precision = CachePrecision::f32);
  std::size_t length() const { return length_; }
  std::size_t capacity() const { return capacity_; }
  CachePrecision precision() const { return precision_; }
  void clear() { length_ = 0; }

  std::size_t head_size() const { return head_size_; }
  // Writes one position of one head (head_size floats each), rounded to the
  // cache's precision.
  void store(std::size_t layer, std::size_t head, std::size_t pos, const float* key, const float* value);
  // Key (i, pos) of a head is keys(...)[(pos / 16) * 16 * head_size + i * 16 + pos % 16];
  // value (pos, i) is values(...)[pos * head_size + i]. T is float or
  // std::uint16_t (bfloat16 bits) as precision() says.
  template <typename T>
  const T* keys(std::size_t layer, std::size_t head) const;
  template <typename T>
  const T* values(std::size_t layer, std::size_t head) const;

 private:
  friend class TransformerStack;
  std::size_t head_offset(std::size_t layer, std::size_t head) const {
    return (layer * n_head_ + head) * slots_ * head_size_;
  }
  std::size_t n_head_ = 0, head_size_ = 0, capacity_ = 0, slots_ = 0, length_ = 0;
  CachePrecision precision_ = CachePrecision::f32;
  std::vector<float> keys_f32_, values_f32_;            // [layer][head][...]
  std::vector<std::uint16_t> keys_bf16_, values_bf16_;  // the same, bfloat16 bits
};

// The element types keys()/values() exist for (defined in transformer.cpp).
template <>
const float* KvCache::keys<float>(std::size_t layer, std::size_t head) const;
template <>
const std::uint16_t* KvCache::keys<std::uint16_t>(std::size_t layer, std::size_t head) const;
template <>
const float* KvCache::values<float>(std::size_t layer, std::size_t head) const;
template <>
const std::uint16_t* KvCache::values<std::uint16_t>(std::size_t layer, std::size_t head) const;

class TransformerStack {
 public:
  TransformerStack() = default;
  // `weights` is positioned at the model root (names start with "transformer.").
  static TransformerStack load(const Weights& weights, const TransformerShape& shape,
                               WeightPrecision precision);

  const TransformerShape& shape() const { return shape_; }
  // bfloat16 for bfloat16 weights (a precision already chosen over float32
  // accuracy), float32 otherwise.
  CachePrecision cache_precision() const { return cache_precision_; }
  KvCache new_cache() const { return KvCache(shape_, cache_precision_); }
  std::size_t weight_bytes() const;  // bytes of Linear weights read per step

  // Runs the blocks and ln_f in place on x (rows x n_embd). Row r belongs to
  // sequence seq[r] and sits at position pos[r] of that sequence; the rows of
  // one sequence are consecutive positions that continue caches[seq[r]].
  // Causal: a row attends to positions <= its own; otherwise to every
  // position present in its cache after this call (the fine model).
  void run(float* x, std::size_t rows, std::span<const std::size_t> seq,
           std::span<const std::size_t> pos, std::span<KvCache* const> caches, bool causal) const;

 private:
  struct Layer {
    std::vector<float> ln1_w, ln1_b, ln2_w, ln2_b;
    LinearWeight c_attn, attn_proj, c_fc, mlp_proj;
  };
  TransformerShape shape_;
  CachePrecision cache_precision_ = CachePrecision::f32;
  std::vector<Layer> layers_;
  std::vector<float> lnf_w_, lnf_b_;
};

// LayerNorm over the last dimension (eps 1e-5, biased variance), in place.
void layer_norm(float* x, std::size_t rows, std::size_t width, const std::vector<float>& weight,
                const std::vector<float>& bias);
// GELU in its erf form, in place (erf to within 1.5e-7, vectorised).
void gelu(float* x, std::size_t n);

}  // namespace b2m::gen
