// The simulator's pipeline: schedule -> stimuli and bank audio -> stimulus
// features -> brain -> per-subject bold runs and ground truth, written into a
// partial folder that is renamed into place at the end.
#include "b2m/synth/dataset.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <set>

#include "b2m/fmri/bids.h"
#include "b2m/fmri/nifti.h"
#include "b2m/io/audio.h"
#include "b2m/io/npy.h"
#include "b2m/runtime/error.h"
#include "b2m/runtime/progress.h"
#include "b2m/runtime/thread_pool.h"
#include "b2m/synth/brain.h"
#include "b2m/synth/excerpt.h"
#include "b2m/synth/hrf.h"
#include "b2m/synth/random.h"
#include "b2m/synth/track.h"
#include "bids_writer.h"

namespace b2m::synth {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

std::atomic<bool> g_cancel{false};

void check_cancel() {
  if (g_cancel.load(std::memory_order_relaxed)) fail("interrupted");
}


struct ClipKey {
  int genre;
  int track;
  auto operator<=>(const ClipKey&) const = default;
};

struct Stimulus {
  ClipKey key;
  double start_s, end_s;
  std::string first_seen;  // file:line, for messages
};

struct ScheduleRun {
  std::string task;
  int run;
  fmri::EventsFile events;
  int scans;
};

std::string clip_stem(const ClipKey& k) {
  return fmt::format("{}.{:05d}", genre_names()[static_cast<std::size_t>(k.genre)], k.track);
}

void write_npy_matrix(const std::string& path, const RowMatrixF& m) {
  const std::size_t shape[2] = {static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols())};
  io::write_npy(path, io::DType::f32, m.data(), shape);
}

template <typename T>
void write_npy_vector(const std::string& path, const std::vector<T>& v) {
  const std::size_t shape[1] = {v.size()};
  io::write_npy(path, io::dtype_of<T>(), v.data(), shape);
}

void check_target(const std::string& out, const WriteOptions& options) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return;
  if (!fs::is_directory(out, ec)) fail("output '{}' exists and is not a folder", out);
  if (fs::is_empty(out, ec)) return;
  if (!options.force)
    fail("output folder '{}' exists and is not empty; pass --force to replace a dataset written by b2m-synth", out);
  if (!is_b2m_synth_dataset(out))
    fail("--force only replaces datasets written by b2m-synth, and '{}' is not one (no dataset_description.json "
         "naming b2m-synth in GeneratedBy); remove it yourself if you mean to",
         out);
}

// Unique (genre, track) clips in first-presentation order, checking that a
// clip is always cut at the same offsets.
std::vector<Stimulus> collect_stimuli(const std::vector<ScheduleRun>& runs) {
  std::vector<Stimulus> stimuli;
  std::map<ClipKey, std::size_t> index;
  for (const auto& run : runs)
    for (const auto& e : run.events.events) {
      int genre = -1;
      try {
        genre = genre_index(e.clip.genre);
      } catch (const Error& err) {
        fail("{}:{}: {}", run.events.path, e.line, err.what());
      }
      if (e.clip.track < 0) fail("{}:{}: negative track {}", run.events.path, e.line, e.clip.track);
      double start = e.excerpt_start_s, end = e.excerpt_end_s;
      if (!std::isfinite(start) || !std::isfinite(end)) {
        start = 0.0;
        end = std::min(e.duration_s, kTrackSeconds);
      }
      if (!(end > start) || start < 0 || end > kTrackSeconds + 1e-9)
        fail("{}:{}: excerpt [{}, {}) s is not inside a {} s track", run.events.path, e.line, start, end,
             kTrackSeconds);
      const ClipKey key{genre, e.clip.track};
      auto it = index.find(key);
      const std::string where = fmt::format("{}:{}", run.events.path, e.line);
      if (it == index.end()) {
        index.emplace(key, stimuli.size());
        stimuli.push_back({key, start, end, where});
      } else {
        const Stimulus& s = stimuli[it->second];
        if (std::fabs(s.start_s - start) > 1e-6 || std::fabs(s.end_s - end) > 1e-6)
          fail("{}: clip {} is cut at [{}, {}) s but at [{}, {}) s in {}", where, clip_stem(key), start, end,
               s.start_s, s.end_s, s.first_seen);
      }
    }
  return stimuli;
}

