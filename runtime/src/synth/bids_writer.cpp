#include "bids_writer.h"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "b2m/runtime/error.h"
#include "b2m/synth/dataset.h"

namespace b2m::synth {

void write_text_file(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) fail("cannot write '{}' (folder not writable or disk full)", path);
}

std::string subject_id(int index) { return fmt::format("{:03d}", index + 1); }

std::string run_stem(const std::string& subject, const std::string& task, int run) {
  return fmt::format("sub-{}_task-{}_run-{:02d}", subject, task, run);
}

nlohmann::ordered_json dataset_description(const SynthConfig& c) {
  nlohmann::ordered_json d;
  d["Name"] = "b2m-synth simulated Music Genre fMRI Dataset";
  d["BIDSVersion"] = "1.8.0";
  d["DatasetType"] = "raw";
  d["License"] = "CC0";
  nlohmann::ordered_json g;
  g["Name"] = "b2m-synth";
  g["Version"] = kSynthVersion;
  g["Description"] =
      "Simulated with the layout and event schedule of OpenNeuro ds003720: synthesized music "
      "stimuli, cortical mask and auditory regions from mricron-data atlases, voxel responses "
      "linear in log-mel stimulus features convolved with SPM's canonical HRF, plus drift and "
      "AR(1) noise. Ground truth in derivatives/b2m-synth.";
  g["preset"] = c.preset;
  g["seed"] = c.seed;
  g["snr"] = c.bold.snr;
  g["voxel_size_mm"] = c.voxel_mm;
  g["subjects"] = c.subjects;
  g["bank_size"] = c.bank_size;
  d["GeneratedBy"] = nlohmann::ordered_json::array({g});
  d["ReferencesAndLinks"] = nlohmann::ordered_json::array(
      {"Nakai, Koide-Majima and Nishimoto (2021), Brain and Behavior 11(1) e01936 (the real dataset's schedule)",
       "Denk et al. (2023), Brain2Music, arXiv 2307.11078"});
  return d;
}

std::string participants_tsv(int subjects) {
  std::string s = "participant_id\tdescription\n";
  for (int i = 0; i < subjects; ++i) s += fmt::format("sub-{}\tsimulated by b2m-synth\n", subject_id(i));
  return s;
}

nlohmann::ordered_json bold_sidecar(const std::string& task, double tr_s) {
  nlohmann::ordered_json j;
  j["RepetitionTime"] = tr_s;
  j["TaskName"] = task;
  j["TaskDescription"] = "passive listening to 15 s music excerpts of 10 genres (simulated)";
  j["Manufacturer"] = "b2m-synth";
  j["SpatialReference"] = "MNI152 (grid of the mricron-data templates)";
  j["SkullStripped"] = true;
  return j;
}

std::string dataset_readme(const SynthConfig& c, const std::string& schedule_source, long long voxels,
                           long long signal_voxels, int stimuli, int bank_items) {
  return fmt::format(
      "# b2m-synth simulated Music Genre fMRI dataset\n\n"
      "This dataset is simulated; no person was scanned. It has the layout and the exact event\n"
      "schedule of OpenNeuro ds003720 (Nakai, Koide-Majima & Nishimoto), the dataset used by\n"
      "Brain2Music, so that pipelines written for the real data run on it unchanged.\n\n"
      "- generator: b2m-synth {} (preset '{}', seed {}, SNR {}, {} mm voxels)\n"
      "- schedule: {}\n"
      "- subjects: {}; runs per subject: 12 Training + 6 Test, TR 1.5 s\n"
      "- cortical voxels: {} (Harvard-Oxford cortical thr0 label > 0, MNI grid); with stimulus\n"
      "  signal: {} (AAL Heschl, superior and middle temporal gyri)\n"
      "- stimuli: {} synthesized 15 s excerpts in stimuli/ (22050 Hz, 2 s fades, RMS 0.1321)\n"
      "- retrieval bank: {} more clips in bank/ (bank.tsv lists their genres)\n\n"
      "Ground truth (voxel weights, stimulus features, HRF, noise parameters) is in\n"
      "derivatives/b2m-synth/sub-*/truth/; see truth.json there and b2m's docs/simulator.md.\n",
      kSynthVersion, c.preset, c.seed, c.bold.snr, c.voxel_mm, schedule_source, c.subjects, voxels, signal_voxels,
      stimuli, bank_items);
}

}  // namespace b2m::synth
