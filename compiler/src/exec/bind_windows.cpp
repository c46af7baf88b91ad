// Runtime ops that cut event-aligned windows: `fmri.windows` (the mean of the
// scans covering each embedding window, as the paper aligns responses with
// MuLan targets) and `music.stimulus_logmel` (the log-mel frames of the same
// windows of the stimulus audio, the input of music.default_embedding). Both
// enumerate windows through presentation_windows, so row i of one is row i of
// the other.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "b2m/dsp/mel.h"
#include "b2m/exec/dataset_values.h"
#include "b2m/exec/executor.h"
#include "b2m/exec/record_value.h"
#include "b2m/fmri/preprocess.h"
#include "b2m/io/audio.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"
#include "b2m/runtime/thread_pool.h"

namespace b2m::exec {

namespace {

namespace fs = std::filesystem;
using cpu::HostTensor;

HostTensor column_i64(const std::vector<PresentationWindow>& ws, std::int64_t PresentationWindow::*field) {
  HostTensor t = HostTensor::uninitialized(DType::I64, {static_cast<std::int64_t>(ws.size())});
  for (std::size_t i = 0; i < ws.size(); ++i) t.data<std::int64_t>()[i] = ws[i].*field;
  return t;
}

struct RunBlock {
  std::int64_t first = 0, length = 0;
};

std::map<std::int64_t, RunBlock> run_blocks(const HostTensor& run) {
  std::map<std::int64_t, RunBlock> blocks;
  const std::int64_t* r = run.data<std::int64_t>();
  for (std::int64_t t = 0; t < run.size(); ++t) {
    if (t == 0 || r[t] != r[t - 1]) {
      if (blocks.count(r[t])) fail("fmri.windows: run {} appears again at scan {}: runs must be contiguous", r[t], t);
      blocks[r[t]] = {t, 0};
    }
    ++blocks[r[t]].length;
  }
  return blocks;
}

Value windows(const std::vector<const Value*>& a) {
  const HostTensor& x = a[0]->tensor;
  const HostTensor& run = a[1]->tensor;
  Events events = events_of(*a[2]);
  const double tr = a[3]->scalar(), length = a[4]->scalar(), step = a[5]->scalar(), lag = a[6]->scalar();
  const bool drop_lead_in = a[7]->scalar() != 0;
  if (x.dims.size() != 2 || x.dtype != DType::F32) fail("fmri.windows: expects f32[time, voxel]");
  if (run.size() != x.dims[0]) fail("fmri.windows: {} run labels for {} scans", run.size(), x.dims[0]);
  if (!(tr > 0)) fail("fmri.windows: the repetition time must be positive, got {}", tr);
  auto blocks = run_blocks(run);
  std::vector<PresentationWindow> ws = presentation_windows(events, length, step, drop_lead_in);
  const std::int64_t voxels = x.dims[1];
  HostTensor out = HostTensor::uninitialized(DType::F32, {static_cast<std::int64_t>(ws.size()), voxels});
  // The scans of each window, clipped to its run: with a hemodynamic lag the
  // last windows of a run reach past its end, and then average the scans
  // that exist (at least half of the window's must).
  std::vector<fmri::ScanRange> ranges;
  for (const auto& w : ws) {
    auto it = blocks.find(w.run);
    if (it == blocks.end()) fail("fmri.windows: the events name run {}, which has no scans in the data", w.run);
    fmri::ScanRange s = fmri::scans_covering(w.start_s, w.start_s + length, tr, lag);
    const std::int64_t first = std::max<std::int64_t>(s.first, 0);
    const std::int64_t end = std::min<std::int64_t>(s.first + s.count, it->second.length);
    if (2 * (end - first) < s.count)
      fail("fmri.windows: window {} of the event at {} s in run {} needs scans {}..{}, but the run has {} scans",
           w.window, events.onset[w.event], w.run, s.first, s.first + s.count - 1, it->second.length);
    ranges.push_back({first, end - first});
  }
  parallel_for(ws.size(), 16, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const auto& w = ws[i];
      const fmri::ScanRange& s = ranges[i];
      const float* src = x.data<float>() + (blocks.at(w.run).first + s.first) * voxels;
      float* dst = out.data<float>() + static_cast<std::int64_t>(i) * voxels;
      std::fill(dst, dst + voxels, 0.0f);
      for (std::int64_t k = 0; k < s.count; ++k)
        for (std::int64_t v = 0; v < voxels; ++v) dst[v] += src[k * voxels + v];
      const float inv = 1.0f / static_cast<float>(s.count);
      for (std::int64_t v = 0; v < voxels; ++v) dst[v] *= inv;
    }
  });
  return record_value({{"data", Value::of_tensor(std::move(out))},
                 {"clip", Value::of_tensor(column_i64(ws, &PresentationWindow::clip))},
                 {"run", Value::of_tensor(column_i64(ws, &PresentationWindow::run))},
                 {"genre", Value::of_tensor(column_i64(ws, &PresentationWindow::genre))},
                 {"stimulus", Value::of_tensor(column_i64(ws, &PresentationWindow::stimulus))}});
}

}  // namespace

