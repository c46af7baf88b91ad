#include "b2m/gen/random_model.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "b2m/gen/safetensors.h"
#include "b2m/gen/gpt.h"
#include "b2m/gen/seanet.h"
#include "b2m/gen/sampling.h"
#include "b2m/io/atomic_file.h"
#include "b2m/runtime/error.h"

namespace b2m::gen {

namespace {


class Init {
 public:
  explicit Init(std::uint64_t seed) : rng_(seed) {}
  // Normal(0, std) through Box-Muller on the portable generator.
  std::vector<float> normal(std::size_t n, double std) {
    std::vector<float> v(n);
    for (auto& x : v) {
      double u1 = std::max(rng_.uniform(), 1e-300), u2 = rng_.uniform();
      x = static_cast<float>(std * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    }
    return v;
  }
  std::vector<float> uniform(std::size_t n, double bound) {
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>((2.0 * rng_.uniform() - 1.0) * bound);
    return v;
  }

 private:
  gen::Rng rng_;
};

std::size_t product(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

void add(std::vector<TensorToWrite>& out, const std::string& name, std::vector<std::size_t> shape,
         const std::vector<float>& values) {
  out.push_back(gen::make_tensor(name, std::move(shape), values));
}

// bark.model.GPT / FineGPT transformer blocks (nanoGPT init: N(0, 0.02), LayerNorm 1/0).
void add_blocks(std::vector<TensorToWrite>& t, Init& init, std::size_t layers, std::size_t c) {
  for (std::size_t i = 0; i < layers; ++i) {
    std::string p = "transformer.h." + std::to_string(i) + ".";
    for (const char* ln : {"ln_1", "ln_2"}) {
      add(t, p + ln + ".weight", {c}, std::vector<float>(c, 1.0f));
      add(t, p + ln + ".bias", {c}, std::vector<float>(c, 0.0f));
    }
    double proj_std = 0.02 / std::sqrt(2.0 * double(layers));
    add(t, p + "attn.c_attn.weight", {3 * c, c}, init.normal(3 * c * c, 0.02));
    add(t, p + "attn.c_attn.bias", {3 * c}, std::vector<float>(3 * c, 0.0f));
    add(t, p + "attn.c_proj.weight", {c, c}, init.normal(c * c, proj_std));
    add(t, p + "attn.c_proj.bias", {c}, std::vector<float>(c, 0.0f));
    add(t, p + "mlp.c_fc.weight", {4 * c, c}, init.normal(4 * c * c, 0.02));
    add(t, p + "mlp.c_fc.bias", {4 * c}, std::vector<float>(4 * c, 0.0f));
    add(t, p + "mlp.c_proj.weight", {c, 4 * c}, init.normal(4 * c * c, proj_std));
    add(t, p + "mlp.c_proj.bias", {c}, std::vector<float>(c, 0.0f));
  }
  add(t, "transformer.ln_f.weight", {c}, std::vector<float>(c, 1.0f));
  add(t, "transformer.ln_f.bias", {c}, std::vector<float>(c, 0.0f));
}

nlohmann::json gpt_json(std::size_t layers, std::size_t heads, std::size_t c, std::size_t block, std::size_t in,
                        std::size_t out) {
  return {{"n_layer", layers}, {"n_head", heads}, {"n_embd", c}, {"block_size", block},
          {"input_vocab_size", in}, {"output_vocab_size", out}, {"bias", true}};
}

// A conv with weight norm, PyTorch's default fan-in scale; g = ||v|| per output.
void add_conv(std::vector<TensorToWrite>& t, Init& init, const std::string& prefix, std::vector<std::size_t> shape,
              std::size_t fan_in, std::size_t bias_size) {
  auto v = init.uniform(product(shape), 1.0 / std::sqrt(double(fan_in)));
  std::size_t rows = shape[0], per = v.size() / rows;
  std::vector<float> g(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (std::size_t i = 0; i < per; ++i) sum += double(v[r * per + i]) * v[r * per + i];
    g[r] = static_cast<float>(std::sqrt(sum));
  }
  std::vector<std::size_t> g_shape(shape.size(), 1);
  g_shape[0] = rows;
  add(t, prefix + "weight_g", g_shape, g);
  add(t, prefix + "weight_v", shape, v);
  add(t, prefix + "bias", {bias_size}, init.uniform(bias_size, 1.0 / std::sqrt(double(fan_in))));
}

}  // namespace

void write_random_gpt(const std::string& path, const GptConfig& c, std::uint64_t seed) {
  Init init(seed);
  std::vector<TensorToWrite> t;
  add(t, "transformer.wte.weight", {c.input_vocab_size, c.n_embd}, init.normal(c.input_vocab_size * c.n_embd, 0.02));
  add(t, "transformer.wpe.weight", {c.block_size, c.n_embd}, init.normal(c.block_size * c.n_embd, 0.02));
  add_blocks(t, init, c.n_layer, c.n_embd);
  add(t, "lm_head.weight", {c.output_vocab_size, c.n_embd}, init.normal(c.output_vocab_size * c.n_embd, 0.02));
  gen::write_safetensors(path, t, {{"format", "pt"}, {"source", "b2m random GPT"}});
}

nlohmann::json write_random_codec(const std::string& path, const SeanetConfig& s, std::size_t n_q, std::size_t bins,
                                  std::uint64_t seed) {
  Init init(seed);
  std::vector<TensorToWrite> t;
  for (std::size_t q = 0; q < n_q; ++q)
    add(t, "quantizer.vq.layers." + std::to_string(q) + "._codebook.embed", {bins, s.dimension},
        init.normal(bins * s.dimension, 1.0));
  std::size_t width = s.n_filters << s.ratios.size();
  std::size_t idx = 0;
  auto name = [&](std::size_t i) { return "decoder.model." + std::to_string(i); };
  add_conv(t, init, name(idx++) + ".conv.conv.", {width, s.dimension, s.kernel_size}, s.dimension * s.kernel_size, width);
  if (s.lstm > 0) {
    std::string lstm = name(idx++) + ".lstm.";
    for (std::size_t k = 0; k < s.lstm; ++k) {
      std::string l = "_l" + std::to_string(k);
      double bound = 1.0 / std::sqrt(double(width));
      add(t, lstm + "weight_ih" + l, {4 * width, width}, init.uniform(4 * width * width, bound));
      add(t, lstm + "weight_hh" + l, {4 * width, width}, init.uniform(4 * width * width, bound));
      add(t, lstm + "bias_ih" + l, {4 * width}, init.uniform(4 * width, bound));
      add(t, lstm + "bias_hh" + l, {4 * width}, init.uniform(4 * width, bound));
    }
  }
  for (std::size_t r : s.ratios) {
    ++idx;  // ELU
    add_conv(t, init, name(idx++) + ".convtr.convtr.", {width, width / 2, 2 * r}, width * 2, width / 2);
    width /= 2;
    for (std::size_t j = 0; j < s.n_residual_layers; ++j) {
      std::string b = name(idx++);
      std::size_t hidden = width / s.compress;
      add_conv(t, init, b + ".block.1.conv.conv.", {hidden, width, s.residual_kernel_size},
               width * s.residual_kernel_size, hidden);
      add_conv(t, init, b + ".block.3.conv.conv.", {width, hidden, 1}, hidden, width);
      if (!s.true_skip) add_conv(t, init, b + ".shortcut.conv.conv.", {width, width, 1}, width, width);
    }
  }
  ++idx;  // ELU
  add_conv(t, init, name(idx++) + ".conv.conv.", {s.channels, s.n_filters, s.last_kernel_size},
           s.n_filters * s.last_kernel_size, s.channels);
  gen::write_safetensors(path, t, {{"format", "pt"}, {"source", "b2m random codec"}});
  nlohmann::json ratios = s.ratios;
  return {{"channels", s.channels}, {"dimension", s.dimension}, {"n_filters", s.n_filters},
          {"n_residual_layers", s.n_residual_layers}, {"ratios", ratios}, {"activation", "ELU"},
          {"activation_params", {{"alpha", s.elu_alpha}}},
          {"final_activation", s.final_activation.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.final_activation)},
          {"norm", "weight_norm"}, {"kernel_size", s.kernel_size}, {"last_kernel_size", s.last_kernel_size},
          {"residual_kernel_size", s.residual_kernel_size}, {"dilation_base", s.dilation_base},
          {"causal", s.causal}, {"pad_mode", s.pad_mode}, {"true_skip", s.true_skip}, {"compress", s.compress},
          {"lstm", s.lstm}, {"trim_right_ratio", s.trim_right_ratio}, {"n_q", n_q}, {"bins", bins}};
}

void write_random_model(const std::string& dir, const RandomModelSpec& s) {
  std::filesystem::create_directories(dir);
  Init init(s.seed);
  {
    std::vector<TensorToWrite> t;
    for (std::size_t q = 0; q < s.conditioning_q; ++q)
      add(t, "quantizer.vq.layers." + std::to_string(q) + "._codebook.embed", {s.conditioning_bins, s.embedding_dim},
          init.normal(s.conditioning_bins * s.embedding_dim, 1.0 / std::sqrt(double(q + 1))));
    gen::write_safetensors(dir + "/conditioning.safetensors", t);
  }
  std::size_t cond = s.conditioning_q * s.conditioning_bins;
  std::size_t sem_in = s.semantic_vocab + cond + 1;
  write_random_gpt(dir + "/semantic.safetensors",
                   {s.n_layer, s.n_head, s.n_embd, s.semantic_block, sem_in, s.semantic_vocab, true}, s.seed + 1);
  std::size_t acoustic = s.n_coarse * s.codebook_size;
  std::size_t coarse_in = acoustic + s.semantic_vocab + cond + 1;
  write_random_gpt(dir + "/coarse.safetensors",
                   {s.n_layer, s.n_head, s.n_embd, s.coarse_block, coarse_in, acoustic, true}, s.seed + 2);
  {
    std::vector<TensorToWrite> t;
    std::size_t in = s.codebook_size + 1, out = s.codebook_size, c = s.n_embd;
    for (std::size_t j = 0; j < s.n_codebooks; ++j)
      add(t, "transformer.wtes." + std::to_string(j) + ".weight", {in, c}, init.normal(in * c, 0.02));
    add(t, "transformer.wpe.weight", {s.fine_block, c}, init.normal(s.fine_block * c, 0.02));
    add_blocks(t, init, s.n_layer, c);
    for (std::size_t k = 0; k < s.n_codebooks - s.n_coarse; ++k)
      add(t, "lm_heads." + std::to_string(k) + ".weight", {out, c}, init.normal(out * c, 0.02));
    gen::write_safetensors(dir + "/fine.safetensors", t);
  }
  SeanetConfig codec;
  codec.dimension = s.codec_dimension;
  codec.n_filters = s.codec_filters;
  codec.causal = true;
  codec.final_activation = "Tanh";  // keeps random weights' output within [-1, 1]
  nlohmann::json seanet = write_random_codec(dir + "/codec.safetensors", codec, s.n_codebooks, s.codebook_size, s.seed + 3);

  nlohmann::json config = {
      {"format", "b2m-musiclm"},
      {"version", 1},
      {"description", "randomly initialised by b2m-make-model (seed " + std::to_string(s.seed) +
                          "): produces structured noise, not music"},
      {"sample_rate", s.sample_rate},
      {"guidance_scale", 1.0},
      {"conditioning",
       {{"weights", "conditioning.safetensors"}, {"n_q", s.conditioning_q}, {"bins", s.conditioning_bins},
        {"dim", s.embedding_dim}}},
      {"semantic",
       {{"weights", "semantic.safetensors"}, {"vocab_size", s.semantic_vocab}, {"tokens_per_second", 25},
        {"gpt", gpt_json(s.n_layer, s.n_head, s.n_embd, s.semantic_block, sem_in, s.semantic_vocab)},
        {"sampling", {{"temperature", 1.0}, {"top_k", 0}, {"top_p", 1.0}}}}},
      {"coarse",
       {{"weights", "coarse.safetensors"}, {"n_codebooks", s.n_coarse},
        {"gpt", gpt_json(s.n_layer, s.n_head, s.n_embd, s.coarse_block, coarse_in, acoustic)},
        {"sampling", {{"temperature", 0.95}, {"top_k", 0}, {"top_p", 1.0}}}}},
      {"fine",
       {{"weights", "fine.safetensors"},
        {"fine_gpt",
         {{"n_layer", s.n_layer}, {"n_head", s.n_head}, {"n_embd", s.n_embd}, {"block_size", s.fine_block},
          {"input_vocab_size", s.codebook_size + 1}, {"output_vocab_size", s.codebook_size},
          {"n_codes_total", s.n_codebooks}, {"n_codes_given", s.n_coarse}, {"bias", true}}},
        {"window_frames", s.fine_block},
        {"sampling", {{"temperature", 0.4}, {"top_k", 0}, {"top_p", 1.0}}}}},
      {"codec",
       {{"weights", "codec.safetensors"}, {"n_q", s.n_codebooks}, {"bins", s.codebook_size}, {"seanet", seanet}}},
  };
  std::string text = config.dump(2) + "\n";
  std::span<const std::byte> piece = std::as_bytes(std::span(text));
  io::write_bytes_atomically(dir + "/config.json", std::span(&piece, 1));
}

}  // namespace b2m::gen