// Bank item i: genre i % 10, the (i / 10)-th track index of that genre not
// used as a stimulus (0..99 first, then 100, 101, ...), a 15 s excerpt at a
// random offset of the 30 s track.
std::vector<Stimulus> make_bank(std::uint64_t seed, int size, const std::vector<Stimulus>& stimuli) {
  const int genres = static_cast<int>(genre_names().size());
  std::vector<std::set<int>> used(static_cast<std::size_t>(genres));
  for (const auto& s : stimuli) used[static_cast<std::size_t>(s.key.genre)].insert(s.key.track);
  std::vector<int> next(static_cast<std::size_t>(genres), 0);
  std::vector<Stimulus> bank;
  for (int i = 0; i < size; ++i) {
    const int g = i % genres;
    int& t = next[static_cast<std::size_t>(g)];
    while (used[static_cast<std::size_t>(g)].count(t)) ++t;
    const int track = t++;
    Rng rng(seed, "bank-offset", static_cast<std::uint64_t>(g), static_cast<std::uint64_t>(track));
    const double start = std::round(rng.uniform(0.0, kTrackSeconds - 15.0) * 100.0) / 100.0;
    bank.push_back({{g, track}, start, start + 15.0, "bank"});
  }
  return bank;
}

std::uint64_t folder_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  return total;
}

json truth_json(const SynthConfig& c, const std::string& subject, const Brain& brain, const SubjectModel& model,
                const std::vector<double>& kernel, const Standardization& standardization,
                const std::vector<ScheduleRun>& runs) {
  json j;
  j["generator"] = {{"name", "b2m-synth"}, {"version", kSynthVersion}, {"preset", c.preset}, {"seed", c.seed}};
  j["subject"] = subject;
  j["snr"] = c.bold.snr;
  j["snr_definition"] =
      "per voxel, variance of the stimulus-driven signal over all of the subject's scans divided by the "
      "stationary variance of its AR(1) noise; voxels of a region with share s get snr * s";
  j["tr_s"] = c.bold.tr_s;
  j["model"] =
      "bold[t, v] = baseline[v] + drift[run, v](t) + sum_f weights[v, f] * (hrf * features[:, f])[t] + noise[run, v](t)";
  const HrfSpec h;
  j["hrf"] = {{"model", "SPM canonical double gamma: gamma(t; 6, 1) - gamma(t; 16, 1) / 6"},
              {"peak_delay_s", h.peak_delay_s},
              {"undershoot_delay_s", h.undershoot_delay_s},
              {"dispersion_s", h.dispersion_s},
              {"undershoot_ratio", h.undershoot_ratio},
              {"length_s", h.length_s},
              {"sampling", "kernel[k] = h(k * TR), scaled to unit sum; causal convolution within each run, "
                           "input before the run = 0 (the features' mean)"},
              {"kernel", kernel}};
  json f;
  f["names"] = feature_names(c.features);
  f["description"] =
      "per scan (scan k = audio samples [round(k TR 22050), round((k+1) TR 22050)) of the run's sound track): "
      "mean over the STFT frames inside the scan of the natural-log mel energies (b2m::dsp::log_mel), 64 mel "
      "bands averaged pairwise into 32; the SD over those frames of the mean log energy of 8 coarse bands (8 mels "
      "each); and the mean positive log-mel spectral flux between consecutive frames. "
      "Each feature standardized (mean 0, SD 1) over all scans of all runs";
  f["mel"] = {{"sample_rate", c.features.mel.sample_rate},
              {"n_fft", c.features.mel.n_fft},
              {"hop", c.features.mel.hop},
              {"n_mels", c.features.mel.n_mels}};
  f["standardization"] = {{"mean", standardization.mean}, {"sd", standardization.sd}};
  j["features"] = f;
  json regions = json::array();
  for (const auto& r : brain.regions)
    regions.push_back({{"name", r.name}, {"aal_label", r.label}, {"share", r.share}, {"voxels", r.voxels}});
  j["regions_with_signal"] = regions;
  j["mask"] = {{"atlas", brain.mask_atlas},
               {"rule", "Harvard-Oxford cortical max-probability thr0 label > 0, nearest neighbour"},
               {"region_atlas", brain.region_atlas},
               {"voxels", brain.mask.voxels.size()},
               {"grid", brain.grid.describe()}};
  j["noise"] = {{"model", "AR(1), stationary from the first scan: n[t] = phi n[t-1] + e[t]"},
                {"phi_range", {c.bold.phi_lo, c.bold.phi_hi}},
                {"sd", "baseline / tSNR"},
                {"tsnr_range", {c.bold.tsnr_lo, c.bold.tsnr_hi}},
                {"drift", fmt::format("per run: linear trend + DCT-II cosines k = 1..3, amplitudes N(0, ({} sd)^2)",
                                      c.bold.drift_scale)}};
  j["baseline_range"] = {c.bold.baseline_lo, c.bold.baseline_hi};
  j["signal_voxels"] = model.signal_columns.size();
  j["files"] = {
      {"weights.npy", "float32 [mask voxel, feature]; mask voxels in file order of the brain mask"},
      {"features_<task>_run-<NN>.npy", "float32 [scan, feature], standardized, before the HRF"},
      {"signal_voxels.npy", "int64 [k]: mask voxel indices of the signal regions (weights are 0 elsewhere)"},
      {"baseline.npy", "float32 [mask voxel]"},
      {"noise_sd.npy", "float32 [mask voxel]: stationary SD of the AR(1) noise"},
      {"ar1_phi.npy", "float32 [mask voxel]"},
      {"signal_share.npy", "float32 [mask voxel]: the voxel's share of the SNR (1 Heschl / superior temporal, "
                           "0.25 middle temporal, 0 elsewhere)"}};
  json rl = json::array();
  for (const auto& r : runs)
    rl.push_back({{"task", r.task}, {"run", r.run}, {"scans", r.scans},
                  {"features", fmt::format("features_{}_run-{:02d}.npy", r.task, r.run)}});
  j["runs"] = rl;
  return j;
}