dsp::MelSpec embedding_mel_spec() {
  dsp::MelSpec spec;  // 22050 Hz, 1024-point FFT, hop 512, 64 mels
  return spec;
}

RowMatrixF clip_log_mel(const std::string& path, const dsp::MelSpec& spec, const RowMatrixF& filterbank) {
  io::Audio audio = io::to_mono(io::read_audio(path));
  if (audio.sample_rate != spec.sample_rate) audio = io::resample(audio, spec.sample_rate);
  return dsp::log_mel(audio.samples, spec, filterbank);
}

std::string stimulus_path(const std::string& root, std::int64_t code) {
  fmri::Clip clip = clip_of_code(code);
  return (fs::path(root) / "stimuli" / fmt::format("{}.{:05d}.wav", clip.genre, clip.track)).string();
}

namespace {

Value stimulus_logmel(const std::vector<const Value*>& a, const Type& result) {
  const std::string root = a[0]->text;
  Events events = events_of(*a[1]);
  const double length = a[2]->scalar(), step = a[3]->scalar();
  const bool drop_lead_in = a[4]->scalar() != 0;
  std::vector<PresentationWindow> ws = presentation_windows(events, length, step, drop_lead_in);
  const dsp::MelSpec spec = embedding_mel_spec();
  const RowMatrixF fb = dsp::mel_filterbank(spec);
  if (result.rank() == 3 && result.dims[2].size.is_const() && result.dims[2].size.constant != spec.n_mels)
    fail("music.stimulus_logmel: the declaration asks for {} mels, the embedding front end has {}", result.dims[2].size.constant,
         spec.n_mels);

  std::vector<std::int64_t> codes;
  for (const auto& w : ws)
    if (std::find(codes.begin(), codes.end(), w.stimulus) == codes.end()) codes.push_back(w.stimulus);
  std::vector<RowMatrixF> mels(codes.size());
  Progress progress("stimulus log-mel", codes.size(), "clip");
  parallel_for(codes.size(), 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      mels[i] = clip_log_mel(stimulus_path(root, codes[i]), spec, fb);
      progress.advance();
    }
  });
  progress.finish();
  std::map<std::int64_t, std::size_t> index;
  for (std::size_t i = 0; i < codes.size(); ++i) index[codes[i]] = i;

  const std::int64_t frames = dsp::num_frames(std::llround(length * spec.sample_rate), spec);
  HostTensor out = HostTensor::uninitialized(DType::F32, {static_cast<std::int64_t>(ws.size()), frames, spec.n_mels});
  for (std::size_t i = 0; i < ws.size(); ++i) {
    const RowMatrixF& m = mels[index[ws[i].stimulus]];
    const std::int64_t first = std::llround(ws[i].window * step * spec.sample_rate / spec.hop);
    if (first + frames > m.rows())
      fail("music.stimulus_logmel: '{}' lasts {:.2f} s; window {} needs {:.2f} s", stimulus_path(root, ws[i].stimulus),
           static_cast<double>((m.rows() - 1) * spec.hop + spec.n_fft) / spec.sample_rate, ws[i].window,
           ws[i].window * step + length);
    std::copy(m.data() + first * spec.n_mels, m.data() + (first + frames) * spec.n_mels,
              out.data<float>() + static_cast<std::int64_t>(i) * frames * spec.n_mels);
  }
  return Value::of_tensor(std::move(out));
}

}  // namespace

void register_window_ops(RuntimeRegistry& r) {
  r.add("fmri.windows", [](const std::vector<const Value*>& a, const Type&) { return windows(a); });
  r.add("music.stimulus_logmel", stimulus_logmel);
}

}  // namespace b2m::exec
