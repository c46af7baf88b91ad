// BIDS dataset discovery, bold sidecars (RepetitionTime) and checked run loading.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <tuple>

#include "b2m/fmri/bids.h"
#include "b2m/runtime/error.h"

namespace b2m::fmri {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) fail("{} '{}' cannot be opened", what, path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail("{} '{}' is not valid JSON: {}", what, path, e.what());
  }
}

}  // namespace

std::vector<BidsRun> BidsDataset::runs_of(const std::string& subject, const std::string& task) const {
  std::vector<BidsRun> out;
  for (const BidsRun& r : runs)
    if (r.subject == subject && (task.empty() || r.task == task)) out.push_back(r);
  return out;
}

BidsDataset open_bids_dataset(const std::string& root) {
  BidsDataset dataset;
  dataset.root = root;
  const std::string description_path = (fs::path(root) / "dataset_description.json").string();
  if (!fs::exists(description_path))
    fail("'{}' is not a BIDS dataset: it has no dataset_description.json", root);
  const nlohmann::json description = read_json(description_path, "BIDS description");
  if (!description.is_object() || !description.contains("Name") ||
      !description["Name"].is_string() || !description.contains("BIDSVersion") ||
      !description["BIDSVersion"].is_string())
    fail("'{}' must have string fields Name and BIDSVersion", description_path);
  dataset.name = description["Name"].get<std::string>();
  dataset.bids_version = description["BIDSVersion"].get<std::string>();

  // sub-<label>_task-<label>_run-<index>_<suffix>
  static const std::regex pattern(
      R"(sub-([A-Za-z0-9]+)_task-([A-Za-z0-9]+)_run-([0-9]+)_(events\.tsv|bold\.json|bold\.nii|bold\.nii\.gz))");
  std::map<std::tuple<std::string, std::string, int>, BidsRun> found;
  for (const auto& subject_dir : fs::directory_iterator(root)) {
    const std::string name = subject_dir.path().filename().string();
    if (!subject_dir.is_directory() || name.rfind("sub-", 0) != 0) continue;
    dataset.subjects.push_back(name.substr(4));
    const fs::path func = subject_dir.path() / "func";
    if (!fs::is_directory(func)) continue;
    for (const auto& entry : fs::directory_iterator(func)) {
      std::smatch m;
      const std::string file = entry.path().filename().string();
      if (!std::regex_match(file, m, pattern)) continue;
      const auto key = std::make_tuple(m[1].str(), m[2].str(), std::stoi(m[3].str()));
      BidsRun& run = found[key];
      run.subject = m[1].str();
      run.task = m[2].str();
      run.run = std::get<2>(key);
      const std::string suffix = m[4].str();
      if (suffix == "events.tsv") run.events_path = entry.path().string();
      else if (suffix == "bold.json") run.sidecar_path = entry.path().string();
      else run.bold_path = entry.path().string();
    }
  }
  std::sort(dataset.subjects.begin(), dataset.subjects.end());
  for (auto& [key, run] : found)
    if (!run.events_path.empty() || !run.bold_path.empty()) dataset.runs.push_back(run);
  if (dataset.runs.empty())
    fail("BIDS dataset '{}' has no sub-*/func/*_task-*_run-*_events.tsv or _bold.nii[.gz] file",
         root);
  return dataset;
}

std::string find_brain_mask(const std::string& root, const std::string& subject) {
  const std::regex pattern("sub-" + subject + R"(([_-][A-Za-z0-9_-]*)?_desc-brain_mask\.nii(\.gz)?)");
  std::vector<fs::path> folders;
  std::error_code ec;
  const fs::path derivatives = fs::path(root) / "derivatives";
  if (fs::is_directory(derivatives, ec))
    for (const auto& pipeline : fs::directory_iterator(derivatives, ec))
      folders.push_back(pipeline.path() / ("sub-" + subject) / "func");
  std::sort(folders.begin(), folders.end());
  folders.push_back(fs::path(root) / ("sub-" + subject) / "func");
  for (const auto& folder : folders) {
    if (!fs::is_directory(folder, ec)) continue;
    std::vector<std::string> hits;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const std::string file = entry.path().filename().string();
      if (std::regex_match(file, pattern)) hits.push_back(entry.path().string());
    }
    std::sort(hits.begin(), hits.end());
    if (!hits.empty()) return hits.front();
  }
  return "";
}

double read_repetition_time(const std::string& sidecar_path) {
  if (sidecar_path.empty()) fail("the run has no _bold.json sidecar, so its RepetitionTime is unknown");
  const nlohmann::json sidecar = read_json(sidecar_path, "bold sidecar");
  if (!sidecar.is_object() || !sidecar.contains("RepetitionTime"))
    fail("bold sidecar '{}' has no RepetitionTime", sidecar_path);
  const nlohmann::json& tr = sidecar["RepetitionTime"];
  if (!tr.is_number() || !(tr.get<double>() > 0.0))
    fail("bold sidecar '{}': RepetitionTime is {}, not a positive number of seconds", sidecar_path,
         tr.dump());
  return tr.get<double>();
}

void check_repetition_time(const std::string& sidecar_path, double sidecar_tr_s,
                           const NiftiHeader& header) {
  if (std::isnan(header.time_step_s))
    fail("NIfTI '{}': pixdim[4] is not in a time unit, so its TR cannot be checked against "
         "'{}' (RepetitionTime {} s)",
         header.path, sidecar_path, sidecar_tr_s);
  if (header.time_step_s == 0.0)
    fail("NIfTI '{}' has no time step (pixdim[4] = 0) to check against RepetitionTime {} s in "
         "'{}'",
         header.path, sidecar_tr_s, sidecar_path);
  if (std::abs(header.time_step_s - sidecar_tr_s) > 1e-3)
    fail("TR disagrees: '{}' says RepetitionTime {} s but the NIfTI header of '{}' says "
         "pixdim[4] = {} s",
         sidecar_path, sidecar_tr_s, header.path, header.time_step_s);
}

RunData load_run(const BidsRun& run, const Mask* mask) {
  if (run.bold_path.empty())
    fail("run sub-{} task-{} run-{} has no bold file (_bold.nii or _bold.nii.gz) next to '{}'",
         run.subject, run.task, run.run, run.events_path);
  if (run.events_path.empty())
    fail("bold '{}' has no _events.tsv", run.bold_path);
  RunData data;
  data.run = run;
  data.tr_s = read_repetition_time(run.sidecar_path);
  const NiftiHeader header = read_nifti_header(run.bold_path);
  check_repetition_time(run.sidecar_path, data.tr_s, header);
  data.events = read_events(run.events_path);
  // Same length: the events span as many scans as the bold has volumes.
  const double events_end = data.events.end_s();
  const double events_scans = events_end / data.tr_s;
  if (std::abs(events_scans - static_cast<double>(header.num_volumes)) >= 1.0 - 1e-6)
    fail("bold and events differ in length: '{}' has {} volumes x {} s = {} s but the events "
         "in '{}' end at {} s ({} scans)",
         run.bold_path, header.num_volumes, data.tr_s, header.num_volumes * data.tr_s,
         run.events_path, events_end, events_scans);
  data.bold = read_bold(run.bold_path, mask);
  return data;
}

}  // namespace b2m::fmri
