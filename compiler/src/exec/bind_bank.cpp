// Runtime ops for the retrieval bank (`music.bank`, `music.bank_audio`) and
// the fixed projection of the built-in embedding (`music.embedding_projection`).
// A bank is a folder with bank.tsv (columns item, file, genre; file relative
// to the folder) and its audio files: the stand-in for the paper's FMA.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "b2m/dsp/mel.h"
#include "b2m/exec/dataset_values.h"
#include "b2m/exec/executor.h"
#include "b2m/exec/record_value.h"
#include "b2m/io/audio.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::exec {

dsp::MelSpec embedding_mel_spec();
RowMatrixF clip_log_mel(const std::string& path, const dsp::MelSpec& spec, const RowMatrixF& filterbank);

namespace {

namespace fs = std::filesystem;
using cpu::HostTensor;

struct BankItem {
  std::string file;  // full path
  std::int64_t genre = 0;
};

std::vector<BankItem> read_bank(const std::string& root) {
  const std::string table = (fs::path(root) / "bank.tsv").string();
  std::ifstream in(table);
  if (!in) fail("music.bank: cannot open '{}' (a bank folder holds bank.tsv with columns item, file, genre)", table);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, '\t');) header.push_back(f);
  }
  auto col = [&](const char* name) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) fail("{}:1: missing column '{}' (columns: item, file, genre)", table, name);
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t item_col = col("item"), file_col = col("file"), genre_col = col("genre");
  auto genres = fmri::gtzan_genres();
  std::vector<BankItem> items;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, '\t');) f.push_back(x);
    if (f.size() != header.size()) fail("{}:{}: {} fields, the header has {}", table, number, f.size(), header.size());
    if (f[item_col] != std::to_string(items.size()))
      fail("{}:{}: item '{}' out of order (expected {})", table, number, f[item_col], items.size());
    auto g = std::find(genres.begin(), genres.end(), f[genre_col]);
    if (g == genres.end()) fail("{}:{}: unknown genre '{}'", table, number, f[genre_col]);
    items.push_back({(fs::path(root) / f[file_col]).string(), static_cast<std::int64_t>(g - genres.begin())});
  }
  if (items.empty()) fail("music.bank: '{}' lists no item", table);
  return items;
}

Value bank(const std::vector<const Value*>& a) {
  std::vector<BankItem> items = read_bank(a[0]->text);
  const dsp::MelSpec spec = embedding_mel_spec();
  const RowMatrixF fb = dsp::mel_filterbank(spec);
  std::vector<RowMatrixF> mels(items.size());
  Progress progress("bank log-mel", items.size(), "clip");
  parallel_for(items.size(), 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      mels[i] = clip_log_mel(items[i].file, spec, fb);
      progress.advance();
    }
  });
  progress.finish();
  // Every item is embedded over the same number of frames: those of the
  // shortest clip, which must hold a 10 s window at least.
  std::int64_t frames = mels[0].rows();
  std::size_t shortest = 0;
  for (std::size_t i = 0; i < mels.size(); ++i)
    if (mels[i].rows() < frames) frames = mels[i].rows(), shortest = i;
  if (frames < dsp::num_frames(10 * spec.sample_rate, spec))
    fail("music.bank: '{}' is shorter than 10 s", items[shortest].file);
  HostTensor lm = HostTensor::uninitialized(DType::F32, {static_cast<std::int64_t>(items.size()), frames, spec.n_mels});
  HostTensor genre = HostTensor::uninitialized(DType::I64, {static_cast<std::int64_t>(items.size())});
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::copy(mels[i].data(), mels[i].data() + frames * spec.n_mels,
              lm.data<float>() + static_cast<std::int64_t>(i) * frames * spec.n_mels);
    genre.data<std::int64_t>()[i] = items[i].genre;
  }
  return record_value({{"logmel", Value::of_tensor(std::move(lm))}, {"genre", Value::of_tensor(std::move(genre))}});
}

Value bank_audio(const std::vector<const Value*>& a) {
  std::vector<BankItem> items = read_bank(a[0]->text);
  const HostTensor& index = a[1]->tensor;
  std::vector<io::Audio> clips;
  std::size_t longest = 0;
  for (std::int64_t q = 0; q < index.size(); ++q) {
    std::int64_t i = index.data<std::int64_t>()[q];
    if (i < 0 || i >= static_cast<std::int64_t>(items.size()))
      fail("music.bank_audio: index {} outside the bank's {} items", i, items.size());
    clips.push_back(io::to_mono(io::read_audio(items[static_cast<std::size_t>(i)].file)));
    if (clips.back().sample_rate != clips.front().sample_rate)
      clips.back() = io::resample(clips.back(), clips.front().sample_rate);
    longest = std::max(longest, clips.back().samples.size());
  }
  HostTensor out = HostTensor::zeros(DType::F32, {index.size(), static_cast<std::int64_t>(longest)});
  for (std::size_t q = 0; q < clips.size(); ++q)
    std::copy(clips[q].samples.begin(), clips[q].samples.end(), out.data<float>() + q * longest);
  Value v = Value::of_tensor(std::move(out));
  v.sample_rate = clips.empty() ? 22050 : clips.front().sample_rate;
  return v;
}

// A fixed Gaussian matrix (variance 1/128) from a fixed generator and seed, so
// the embedding is the same function on every machine: std::mt19937_64 is
// specified exactly by the standard; the normal variates come from our own
// Box-Muller on its output (std::normal_distribution is not portable).
Value projection(const std::vector<const Value*>& a, const Type& t) {
  const auto part = static_cast<std::int64_t>(a[0]->scalar());
  if (t.rank() != 2 || !t.dims[0].size.is_const() || !t.dims[1].size.is_const())
    fail("music.embedding_projection: the declared type must have constant sizes, got {}", t.str());
  const std::int64_t rows = t.dims[0].size.constant, cols = t.dims[1].size.constant;
  std::mt19937_64 rng(0xB2A0u + static_cast<std::uint64_t>(part));
  auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };
  HostTensor p = HostTensor::uninitialized(DType::F32, {rows, cols});
  const double scale = 1.0 / std::sqrt(static_cast<double>(cols));
  for (std::int64_t i = 0; i < rows * cols; ++i) {
    double r = std::sqrt(-2.0 * std::log(uniform())), theta = 2.0 * 3.14159265358979323846 * uniform();
    p.data<float>()[i] = static_cast<float>(scale * r * std::cos(theta));
  }
  return Value::of_tensor(std::move(p));
}

}  // namespace

void register_bank_ops(RuntimeRegistry& r) {
  r.add("music.bank", [](const std::vector<const Value*>& a, const Type&) { return bank(a); });
  r.add("music.bank_audio", [](const std::vector<const Value*>& a, const Type&) { return bank_audio(a); });
  r.add("music.embedding_projection", projection);
}

}  // namespace b2m::exec
