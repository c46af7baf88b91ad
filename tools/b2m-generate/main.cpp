// b2m-generate: runs a generation model directory on a music embedding
// (.npy, 1-D, or 2-D rows that are averaged as Brain2Music averages its
// predicted embeddings) and writes a WAV.
#include <CLI/CLI.hpp>
#include <malloc.h>

#include <cstdio>

#include "b2m/gen/model.h"
#include "b2m/io/audio.h"
#include "b2m/io/npy.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/thread_pool.h"

namespace {

std::vector<float> load_embedding(const std::string& path) {
  auto array = b2m::io::read_npy(path);
  auto values = array.as_f32();
  if (array.ndim() == 1) return values;
  if (array.ndim() != 2 || array.shape()[0] == 0)
    b2m::fail("'{}': expected an embedding of shape [D] or [N, D], found {} dimensions", path, array.ndim());
  std::size_t rows = array.shape()[0], dim = array.shape()[1];
  std::vector<float> mean(dim, 0.0f);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < dim; ++i) mean[i] += values[r * dim + i] / static_cast<float>(rows);
  return mean;
}

}  // namespace

int main(int argc, char** argv) {
  // The codec allocates multi-megabyte signals layer after layer; keep freed
  // blocks in the heap instead of returning them to the kernel each time
  // (page faults were a third of the decode time).
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{"Generate music from an embedding with a b2m generation model"};
  std::string model_dir, embedding_path, out_path, codes_path, precision = "f32";
  b2m::gen::GenerateOptions options;
  std::size_t threads = 0;
  std::vector<float> temperatures;
  std::size_t top_k = 0;
  float top_p = 1.0f;
  float guidance = 0.0f;
  bool pcm16 = false, quiet = false;
  app.add_option("model", model_dir, "model directory (config.json + safetensors)")->required();
  app.add_option("embedding", embedding_path, "embedding .npy, shape [D] or [N, D] (rows averaged)")->required();
  app.add_option("-o,--out", out_path, "output WAV")->required();
  app.add_option("--seconds", options.seconds, "length of the audio");
  app.add_option("--seed", options.seed, "random seed (identical output at any --threads)");
  app.add_option("--threads", threads, "worker threads (0: all cores)");
  app.add_option("--temperatures", temperatures, "semantic coarse fine temperatures (0 = greedy)")->expected(3);
  app.add_option("--top-k", top_k, "keep the k most likely tokens (0: all)");
  app.add_option("--top-p", top_p, "nucleus sampling mass (1: off)");
  app.add_option("--guidance", guidance, "classifier-free guidance scale (> 1 turns it on)");
  app.add_option("--precision", precision, "weights in memory: f32, bf16 or f16");
  app.add_option("--codes", codes_path, "also write the codec codes [n_q, frames] as .npy");
  app.add_flag("--pcm16", pcm16, "16-bit PCM instead of float WAV");
  app.add_flag("-q,--quiet", quiet, "no progress bars");
  CLI11_PARSE(app, argc, argv);
  try {
    b2m::ThreadPool::set_num_threads(threads);
    auto model = b2m::gen::Model::load(model_dir, b2m::gen::parse_weight_precision(precision));
    for (int s = 0; s < 3; ++s) {
      if (temperatures.empty() && top_k == 0 && top_p >= 1.0f) break;
      b2m::gen::SamplingOptions o = model.default_sampling()[s];
      if (!temperatures.empty()) o.temperature = temperatures[s];
      if (top_k > 0) o.top_k = top_k;
      if (top_p < 1.0f) o.top_p = top_p;
      options.sampling[s] = o;
    }
    if (guidance > 0.0f) options.guidance_scale = guidance;
    options.progress = !quiet;
    auto embedding = load_embedding(embedding_path);
    auto result = model.generate(embedding, options);
    b2m::io::Audio audio{result.sample_rate, 1, result.waveform};
    b2m::io::write_audio(out_path, audio, pcm16 ? b2m::io::AudioFormat::wav_pcm16 : b2m::io::AudioFormat::wav_float);
    if (!codes_path.empty())
      b2m::io::write_npy(codes_path, result.codes.data(), {result.n_codebooks, result.frames});
    if (!quiet)
      std::fprintf(stderr, "b2m-generate: wrote %s (%.2f s at %d Hz)\n", out_path.c_str(),
                   double(result.waveform.size()) / result.sample_rate, result.sample_rate);
  } catch (const b2m::Error& e) {
    std::fprintf(stderr, "b2m-generate: %s\n", e.what());
    return 1;
  }
  return 0;
}
