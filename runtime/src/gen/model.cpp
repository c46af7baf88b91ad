// Loading a model directory and wiring the stages (token layout: docs/models.md).
#include "b2m/gen/model.h"

#include <cmath>
#include <fstream>

#include "b2m/gen/autoregressive.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"
#include "config_json.h"

namespace b2m::gen {

namespace {

SamplingOptions read_sampling(const nlohmann::json& stage, SamplingOptions fallback, const std::string& where) {
  if (!stage.contains("sampling")) return fallback;
  const auto& s = stage["sampling"];
  SamplingOptions o = fallback;
  o.temperature = static_cast<float>(detail::get_number_or(s, "temperature", o.temperature, where));
  o.top_k = detail::get_size_or(s, "top_k", o.top_k, where);
  o.top_p = static_cast<float>(detail::get_number_or(s, "top_p", o.top_p, where));
  return o;
}

Weights open_weights(const std::string& dir, const nlohmann::json& stage, const std::string& where) {
  return Weights::open(dir + "/" + detail::get_string_or(stage, "weights", "", where));
}

// Layout of the causal stages' shared vocabulary (see docs/models.md).
struct Layout {
  std::size_t acoustic = 0;      // n_coarse * codebook_size acoustic tokens first (coarse stage only)
  std::size_t semantic = 0;      // then the semantic tokens
  std::size_t conditioning = 0;  // then n_q * bins conditioning tokens
  std::size_t size() const { return acoustic + semantic + conditioning + 1; }  // + separator
  std::size_t semantic_offset() const { return acoustic; }
  std::size_t conditioning_offset() const { return acoustic + semantic; }
  std::size_t separator() const { return acoustic + semantic + conditioning; }
};

}  // namespace

Model Model::load(const std::string& dir, WeightPrecision precision) {
  std::string config_path = dir + "/config.json";
  std::ifstream in(config_path);
  if (!in) fail("cannot open model config '{}'", config_path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail("'{}' is not valid JSON: {}", config_path, e.what());
  }
  const std::string& where = config_path;
  Model m;
  m.dir_ = dir;
  m.sample_rate_ = static_cast<int>(detail::get_size(j, "sample_rate", where));
  m.guidance_scale_ = static_cast<float>(detail::get_number_or(j, "guidance_scale", 1.0, where));

  const auto& cond = detail::require(j, "conditioning", where);
  std::size_t cond_q = detail::get_size(cond, "n_q", where), cond_bins = detail::get_size(cond, "bins", where);
  m.conditioning_ = ResidualVQ::load(open_weights(dir, cond, where), cond_q, cond_bins,
                                     detail::get_size(cond, "dim", where),
                                     detail::get_string_or(cond, "tensor_prefix", "quantizer.vq.layers.", where),
                                     detail::get_string_or(cond, "tensor_suffix", "._codebook.embed", where));

  const auto& codec = detail::require(j, "codec", where);
  SeanetConfig seanet = SeanetConfig::from_json(detail::require(codec, "seanet", where), where + " codec.seanet");
  Weights codec_w = open_weights(dir, codec, where);
  m.codebook_size_ = detail::get_size(codec, "bins", where);
  std::size_t codec_q = detail::get_size(codec, "n_q", where);
  m.codec_rvq_ = ResidualVQ::load(codec_w, codec_q, m.codebook_size_, seanet.dimension);
  m.decoder_ = std::make_shared<SeanetDecoder>(SeanetDecoder::load(codec_w.under("decoder."), seanet));
  m.frame_rate_ = double(m.sample_rate_) / double(seanet.hop_length());

  const auto& sem = detail::require(j, "semantic", where);
  m.semantic_vocab_ = detail::get_size(sem, "vocab_size", where);
  m.semantic_rate_ = detail::get_number_or(sem, "tokens_per_second", 25.0, where);
  GptConfig sem_cfg = GptConfig::from_json(detail::require(sem, "gpt", where), where + " semantic.gpt");
  Layout sem_layout{0, m.semantic_vocab_, cond_q * cond_bins};
  if (sem_cfg.input_vocab_size < sem_layout.size() || sem_cfg.output_vocab_size < m.semantic_vocab_)
    fail("{}: the semantic stage needs input_vocab_size >= {} (semantic + conditioning + separator) and "
         "output_vocab_size >= {}",
         where, sem_layout.size(), m.semantic_vocab_);
  m.semantic_ = std::make_shared<GptModel>(GptModel::load(open_weights(dir, sem, where), sem_cfg, precision));

  const auto& coarse = detail::require(j, "coarse", where);
  m.n_coarse_ = detail::get_size(coarse, "n_codebooks", where);
  GptConfig coarse_cfg = GptConfig::from_json(detail::require(coarse, "gpt", where), where + " coarse.gpt");
  Layout coarse_layout{m.n_coarse_ * m.codebook_size_, m.semantic_vocab_, cond_q * cond_bins};
  if (coarse_cfg.input_vocab_size < coarse_layout.size() || coarse_cfg.output_vocab_size < coarse_layout.acoustic)
    fail("{}: the coarse stage needs input_vocab_size >= {} (acoustic + semantic + conditioning + separator) "
         "and output_vocab_size >= {}",
         where, coarse_layout.size(), coarse_layout.acoustic);
  m.coarse_ = std::make_shared<GptModel>(GptModel::load(open_weights(dir, coarse, where), coarse_cfg, precision));

  const auto& fine = detail::require(j, "fine", where);
  FineGptConfig fine_cfg = FineGptConfig::from_json(detail::require(fine, "fine_gpt", where), where + " fine.fine_gpt");
  if (fine_cfg.n_codes_given != m.n_coarse_)
    fail("{}: fine n_codes_given ({}) must equal coarse n_codebooks ({})", where, fine_cfg.n_codes_given, m.n_coarse_);
  if (fine_cfg.n_codes_total > codec_q)
    fail("{}: fine n_codes_total ({}) exceeds the codec's n_q ({})", where, fine_cfg.n_codes_total, codec_q);
  if (fine_cfg.input_vocab_size < m.codebook_size_ + 1 || fine_cfg.output_vocab_size < m.codebook_size_)
    fail("{}: the fine stage needs input_vocab_size >= {} (codes + padding) and output_vocab_size >= {}", where,
         m.codebook_size_ + 1, m.codebook_size_);
  m.n_fine_total_ = fine_cfg.n_codes_total;
  m.fine_window_ = detail::get_size_or(fine, "window_frames", fine_cfg.block_size, where);
  if (m.fine_window_ == 0 || m.fine_window_ > fine_cfg.block_size)
    fail("{}: fine window_frames must be in 1..block_size ({})", where, fine_cfg.block_size);
  m.fine_ = std::make_shared<FineGptModel>(FineGptModel::load(open_weights(dir, fine, where), fine_cfg, precision));

  // MusicLM's stage temperatures unless the config says otherwise.
  m.default_sampling_ = {read_sampling(sem, {1.0f, 0, 1.0f}, where), read_sampling(coarse, {0.95f, 0, 1.0f}, where),
                         read_sampling(fine, {0.4f, 0, 1.0f}, where)};
  return m;
}

std::vector<std::int64_t> Model::conditioning_tokens(std::span<const float> embedding) const {
  if (embedding.size() != conditioning_.dim())
    fail("model '{}': embedding has {} values, the conditioning quantizer expects {}", dir_, embedding.size(),
         conditioning_.dim());
  return conditioning_.quantize(embedding);
}

std::vector<std::int64_t> Model::semantic_tokens(std::span<const std::int64_t> conditioning, std::size_t count,
                                                 const SamplingOptions& sampling, float guidance, Rng& rng,
                                                 bool progress) const {
  Layout layout{0, semantic_vocab_, conditioning_.n_q() * conditioning_.bins()};
  ContinuationRequest request;
  for (std::size_t q = 0; q < conditioning.size(); ++q)
    request.prefix.push_back(static_cast<std::int64_t>(layout.conditioning_offset() + q * conditioning_.bins()) +
                             conditioning[q]);
  request.prefix.push_back(static_cast<std::int64_t>(layout.separator()));
  request.uncond_prefix = {static_cast<std::int64_t>(layout.separator())};
  request.count = count;
  request.range = [&](std::size_t) { return TokenRange{0, semantic_vocab_}; };
  request.sampling = sampling;
  request.guidance_scale = guidance;
  std::optional<Progress> bar;
  if (progress) bar.emplace("semantic", count, "tok");
  request.on_token = [&](std::size_t) {
    if (bar) bar->advance();
  };
  auto tokens = generate_continuation(*semantic_, request, rng);
  if (bar) bar->finish();
  return tokens;
}

std::vector<std::int64_t> Model::coarse_codes(std::span<const std::int64_t> conditioning,
                                              std::span<const std::int64_t> semantic, std::size_t frames,
                                              const SamplingOptions& sampling, float guidance, Rng& rng,
                                              bool progress) const {
  Layout layout{n_coarse_ * codebook_size_, semantic_vocab_, conditioning_.n_q() * conditioning_.bins()};
  ContinuationRequest request;
  for (std::size_t q = 0; q < conditioning.size(); ++q)
    request.prefix.push_back(static_cast<std::int64_t>(layout.conditioning_offset() + q * conditioning_.bins()) +
                             conditioning[q]);
  for (auto s : semantic) {
    request.prefix.push_back(static_cast<std::int64_t>(layout.semantic_offset()) + s);
    request.uncond_prefix.push_back(static_cast<std::int64_t>(layout.semantic_offset()) + s);
  }
  request.prefix.push_back(static_cast<std::int64_t>(layout.separator()));
  request.uncond_prefix.push_back(static_cast<std::int64_t>(layout.separator()));
  request.count = frames * n_coarse_;
  // Frames are flattened codebook by codebook (row-major, as AudioLM): token i
  // belongs to codebook i % n_coarse, whose codes occupy one block of the vocabulary.
  request.range = [&](std::size_t i) { return TokenRange{(i % n_coarse_) * codebook_size_, codebook_size_}; };
  request.sampling = sampling;
  request.guidance_scale = guidance;
  std::optional<Progress> bar;
  if (progress) bar.emplace("coarse", request.count, "tok");
  request.on_token = [&](std::size_t) {
    if (bar) bar->advance();
  };
  auto flat = generate_continuation(*coarse_, request, rng);
  if (bar) bar->finish();
  std::vector<std::int64_t> codes(n_coarse_ * frames);
  for (std::size_t i = 0; i < flat.size(); ++i) {
    std::size_t q = i % n_coarse_, t = i / n_coarse_;
    codes[q * frames + t] = flat[i] - static_cast<std::int64_t>(q * codebook_size_);
  }
  return codes;
}

std::vector<std::int64_t> Model::fine_codes(
    std::span<const std::int64_t> coarse, std::size_t frames, const SamplingOptions& sampling, Rng& rng,
    bool progress, const std::function<void(std::span<const std::int64_t>, std::size_t)>& on_window) const {
  if (coarse.size() != n_coarse_ * frames)
    fail("model '{}': {} coarse codes for {} codebooks x {} frames", dir_, coarse.size(), n_coarse_, frames);
  const std::size_t total = n_fine_total_, vocab = fine_->config().output_vocab_size;
  std::vector<std::int64_t> codes(total * frames);
  std::optional<Progress> bar;
  if (progress) bar.emplace("fine", frames * (total - n_coarse_), "tok");
  for (std::size_t start = 0; start < frames; start += fine_window_) {
    std::size_t n = std::min(fine_window_, frames - start);
    // Frame-major input for the fine model; codebooks not yet predicted hold the padding code.
    std::vector<std::int64_t> window(n * total, static_cast<std::int64_t>(codebook_size_));
    for (std::size_t q = 0; q < n_coarse_; ++q)
      for (std::size_t t = 0; t < n; ++t) window[t * total + q] = coarse[q * frames + start + t];
    for (std::size_t pred = n_coarse_; pred < total; ++pred) {
      auto logits = fine_->forward(pred, window, n);
      for (std::size_t t = 0; t < n; ++t)
        window[t * total + pred] = sample_token(std::span<const float>(logits.data() + t * vocab, codebook_size_), sampling, rng);
      if (bar) bar->advance(n);
    }
    std::vector<std::int64_t> chunk(total * n);
    for (std::size_t q = 0; q < total; ++q)
      for (std::size_t t = 0; t < n; ++t) {
        codes[q * frames + start + t] = window[t * total + q];
        chunk[q * n + t] = window[t * total + q];
      }
    if (on_window) on_window(chunk, n);
  }
  if (bar) bar->finish();
  return codes;
}

std::vector<float> Model::decode(std::span<const std::int64_t> codes, std::size_t n, std::size_t frames) const {
  Signal wav = decoder_->decode(codec_rvq_.dequantize(codes, n, frames));
  return std::vector<float>(wav.data(), wav.data() + wav.size());  // one channel: contiguous
}

Generated Model::generate(std::span<const float> embedding, const GenerateOptions& options) const {
  if (!(options.seconds > 0.0)) fail("generate: seconds must be positive, got {}", options.seconds);
  if (decoder_->config().channels != 1) fail("generate: only mono codecs are supported");
  Generated out;
  out.sample_rate = sample_rate_;
  out.n_codebooks = n_fine_total_;
  out.frames = static_cast<std::size_t>(std::llround(options.seconds * frame_rate_));
  std::size_t n_semantic = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(options.seconds * semantic_rate_)));
  if (out.frames == 0) fail("generate: {} s is shorter than one codec frame", options.seconds);
  SamplingOptions sampling[3];
  for (int s = 0; s < 3; ++s) sampling[s] = options.sampling[s].value_or(default_sampling_[s]);
  float guidance = options.guidance_scale.value_or(guidance_scale_);

  out.conditioning = conditioning_tokens(embedding);
  Rng semantic_rng(stage_seed(options.seed, 0)), coarse_rng(stage_seed(options.seed, 1)),
      fine_rng(stage_seed(options.seed, 2));
  out.semantic = semantic_tokens(out.conditioning, n_semantic, sampling[0], guidance, semantic_rng, options.progress);
  auto coarse = coarse_codes(out.conditioning, out.semantic, out.frames, sampling[1], guidance, coarse_rng,
                             options.progress);
  // The codec decodes each fine window as soon as it is complete.
  auto stream = decoder_->new_stream();
  std::optional<Progress> bar;
  if (options.progress) bar.emplace("decode", out.frames, "frame");
  auto emit = [&](const Signal& wav) {
    if (wav.cols() == 0) return;
    std::span<const float> samples(wav.data(), static_cast<std::size_t>(wav.size()));
    out.waveform.insert(out.waveform.end(), samples.begin(), samples.end());
    if (options.on_audio) options.on_audio(samples);
  };
  out.codes = fine_codes(coarse, out.frames, sampling[2], fine_rng, options.progress,
                         [&](std::span<const std::int64_t> chunk, std::size_t n) {
                           emit(stream->push(codec_rvq_.dequantize(chunk, n_fine_total_, n)));
                           if (bar) bar->advance(n);
                         });
  emit(stream->finish());
  if (bar) bar->finish();
  return out;
}

}  // namespace b2m::gen
