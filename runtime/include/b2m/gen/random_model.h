// Writes a complete, randomly initialised generation model directory
// (config.json + safetensors per stage, format of docs/models.md) so that the
// pipeline runs end to end without downloads. Same seed, same files.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "b2m/gen/gpt.h"
#include "b2m/gen/seanet.h"

namespace b2m::gen {

struct RandomModelSpec {
  std::uint64_t seed = 1;
  std::size_t embedding_dim = 128, conditioning_q = 12, conditioning_bins = 64;
  std::size_t semantic_vocab = 64, codebook_size = 64, n_coarse = 2, n_codebooks = 4;
  std::size_t n_layer = 2, n_head = 4, n_embd = 64;
  std::size_t semantic_block = 512, coarse_block = 1024, fine_block = 128;  // up to ~30 s
  std::size_t codec_dimension = 32, codec_filters = 8;
  int sample_rate = 24000;  // with ratios 8,5,4,2: 75 frames per second
};

void write_random_model(const std::string& dir, const RandomModelSpec& spec);

// One causal GPT stage with bark's tensor names (nanoGPT initialisation).
void write_random_gpt(const std::string& path, const GptConfig& config, std::uint64_t seed);

// An EnCodec-style codec (RVQ codebooks + SEANet decoder, weight norm) for
// `config`; returns the config keys to store next to it.
nlohmann::json write_random_codec(const std::string& path, const SeanetConfig& config, std::size_t n_q,
                                  std::size_t bins, std::uint64_t seed);

}  // namespace b2m::gen
