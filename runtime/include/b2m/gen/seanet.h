// The SEANet decoder of EnCodec (encodec.modules.seanet.SEANetDecoder), built
// from the constructor arguments in a config (the keys of the fixtures'
// config.json) and the state_dict tensor names "decoder.model.{idx}...":
//   conv(dimension -> 2^len(ratios) * n_filters, kernel_size) [, SLSTM(lstm layers)]
//   for each ratio r: ELU, convtr(k = 2r, stride r, channels halve),
//                     n_residual_layers x resnet block (kernel residual_kernel_size,
//                     dilation dilation_base^j, hidden dim/compress, shortcut 1x1 conv
//                     or identity when true_skip)
//   ELU, conv(n_filters -> channels, last_kernel_size) [, final activation]
// Norms: "weight_norm" (weight_g/weight_v folded at load) or "none".
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "b2m/gen/codec_layers.h"

namespace b2m::gen {

struct SeanetConfig {
  std::size_t channels = 1, dimension = 128, n_filters = 32, n_residual_layers = 1;
  std::vector<std::size_t> ratios = {8, 5, 4, 2};
  std::size_t kernel_size = 7, last_kernel_size = 7, residual_kernel_size = 3, dilation_base = 2;
  std::size_t compress = 2, lstm = 2;
  bool causal = false, true_skip = false;
  std::string norm = "weight_norm", pad_mode = "reflect";
  float elu_alpha = 1.0f;
  std::string final_activation;  // "" or "Tanh"
  double trim_right_ratio = 1.0;

  std::size_t hop_length() const;
  static SeanetConfig from_json(const nlohmann::json& j, const std::string& where);
};

class SeanetDecoder {
 public:
  // `weights` positioned so that names start with "model." (e.g. under("decoder.")).
  static SeanetDecoder load(const Weights& weights, const SeanetConfig& config);
  const SeanetConfig& config() const { return config_; }

  // A decoder with empty state, for one stream (latent chunks in, samples out).
  std::unique_ptr<StreamLayer> new_stream() const { return blueprint_->fresh(); }
  // latent: dimension x T -> channels x T*hop.
  Signal decode(const Signal& latent) const;
  // Output of each top-level layer "model.{idx}" for `latent` (for debugging and tests).
  std::vector<Signal> decode_layer_by_layer(const Signal& latent) const;

 private:
  SeanetConfig config_;
  std::shared_ptr<StreamingSequence> blueprint_;
};

}  // namespace b2m::gen
