#include <cmath>

#include "b2m/gen/seanet.h"
#include "b2m/runtime/error.h"
#include "config_json.h"

namespace b2m::gen {

std::size_t SeanetConfig::hop_length() const {
  std::size_t hop = 1;
  for (auto r : ratios) hop *= r;
  return hop;
}

SeanetConfig SeanetConfig::from_json(const nlohmann::json& j, const std::string& where) {
  SeanetConfig c;
  using namespace detail;
  c.channels = get_size_or(j, "channels", c.channels, where);
  c.dimension = get_size_or(j, "dimension", c.dimension, where);
  c.n_filters = get_size_or(j, "n_filters", c.n_filters, where);
  c.n_residual_layers = get_size_or(j, "n_residual_layers", c.n_residual_layers, where);
  if (j.contains("ratios")) {
    if (!j["ratios"].is_array() || j["ratios"].empty()) fail("{}: 'ratios' must be a non-empty array", where);
    c.ratios.clear();
    for (const auto& r : j["ratios"]) {
      if (!r.is_number_integer() || r.get<std::int64_t>() <= 0) fail("{}: 'ratios' must be positive integers", where);
      c.ratios.push_back(r.get<std::size_t>());
    }
  }
  c.kernel_size = get_size_or(j, "kernel_size", c.kernel_size, where);
  c.last_kernel_size = get_size_or(j, "last_kernel_size", c.last_kernel_size, where);
  c.residual_kernel_size = get_size_or(j, "residual_kernel_size", c.residual_kernel_size, where);
  c.dilation_base = get_size_or(j, "dilation_base", c.dilation_base, where);
  c.compress = get_size_or(j, "compress", c.compress, where);
  c.lstm = get_size_or(j, "lstm", c.lstm, where);
  c.causal = get_bool_or(j, "causal", c.causal, where);
  c.true_skip = get_bool_or(j, "true_skip", c.true_skip, where);
  c.norm = get_string_or(j, "norm", c.norm, where);
  c.pad_mode = get_string_or(j, "pad_mode", c.pad_mode, where);
  c.trim_right_ratio = get_number_or(j, "trim_right_ratio", c.trim_right_ratio, where);
  c.final_activation = get_string_or(j, "final_activation", "", where);
  std::string activation = get_string_or(j, "activation", "ELU", where);
  if (activation != "ELU") fail("{}: activation '{}' is not supported (only ELU)", where, activation);
  if (j.contains("activation_params") && j["activation_params"].is_object())
    c.elu_alpha = static_cast<float>(get_number_or(j["activation_params"], "alpha", 1.0, where));
  if (c.norm != "weight_norm" && c.norm != "none")
    fail("{}: norm '{}' is not supported (weight_norm or none)", where, c.norm);
  if (!c.final_activation.empty() && c.final_activation != "Tanh")
    fail("{}: final_activation '{}' is not supported (null or Tanh)", where, c.final_activation);
  if (c.compress == 0) fail("{}: compress must be positive", where);
  std::size_t mult = std::size_t(1) << c.ratios.size();
  if (c.n_filters * mult / 2 / c.compress == 0) fail("{}: n_filters too small for the ratios", where);
  parse_pad_mode(c.pad_mode);
  return c;
}

namespace {

struct Builder {
  const Weights& w;
  const SeanetConfig& c;
  PadMode pad_mode;

  std::unique_ptr<StreamLayer> conv(const std::string& prefix, std::size_t in, std::size_t out, std::size_t kernel,
                                    std::size_t dilation) const {
    Tensor weight = w.get_folding_weight_norm(prefix + ".conv.conv.weight", {out, in, kernel});
    std::vector<float> bias = w.get(prefix + ".conv.conv.bias", {out}).values;
    ConvSpec spec{in, out, kernel, dilation, c.causal, pad_mode};
    return std::make_unique<StreamingConv1d>(spec, weight, bias);
  }
  std::unique_ptr<StreamLayer> elu() const {
    return std::make_unique<StreamingActivation>(Activation::elu, c.elu_alpha);
  }
};

}  // namespace

SeanetDecoder SeanetDecoder::load(const Weights& weights, const SeanetConfig& config) {
  SeanetDecoder d;
  d.config_ = config;
  Builder b{weights, config, parse_pad_mode(config.pad_mode)};
  auto seq = std::make_shared<StreamingSequence>();
  std::size_t idx = 0;
  auto name = [&](std::size_t i) { return "model." + std::to_string(i); };
  std::size_t mult = std::size_t(1) << config.ratios.size();
  std::size_t width = mult * config.n_filters;
  seq->add(b.conv(name(idx++), config.dimension, width, config.kernel_size, 1));
  if (config.lstm > 0)
    seq->add(std::make_unique<StreamingLstm>(weights.under(name(idx++) + ".lstm."), width, config.lstm));
  for (std::size_t ratio : config.ratios) {
    seq->add(b.elu());
    ++idx;
    std::string p = name(idx++) + ".convtr.convtr.";
    std::size_t out = width / 2;
    Tensor wt = weights.get_folding_weight_norm(p + "weight", {width, out, 2 * ratio});
    std::vector<float> bias = weights.get(p + "bias", {out}).values;
    seq->add(std::make_unique<StreamingConvTranspose1d>(width, out, 2 * ratio, ratio, config.causal,
                                                        config.trim_right_ratio, wt, bias));
    width = out;
    for (std::size_t j = 0; j < config.n_residual_layers; ++j) {
      std::string r = name(idx++);
      std::size_t hidden = width / config.compress;
      auto block = std::make_unique<StreamingSequence>();
      std::size_t dilation = static_cast<std::size_t>(std::pow(double(config.dilation_base), double(j)));
      block->add(b.elu());
      block->add(b.conv(r + ".block.1", width, hidden, config.residual_kernel_size, dilation));
      block->add(b.elu());
      block->add(b.conv(r + ".block.3", hidden, width, 1, 1));
      std::unique_ptr<StreamLayer> shortcut;
      if (!config.true_skip) shortcut = b.conv(r + ".shortcut", width, width, 1, 1);
      seq->add(std::make_unique<StreamingResidual>(std::move(block), std::move(shortcut)));
    }
  }
  seq->add(b.elu());
  ++idx;
  seq->add(b.conv(name(idx++), config.n_filters, config.channels, config.last_kernel_size, 1));
  if (config.final_activation == "Tanh") seq->add(std::make_unique<StreamingActivation>(Activation::tanh));
  d.blueprint_ = std::move(seq);
  return d;
}

Signal SeanetDecoder::decode(const Signal& latent) const {
  if (latent.rows() != static_cast<Eigen::Index>(config_.dimension))
    fail("seanet decoder: latent has {} channels, expected {}", latent.rows(), config_.dimension);
  auto stream = new_stream();
  return run_whole(*stream, latent);
}

std::vector<Signal> SeanetDecoder::decode_layer_by_layer(const Signal& latent) const {
  auto stream = new_stream();
  auto& seq = static_cast<StreamingSequence&>(*stream);
  std::vector<Signal> outputs;
  Signal x = latent;
  for (std::size_t i = 0; i < seq.size(); ++i) {
    x = run_whole(seq.layer(i), x);
    outputs.push_back(x);
  }
  return outputs;
}

}  // namespace b2m::gen
