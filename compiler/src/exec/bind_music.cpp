// Runtime ops for the stdlib's generation declarations (`music.model`,
// `music.rvq`, `music.generate`), bound to b2m/gen. A model is loaded once per
// run and shared; each embedding row is generated with its own seed derived
// from the pipeline's seed, so rows do not depend on each other or on the
// thread count.
#include <cstdlib>
#include <filesystem>

#include "b2m/exec/executor.h"
#include "b2m/gen/model.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"

namespace b2m::exec {

namespace {

namespace fs = std::filesystem;
using cpu::HostTensor;

// A model name is a directory, or a directory under $B2M_MODEL_DIR.
std::string model_directory(const std::string& name) {
  std::vector<std::string> tried;
  if (fs::is_directory(name)) return name;
  tried.push_back(name);
  if (const char* env = std::getenv("B2M_MODEL_DIR"); env && *env) {
    fs::path p = fs::path(env) / name;
    if (fs::is_directory(p)) return p.string();
    tried.push_back(p.string());
  }
  fail("music.model: no model directory '{}' (looked in: {}; set B2M_MODEL_DIR or give a path; "
       "b2m-make-model writes a small random one)", name, fmt::join(tried, ", "));
}

const gen::Model& model_of(const Value& v) {
  if (v.kind != Value::Kind::Opaque || !v.handle) fail("expected a model from music.model");
  return *std::static_pointer_cast<gen::Model>(v.handle);
}

std::vector<float> row(const HostTensor& t, std::int64_t r) {
  return std::vector<float>(t.data<float>() + r * t.dims[1], t.data<float>() + (r + 1) * t.dims[1]);
}

}  // namespace

void register_music_ops(RuntimeRegistry& r) {
  r.add("music.model", [](const std::vector<const Value*>& a, const Type&) {
    Value v;
    v.kind = Value::Kind::Opaque;
    v.handle = std::make_shared<gen::Model>(gen::Model::load(model_directory(a[0]->text)));
    return v;
  });
  r.add("music.rvq", [](const std::vector<const Value*>& a, const Type&) {
    const HostTensor& e = a[0]->tensor;
    const gen::Model& m = model_of(*a[1]);
    std::vector<std::vector<std::int64_t>> rows;
    for (std::int64_t q = 0; q < e.dims[0]; ++q) rows.push_back(m.conditioning_tokens(row(e, q)));
    std::int64_t n = rows.empty() ? 0 : static_cast<std::int64_t>(rows[0].size());
    HostTensor out = HostTensor::zeros(DType::I64, {e.dims[0], n});
    for (std::int64_t q = 0; q < e.dims[0]; ++q)
      std::copy(rows[q].begin(), rows[q].end(), out.data<std::int64_t>() + q * n);
    return Value::of_tensor(std::move(out));
  });
  r.add("music.generate", [](const std::vector<const Value*>& a, const Type&) {
    const HostTensor& e = a[0]->tensor;
    const gen::Model& m = model_of(*a[1]);
    double seconds = a[2]->scalar();
    auto seed = static_cast<std::uint64_t>(a[3]->scalar());
    const ir::Attr& temps = a[4]->list;
    if (seconds <= 0 || seconds > 600) fail("music.generate: seconds must be in (0, 600], got {}", seconds);
    if (temps.list.size() != 3) fail("music.generate: temperatures needs 3 values (semantic, coarse, fine)");
    std::vector<std::vector<float>> waves;
    std::size_t longest = 0;
    // One bar over the rows; the per-stage bars of each row would flood the log.
    Progress progress("generate", static_cast<std::size_t>(e.dims[0]), "clip");
    for (std::int64_t q = 0; q < e.dims[0]; ++q) {
      gen::GenerateOptions o;
      o.progress = false;
      o.seconds = seconds;
      // splitmix-style mixing: row q's seed, independent of the other rows.
      o.seed = (seed + 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(q + 1)) ^ (seed >> 31);
      for (int s = 0; s < 3; ++s) {
        gen::SamplingOptions so = m.default_sampling()[s];
        so.temperature = static_cast<float>(temps.list[s].as_number());
        o.sampling[s] = so;
      }
      waves.push_back(m.generate(row(e, q), o).waveform);
      longest = std::max(longest, waves.back().size());
      progress.advance();
    }
    progress.finish();
    HostTensor out = HostTensor::zeros(DType::F32, {e.dims[0], static_cast<std::int64_t>(longest)});
    for (std::int64_t q = 0; q < e.dims[0]; ++q)
      std::copy(waves[q].begin(), waves[q].end(), out.data<float>() + q * static_cast<std::int64_t>(longest));
    Value v = Value::of_tensor(std::move(out));
    v.sample_rate = m.sample_rate();
    return v;
  });
}

}  // namespace b2m::exec
