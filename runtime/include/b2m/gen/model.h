// MusicLM-style generation from a model directory (format: docs/models.md):
//
//   auto model = b2m::gen::Model::load("models/tiny");
//   b2m::gen::GenerateOptions opt;  opt.seconds = 5;  opt.seed = 7;
//   b2m::gen::Generated out = model.generate(embedding_128d, opt);
//   // out.waveform (mono float32 at out.sample_rate), out.codes, ...
//
// Stages: conditioning RVQ (embedding -> tokens) -> semantic GPT -> coarse GPT
// (first codebooks) -> fine GPT (remaining codebooks, window by window) ->
// codec RVQ dequantization + SEANet decoder, streamed window by window.
// A seed gives identical tokens and audio whatever the thread count.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "b2m/gen/fine_gpt.h"
#include "b2m/gen/gpt.h"
#include "b2m/gen/rvq.h"
#include "b2m/gen/sampling.h"
#include "b2m/gen/seanet.h"

namespace b2m::gen {

struct GenerateOptions {
  double seconds = 5.0;
  std::uint64_t seed = 0;
  // Per-stage sampling (semantic, coarse, fine); unset: the model's config
  // (MusicLM's 1.0 / 0.95 / 0.4 when the config gives none).
  std::array<std::optional<SamplingOptions>, 3> sampling;
  // > 1: classifier-free guidance on the semantic and coarse stages; unset: config.
  std::optional<float> guidance_scale;
  bool progress = true;  // progress bars per stage (tokens/s)
  // Receives each chunk of audio as soon as it is decoded (streaming).
  std::function<void(std::span<const float> samples)> on_audio;
};

struct Generated {
  int sample_rate = 0;
  std::vector<float> waveform;               // mono
  std::vector<std::int64_t> conditioning;    // n_q conditioning tokens
  std::vector<std::int64_t> semantic;        // semantic tokens (0..vocab-1)
  std::vector<std::int64_t> codes;           // codec codes, n_codebooks x frames, row-major
  std::size_t n_codebooks = 0, frames = 0;
};

class Model {
 public:
  // Reads <dir>/config.json and the safetensors files it names.
  static Model load(const std::string& dir, WeightPrecision precision = WeightPrecision::f32);

  Generated generate(std::span<const float> embedding, const GenerateOptions& options = {}) const;

  // The stages, for callers that run them one by one (the stdlib's stage ops).
  std::vector<std::int64_t> conditioning_tokens(std::span<const float> embedding) const;
  std::vector<std::int64_t> semantic_tokens(std::span<const std::int64_t> conditioning, std::size_t count,
                                            const SamplingOptions& sampling, float guidance, Rng& rng,
                                            bool progress = false) const;
  // Returns n_coarse x frames codes (row-major).
  std::vector<std::int64_t> coarse_codes(std::span<const std::int64_t> conditioning,
                                         std::span<const std::int64_t> semantic, std::size_t frames,
                                         const SamplingOptions& sampling, float guidance, Rng& rng,
                                         bool progress = false) const;
  // Completes n_coarse x frames codes to n_codebooks x frames; `on_window`
  // gets each finished window (n_codebooks x window frames) in order.
  std::vector<std::int64_t> fine_codes(std::span<const std::int64_t> coarse, std::size_t frames,
                                       const SamplingOptions& sampling, Rng& rng, bool progress = false,
                                       const std::function<void(std::span<const std::int64_t>, std::size_t)>&
                                           on_window = {}) const;
  // codes: n x frames (n <= codec codebooks) -> mono waveform.
  std::vector<float> decode(std::span<const std::int64_t> codes, std::size_t n, std::size_t frames) const;

  int sample_rate() const { return sample_rate_; }
  double frame_rate() const { return frame_rate_; }
  double semantic_rate() const { return semantic_rate_; }
  std::size_t embedding_dim() const { return conditioning_.dim(); }
  std::size_t n_codebooks() const { return n_fine_total_; }
  std::size_t n_coarse() const { return n_coarse_; }
  const ResidualVQ& conditioning_rvq() const { return conditioning_; }
  const std::array<SamplingOptions, 3>& default_sampling() const { return default_sampling_; }

 private:
  std::string dir_;
  int sample_rate_ = 24000;
  double frame_rate_ = 75, semantic_rate_ = 25;
  ResidualVQ conditioning_;
  std::shared_ptr<GptModel> semantic_, coarse_;
  std::shared_ptr<FineGptModel> fine_;
  ResidualVQ codec_rvq_;
  std::shared_ptr<SeanetDecoder> decoder_;
  std::size_t semantic_vocab_ = 0, codebook_size_ = 0, n_coarse_ = 0, n_fine_total_ = 0, fine_window_ = 0;
  std::array<SamplingOptions, 3> default_sampling_;
  float guidance_scale_ = 1.0f;
};

}  // namespace b2m::gen
