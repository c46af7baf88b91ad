#include "fixture.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "b2m/io/audio.h"
#include "b2m/io/npy.h"
#include "b2m/report/run_data.h"

namespace fs = std::filesystem;

namespace b2m::report::testing {

namespace {

struct Lcg {
  std::uint64_t state;
  double uniform() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return double(state >> 11) / double(1ULL << 53);
  }
};

// A genre-dependent chord with a beat: distinct, visible spectrograms.
io::Audio tone(int rate, double seconds, int genre, int variant) {
  io::Audio a;
  a.sample_rate = rate;
  a.channels = 1;
  std::size_t n = std::size_t(seconds * rate);
  a.samples.resize(n);
  double base = 110.0 * std::pow(2.0, (genre * 2 + variant % 3) / 12.0);
  Lcg noise{std::uint64_t(genre * 1000 + variant + 1)};
  for (std::size_t i = 0; i < n; ++i) {
    double t = double(i) / rate;
    double beat = 0.5 + 0.5 * std::cos(2 * M_PI * (1.0 + genre * 0.25) * t);
    double s = 0.3 * std::sin(2 * M_PI * base * t) + 0.15 * std::sin(2 * M_PI * base * 2.5 * t) +
               0.08 * std::sin(2 * M_PI * base * 6 * t);
    a.samples[i] = float(s * beat + 0.03 * (noise.uniform() - 0.5));
  }
  return a;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

}  // namespace

Fixture make_fixture(const std::string& root, const FixtureOptions& o) {
  Fixture f;
  fs::path run = fs::path(root) / "run", data = fs::path(root) / "data";
  fs::create_directories(run / "recon");
  fs::create_directories(data / "stimuli");
  fs::create_directories(data / "bank" / "clips");
  f.run_dir = run.string();
  f.data_dir = data.string();
  const auto& genres = gtzan_genres();
  Lcg rng{12345};

  nlohmann::json description = {
      {"Name", "b2m report test dataset"},
      {"BIDSVersion", "1.8.0"},
      {"DatasetType", "raw"},
      {"GeneratedBy",
       {{{"Name", "report-fixture"}, {"Version", "1.0"}, {"Description", "unit-test fixture"},
         {"CodeURL", "https://example.org/not-linked"}, {"seed", 7}}}}};
  write_text(data / "dataset_description.json", description.dump(2));

  // Bank: item k has genre k % 10.
  std::string tsv = "item\tfile\tgenre\n";
  std::vector<std::int64_t> bank_genre(o.bank_items);
  for (std::size_t k = 0; k < o.bank_items; ++k) {
    bank_genre[k] = std::int64_t(k % genres.size());
    std::string file = fmt::format("clips/item_{:03d}.wav", k);
    tsv += fmt::format("{}\t{}\t{}\n", k, file, genres[std::size_t(bank_genre[k])]);
    io::write_audio((data / "bank" / file).string(), tone(o.bank_rate, o.seconds, int(bank_genre[k]), int(k) + 7),
                    io::AudioFormat::wav_pcm16);
  }
  write_text(data / "bank" / "bank.tsv", tsv);

  const std::size_t n = o.clips;
  std::vector<std::int64_t> clips(n), genre(n), retrieved(n * o.ranks), retrieved_genre(n * o.ranks);
  std::vector<float> ident(n), score(n * o.ranks), pearson(o.dims);
  for (std::size_t i = 0; i < n; ++i) {
    genre[i] = std::int64_t(i % o.genres);
    clips[i] = genre[i] * 100 + std::int64_t(i / o.genres) + 1;
    ident[i] = float(0.35 + 0.6 * rng.uniform());
    for (std::size_t r = 0; r < o.ranks; ++r) {
      std::size_t item = std::size_t(rng.uniform() * double(o.bank_items)) % o.bank_items;
      retrieved[i * o.ranks + r] = std::int64_t(item);
      retrieved_genre[i * o.ranks + r] = bank_genre[item];
      score[i * o.ranks + r] = float(0.9 - 0.1 * double(r) - 0.05 * rng.uniform());
    }
    io::write_audio((data / "stimuli" / (stimulus_name(clips[i]) + ".wav")).string(),
                    tone(22050, o.seconds, int(genre[i]), int(i)), io::AudioFormat::wav_pcm16);
    if (o.generated)
      io::write_audio((run / "recon" / fmt::format("generated_{}.wav", i)).string(),
                      tone(24000, o.seconds, int(genre[i]) + 1, int(i) + 3), io::AudioFormat::wav_float);
    if (o.recon_retrieved)
      io::write_audio((run / "recon" / fmt::format("retrieved_{}.wav", i)).string(),
                      tone(22050, o.seconds, int(retrieved_genre[i * o.ranks]), int(i) + 5),
                      io::AudioFormat::wav_pcm16);
  }
  for (std::size_t d = 0; d < o.dims; ++d) pearson[d] = float(-0.2 + 0.6 * rng.uniform());

  double id_mean = 0;
  for (float v : ident) id_mean += v / double(n);
  double p_mean = 0;
  for (float v : pearson) p_mean += v / double(o.dims);
  nlohmann::json metrics = {{"identification_test", id_mean}, {"identification_train", 0.97},
                            {"pearson_test", p_mean},         {"pearson_train", 0.51},
                            {"genre_agreement_top1", 0.25},   {"genre_agreement_top5", 0.6},
                            {"alpha", 1000.0},                {"n_voxels", 4000},
                            {"per_clip", {0.1, 0.2}},         {"timing", {{"fit_s", 1.5}}}};
  write_text(run / "metrics.json", metrics.dump(2));

  io::write_npy((run / "identification_test.npy").string(), ident.data(), {n});
  io::write_npy((run / "pearson_test.npy").string(), pearson.data(), {o.dims});
  io::write_npy((run / "test_clips.npy").string(), clips.data(), {n});
  io::write_npy((run / "test_genre.npy").string(), genre.data(), {n});
  io::write_npy((run / "retrieved.npy").string(), retrieved.data(), {n, o.ranks});
  io::write_npy((run / "retrieved_genre.npy").string(), retrieved_genre.data(), {n, o.ranks});
  io::write_npy((run / "retrieved_score.npy").string(), score.data(), {n, o.ranks});
  if (o.region_score) {
    std::vector<float> region(8);
    for (auto& v : region) v = float(rng.uniform() * 0.4);
    io::write_npy((run / "region_score.npy").string(), region.data(), {region.size()});
  }
  return f;
}

}  // namespace b2m::report::testing
