// Runtime ops for the stdlib's dataset sources (`fmri.bids`, `fmri.atlas`),
// bound to b2m/fmri. A BIDS source concatenates every run of one task along
// time; its voxels are those of the subject's brain mask (fMRIPrep naming,
// see find_brain_mask), or every voxel of the bold grid when there is none.
// Stimuli are coded as GTZAN ids, genre * 100 + track, with genres numbered in
// the alphabetical order of gtzan_genres(), so that a code names its file.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "b2m/exec/dataset_values.h"
#include "b2m/exec/executor.h"
#include "b2m/exec/record_value.h"
#include "b2m/fmri/atlas.h"
#include "b2m/fmri/bids.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"

namespace b2m::exec {

namespace {

namespace fs = std::filesystem;
using cpu::HostTensor;

HostTensor vector_i64(const std::vector<std::int64_t>& v) {
  HostTensor t = HostTensor::zeros(DType::I64, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return t;
}

HostTensor vector_f64(const std::vector<double>& v) {
  HostTensor t = HostTensor::zeros(DType::F64, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<double>());
  return t;
}

// The subject's mask, or nullptr (all voxels) when the dataset has none.
std::unique_ptr<fmri::Mask> subject_mask(const std::string& root, const std::string& subject) {
  std::string path = fmri::find_brain_mask(root, subject);
  if (path.empty()) return nullptr;
  return std::make_unique<fmri::Mask>(fmri::mask_from_volume(fmri::read_volume(path)));
}

std::string subjects_text(const fmri::BidsDataset& ds) {
  std::string s;
  for (const auto& sub : ds.subjects) s += (s.empty() ? "" : ", ") + sub;
  return s;
}

Value bids_source(const std::string& root, const std::string& subject, const std::string& task) {
  fmri::BidsDataset ds = fmri::open_bids_dataset(root);
  if (std::find(ds.subjects.begin(), ds.subjects.end(), subject) == ds.subjects.end())
    fail("BIDS dataset '{}' has no subject '{}' (subjects: {})", root, subject, subjects_text(ds));
  std::vector<fmri::BidsRun> runs = ds.runs_of(subject, task);
  if (runs.empty()) {
    std::vector<std::string> tasks;
    for (const auto& r : ds.runs_of(subject))
      if (std::find(tasks.begin(), tasks.end(), r.task) == tasks.end()) tasks.push_back(r.task);
    fail("BIDS dataset '{}': subject {} has no run of task '{}' (tasks: {})", root, subject, task,
         fmt::join(tasks, ", "));
  }
  std::unique_ptr<fmri::Mask> mask = subject_mask(root, subject);
  std::vector<fmri::RunData> data;
  Progress progress("read " + task + " bold", runs.size(), "run");
  std::int64_t scans = 0;
  for (const auto& run : runs) {
    data.push_back(fmri::load_run(run, mask.get()));
    const auto& d = data.back();
    if (std::abs(d.tr_s - data.front().tr_s) > 1e-6)
      fail("runs of one task must share the repetition time: '{}' has {} s, '{}' has {} s", d.run.sidecar_path,
           d.tr_s, data.front().run.sidecar_path, data.front().tr_s);
    if (d.bold.data.cols() != data.front().bold.data.cols())
      fail("'{}' has {} voxels, '{}' has {}", d.run.bold_path, d.bold.data.cols(), data.front().run.bold_path,
           data.front().bold.data.cols());
    if (!mask) fmri::require_same_grid(data.front().bold.grid, data.front().run.bold_path, d.bold.grid, d.run.bold_path);
    scans += d.bold.data.rows();
    progress.advance();
  }
  progress.finish();

  const std::int64_t voxels = data.front().bold.data.cols();
  HostTensor bold = HostTensor::uninitialized(DType::F32, {scans, voxels});
  std::vector<std::int64_t> run_of_scan;
  Events events;
  float* dst = bold.data<float>();
  for (const auto& d : data) {
    std::copy(d.bold.data.data(), d.bold.data.data() + d.bold.data.size(), dst);
    dst += d.bold.data.size();
    run_of_scan.insert(run_of_scan.end(), static_cast<std::size_t>(d.bold.data.rows()), d.run.run);
    for (const auto& e : d.events.events) {
      events.onset.push_back(e.onset_s);
      events.duration.push_back(e.duration_s);
      events.stimulus.push_back(stimulus_code(e.clip, d.events.path, e.line));
      events.genre.push_back(events.stimulus.back() / 100);
      events.run.push_back(d.run.run);
    }
  }
  Value tr = Value::of_tensor(HostTensor::zeros(DType::F64, {}));
  tr.tensor.data<double>()[0] = data.front().tr_s;
  return record_value({{"bold", Value::of_tensor(std::move(bold))},
                 {"run", Value::of_tensor(vector_i64(run_of_scan))},
                 {"tr", std::move(tr)},
                 {"events", events_value(events)}});
}

// stdlib/atlases: B2M_STDLIB_DIR, else the source tree this build came from.
std::string stdlib_atlases_dir() {
  if (const char* env = std::getenv("B2M_STDLIB_DIR"); env && *env) return (fs::path(env) / "atlases").string();
  return (fs::path(B2M_DEFAULT_STDLIB_DIR) / "atlases").string();
}

Value atlas_source(const std::string& name, const ir::Attr& region_list, const std::string& root,
                   const std::string& subject) {
  std::vector<std::string> regions;
  for (const auto& a : region_list.list) {
    if (a.kind != ir::Attr::Kind::Str) fail("fmri.atlas: regions must be a list of names");
    regions.push_back(a.s);
  }
  if (regions.empty()) fail("fmri.atlas: the list of regions is empty");
  fmri::Atlas atlas = fs::exists(name) ? fmri::read_atlas(name, fs::path(name).replace_extension("").string() + ".txt")
                                       : fmri::read_builtin_atlas(name, "/usr/share/mricron/templates",
                                                                  stdlib_atlases_dir());
  std::vector<std::int32_t> wanted = atlas.find_labels(regions);

  // The voxels of fmri.bids: the mask, or the full grid of the first bold file.
  std::unique_ptr<fmri::Mask> mask = subject_mask(root, subject);
  if (!mask) {
    fmri::BidsDataset ds = fmri::open_bids_dataset(root);
    auto runs = ds.runs_of(subject);
    auto it = std::find_if(runs.begin(), runs.end(), [](const fmri::BidsRun& r) { return !r.bold_path.empty(); });
    if (it == runs.end()) fail("fmri.atlas: subject {} of '{}' has no bold file to take the grid from", subject, root);
    mask = std::make_unique<fmri::Mask>();
    mask->source = it->bold_path;
    mask->grid = fmri::read_nifti_header(it->bold_path).grid;
    mask->voxels.resize(static_cast<std::size_t>(mask->grid.num_voxels()));
    for (std::size_t i = 0; i < mask->voxels.size(); ++i) mask->voxels[i] = static_cast<std::int64_t>(i);
  }
  fmri::Atlas on_grid = atlas.resampled_to(mask->grid);
  if (!on_grid.resample_note.empty()) std::fprintf(stderr, "fmri.atlas: %s\n", on_grid.resample_note.c_str());

  std::vector<std::int64_t> label(mask->voxels.size()), region(mask->voxels.size(), -1);
  std::vector<std::size_t> count(regions.size(), 0);
  for (std::size_t i = 0; i < mask->voxels.size(); ++i) {
    label[i] = on_grid.labels[static_cast<std::size_t>(mask->voxels[i])];
    for (std::size_t r = 0; r < wanted.size(); ++r)
      if (label[i] == wanted[r]) {
        region[i] = static_cast<std::int64_t>(r);
        ++count[r];
      }
  }
  for (std::size_t r = 0; r < regions.size(); ++r)
    if (count[r] == 0)
      fail("fmri.atlas: region '{}' of atlas '{}' has no voxel inside the brain mask '{}' on the bold grid ({})",
           regions[r], name, mask->source, mask->grid.describe());
  return record_value({{"label", Value::of_tensor(vector_i64(label))}, {"region", Value::of_tensor(vector_i64(region))}});
}

}  // namespace

std::int64_t stimulus_code(const fmri::Clip& clip, const std::string& file, int line) {
  auto genres = fmri::gtzan_genres();
  auto it = std::find(genres.begin(), genres.end(), clip.genre);
  if (it == genres.end())
    fail("{}:{}: genre '{}' is not one of the 10 GTZAN genres ({})", file, line, clip.genre, fmt::join(genres, ", "));
  if (clip.track < 0 || clip.track > 99) fail("{}:{}: track {} is not a GTZAN track index (0-99)", file, line, clip.track);
  return static_cast<std::int64_t>(it - genres.begin()) * 100 + clip.track;
}

fmri::Clip clip_of_code(std::int64_t code) {
  auto genres = fmri::gtzan_genres();
  if (code < 0 || code >= static_cast<std::int64_t>(genres.size()) * 100) fail("stimulus code {} is not a GTZAN clip", code);
  return fmri::Clip{genres[static_cast<std::size_t>(code / 100)], static_cast<int>(code % 100)};
}

Value events_value(const Events& e) {
  return record_value({{"onset", Value::of_tensor(vector_f64(e.onset))},
                 {"duration", Value::of_tensor(vector_f64(e.duration))},
                 {"stimulus", Value::of_tensor(vector_i64(e.stimulus))},
                 {"genre", Value::of_tensor(vector_i64(e.genre))},
                 {"run", Value::of_tensor(vector_i64(e.run))}});
}

Events events_of(const Value& v) {
  auto f64 = [&](const char* name) {
    const HostTensor& t = v.field(name).tensor;
    if (t.dtype != DType::F64 || t.dims.size() != 1) fail("events.{} must be f64[event]", name);
    return std::vector<double>(t.data<double>(), t.data<double>() + t.size());
  };
  auto i64 = [&](const char* name) {
    const HostTensor& t = v.field(name).tensor;
    if (t.dtype != DType::I64 || t.dims.size() != 1) fail("events.{} must be i64[event]", name);
    return std::vector<std::int64_t>(t.data<std::int64_t>(), t.data<std::int64_t>() + t.size());
  };
  Events e{f64("onset"), f64("duration"), i64("stimulus"), i64("genre"), i64("run")};
  std::size_t n = e.onset.size();
  if (e.duration.size() != n || e.stimulus.size() != n || e.genre.size() != n || e.run.size() != n)
    fail("the events' fields differ in length");
  return e;
}

std::vector<PresentationWindow> presentation_windows(const Events& e, double length_s, double step_s,
                                                     bool drop_lead_in) {
  if (!(length_s > 0) || !(step_s > 0)) fail("windows: length and step must be positive, got {} and {}", length_s, step_s);
  // Rebuild per-run event lists so that the lead-in convention (and its
  // check) is the one fmri::collect_presentations implements.
  std::vector<fmri::EventsFile> files;
  std::vector<std::int64_t> run_ids;
  std::vector<std::vector<std::size_t>> rows;
  for (std::size_t i = 0; i < e.onset.size(); ++i) {
    if (run_ids.empty() || run_ids.back() != e.run[i]) {
      if (std::find(run_ids.begin(), run_ids.end(), e.run[i]) != run_ids.end())
        fail("events of run {} are not contiguous (event {})", e.run[i], i);
      run_ids.push_back(e.run[i]);
      files.emplace_back();
      files.back().path = "run " + std::to_string(e.run[i]);
      rows.emplace_back();
    }
    fmri::Event ev;
    ev.onset_s = e.onset[i];
    ev.duration_s = e.duration[i];
    ev.clip = clip_of_code(e.stimulus[i]);
    files.back().events.push_back(ev);
    rows.back().push_back(i);
  }
  fmri::StimulusTable table = fmri::collect_presentations(files, drop_lead_in);
  std::vector<PresentationWindow> out;
  for (std::size_t p = 0; p < table.presentations.size(); ++p) {
    const auto& pr = table.presentations[p];
    std::size_t event = rows[pr.run_index][pr.event_index];
    double duration = e.duration[event];
    if (duration + 1e-9 < length_s)
      fail("event {} (onset {} s, run {}) lasts {} s, shorter than one {} s window", event, e.onset[event],
           e.run[event], duration, length_s);
    int count = static_cast<int>(std::floor((duration - length_s) / step_s + 1e-9)) + 1;
    for (int w = 0; w < count; ++w)
      out.push_back({event, w, e.onset[event] + w * step_s, static_cast<std::int64_t>(table.clip_of[p]),
                     e.stimulus[event], e.genre[event], e.run[event]});
  }
  return out;
}

void register_dataset_ops(RuntimeRegistry& r) {
  r.add("fmri.bids", [](const std::vector<const Value*>& a, const Type&) {
    return bids_source(a[0]->text, a[1]->text, a[2]->text);
  });
  r.add("fmri.atlas", [](const std::vector<const Value*>& a, const Type&) {
    return atlas_source(a[0]->text, a[1]->list, a[2]->text, a[3]->text);
  });
}

}  // namespace b2m::exec