DatasetSummary build(const SynthConfig& c, const Schedule& schedule, const std::string& root) {
  const auto t_start = std::chrono::steady_clock::now();
  DatasetSummary summary;
  summary.subjects = c.subjects;
  const double tr = c.bold.tr_s;
  fs::create_directories(root);

  // 1. Events files, byte for byte, for every subject; parse sub-001's copies.
  std::vector<ScheduleRun> runs;
  for (int s = 0; s < c.subjects; ++s) {
    const std::string sub = subject_id(s);
    for (const auto& f : schedule.files) {
      const std::string path =
          (fs::path(root) / ("sub-" + sub) / "func" / (run_stem(sub, f.task, f.run) + "_events.tsv")).string();
      write_text_file(path, f.contents);
      if (s == 0) {
        ScheduleRun r{f.task, f.run, fmri::read_events(path), 0};
        const double scans = r.events.end_s() / tr;
        r.scans = static_cast<int>(std::llround(scans));
        if (r.scans < 1 || std::fabs(scans - r.scans) > 1e-6)
          fail("schedule '{}' task {} run {}: the events end at {} s, not a whole number of {} s scans",
               schedule.source, f.task, f.run, r.events.end_s(), tr);
        runs.push_back(std::move(r));
      }
    }
  }
  summary.runs_per_subject = static_cast<int>(runs.size());
  for (const auto& r : runs) summary.volumes += r.scans;

  // 2. The brain (first, so that a missing atlas fails before any synthesis).
  BrainSpec brain_spec;
  brain_spec.templates_dir = c.templates_dir;
  brain_spec.voxel_mm = c.voxel_mm;
  const Brain brain = build_brain(brain_spec);
  summary.grid = brain.grid.describe();
  summary.voxels = static_cast<std::int64_t>(brain.mask.voxels.size());
  for (const auto& r : brain.regions) {
    summary.region_voxels.push_back({r.name, r.voxels});
    summary.signal_voxels += r.voxels;
  }

  // 3. Stimuli and bank audio.
  const std::vector<Stimulus> stimuli = collect_stimuli(runs);
  const std::vector<Stimulus> bank = make_bank(c.seed, c.bank_size, stimuli);
  summary.stimuli = static_cast<int>(stimuli.size());
  summary.bank_items = static_cast<int>(bank.size());
  fs::create_directories(fs::path(root) / "stimuli");
  fs::create_directories(fs::path(root) / "bank" / "audio");
  std::vector<std::vector<float>> stimulus_audio(stimuli.size());
  {
    Progress progress("synthesize audio", stimuli.size() + bank.size(), "clips");
    parallel_for(stimuli.size() + bank.size(), 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        check_cancel();
        const bool is_bank = i >= stimuli.size();
        const Stimulus& s = is_bank ? bank[i - stimuli.size()] : stimuli[i];
        std::vector<float> audio = synthesize_excerpt(c.seed, {s.key.genre, s.key.track, s.start_s, s.end_s});
        const std::string path =
            is_bank ? (fs::path(root) / "bank" / "audio" / fmt::format("bank.{:05d}.wav", i - stimuli.size())).string()
                    : (fs::path(root) / "stimuli" / (clip_stem(s.key) + ".wav")).string();
        io::write_audio(path, io::Audio{kSampleRate, 1, audio}, io::AudioFormat::wav_pcm16);
        if (!is_bank) stimulus_audio[i] = std::move(audio);
        progress.advance();
      }
    });
    progress.finish();
    summary.stages.push_back({"audio", progress.elapsed_seconds()});
  }
  std::string bank_tsv = "item\tfile\tgenre\n";
  for (std::size_t i = 0; i < bank.size(); ++i)
    bank_tsv += fmt::format("{}\taudio/bank.{:05d}.wav\t{}\n", i, i, genre_names()[static_cast<std::size_t>(bank[i].key.genre)]);
  write_text_file((fs::path(root) / "bank" / "bank.tsv").string(), bank_tsv);

  // 4. Stimulus features of every run's sound track.
  std::map<ClipKey, std::size_t> stimulus_of;
  for (std::size_t i = 0; i < stimuli.size(); ++i) stimulus_of[stimuli[i].key] = i;
  std::vector<RowMatrixF> features;
  {
    Progress progress("stimulus features", runs.size(), "runs");
    for (const auto& run : runs) {
      check_cancel();
      const auto samples = static_cast<std::size_t>(std::llround(run.scans * tr * kSampleRate));
      std::vector<float> track(samples, 0.0f);
      for (const auto& e : run.events.events) {
        const auto& audio = stimulus_audio[stimulus_of.at({genre_index(e.clip.genre), e.clip.track})];
        const auto at = static_cast<std::size_t>(std::llround(e.onset_s * kSampleRate));
        const auto length = std::min(audio.size(), static_cast<std::size_t>(std::llround(e.duration_s * kSampleRate)));
        for (std::size_t i = 0; i < length && at + i < samples; ++i) track[at + i] += audio[i];
      }
      features.push_back(scan_features(track, tr, run.scans, c.features));
      progress.advance();
    }
    progress.finish();
    summary.stages.push_back({"features", progress.elapsed_seconds()});
  }
  stimulus_audio.clear();
  const Standardization standardization = standardization_of(features);
  for (auto& f : features) standardize(f, standardization);
  const std::vector<double> kernel = hrf_kernel(tr);
  std::vector<RowMatrixF> drive;
  for (const auto& f : features) drive.push_back(convolve_hrf(f, kernel));

  // 5. Subjects: ground truth, mask and bold runs.
  fmri::NiftiWriteOptions nifti;
  nifti.mni_space = true;
  nifti.int16 = c.int16;
  const std::int64_t nvox = brain.grid.num_voxels();
  {
    Progress progress("bold runs", runs.size() * static_cast<std::size_t>(c.subjects), "runs");
    for (int s = 0; s < c.subjects; ++s) {
      const std::string sub = subject_id(s);
      const fs::path func = fs::path(root) / ("sub-" + sub) / "func";
      const fs::path deriv = fs::path(root) / "derivatives" / "b2m-synth" / ("sub-" + sub);
      const fs::path truth = deriv / "truth";
      fs::create_directories(deriv / "func");
      fs::create_directories(truth);
      fmri::write_mask((deriv / "func" / fmt::format("sub-{}_desc-brain_mask.nii.gz", sub)).string(), brain.mask, nifti);
      const SubjectModel model = make_subject(c.seed, s, brain, c.features.bands, drive, c.bold);
      write_npy_matrix((truth / "weights.npy").string(), model.weights);
      write_npy_vector((truth / "signal_voxels.npy").string(), model.signal_columns);
      write_npy_vector((truth / "baseline.npy").string(), model.baseline);
      write_npy_vector((truth / "noise_sd.npy").string(), model.noise_sd);
      write_npy_vector((truth / "ar1_phi.npy").string(), model.phi);
      write_npy_vector((truth / "signal_share.npy").string(), brain.share);
      for (std::size_t r = 0; r < runs.size(); ++r)
        write_npy_matrix((truth / fmt::format("features_{}_run-{:02d}.npy", runs[r].task, runs[r].run)).string(),
                         features[r]);
      write_text_file((truth / "truth.json").string(),
                      truth_json(c, sub, brain, model, kernel, standardization, runs).dump(2) + "\n");
      parallel_for(runs.size(), 1, [&](std::size_t begin, std::size_t end) {
        for (std::size_t r = begin; r < end; ++r) {
          check_cancel();
          const RowMatrixF y = simulate_run(c.seed, model, static_cast<int>(r), drive[r], c.bold);
          std::vector<float> volume(static_cast<std::size_t>(nvox * y.rows()), 0.0f);
          for (Eigen::Index t = 0; t < y.rows(); ++t) {
            float* out = volume.data() + t * nvox;
            for (std::size_t v = 0; v < brain.mask.voxels.size(); ++v)
              out[brain.mask.voxels[v]] = y(t, static_cast<Eigen::Index>(v));
          }
          const std::string stem = run_stem(sub, runs[r].task, runs[r].run);
          fmri::write_bold((func / (stem + "_bold.nii.gz")).string(), brain.grid, y.rows(), tr, volume, nifti);
          write_text_file((func / (stem + "_bold.json")).string(), bold_sidecar(runs[r].task, tr).dump(2) + "\n");
          progress.advance();
        }
      });
    }
    progress.finish();
    summary.stages.push_back({"bold", progress.elapsed_seconds()});
  }

  // 6. Top-level files.
  write_text_file((fs::path(root) / "dataset_description.json").string(), dataset_description(c).dump(2) + "\n");
  write_text_file((fs::path(root) / "participants.tsv").string(), participants_tsv(c.subjects));
  write_text_file((fs::path(root) / "README").string(),
                  dataset_readme(c, schedule.source, summary.voxels, summary.signal_voxels, summary.stimuli,
                                 summary.bank_items));
  summary.bytes = folder_bytes(root);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return summary;
}

}  // namespace

void request_cancel() { g_cancel.store(true, std::memory_order_relaxed); }

bool is_b2m_synth_dataset(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "dataset_description.json");
  if (!in) return false;
  try {
    const auto j = nlohmann::json::parse(in);
    if (!j.contains("GeneratedBy") || !j["GeneratedBy"].is_array()) return false;
    for (const auto& g : j["GeneratedBy"])
      if (g.is_object() && g.value("Name", "") == "b2m-synth") return true;
  } catch (const std::exception&) {
    return false;
  }
  return false;
}

DatasetSummary write_dataset(const SynthConfig& config, const Schedule& schedule, const std::string& out_dir,
                             const WriteOptions& options) {
  validate(config);
  if (schedule.files.empty()) fail("the schedule '{}' has no events file", schedule.source);
  std::string out = out_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.empty()) fail("the output folder name is empty");
  check_target(out, options);
  const std::string partial = fmt::format("{}.partial-{}", out, ::getpid());
  std::error_code ec;
  fs::remove_all(partial, ec);
  g_cancel.store(false);
  DatasetSummary summary;
  try {
    summary = build(config, schedule, partial);
    check_cancel();
    if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
      // --force (checked above): swap the new dataset in, then drop the old one.
      const std::string old = fmt::format("{}.old-{}", out, ::getpid());
      fs::rename(out, old);
      fs::rename(partial, out);
      fs::remove_all(old, ec);
    } else {
      if (fs::exists(out, ec)) fs::remove(out, ec);  // an empty folder
      fs::rename(partial, out);
    }
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(partial, ec);
    fail("writing '{}' failed: {}", out, e.what());
  } catch (...) {
    fs::remove_all(partial, ec);
    throw;
  }
  summary.out_dir = out;
  return summary;
}

}  // namespace b2m::synth
