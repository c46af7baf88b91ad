// The inputs of b2m-report: a decoding run's output folder and its dataset
// (contract in docs/report.md). Everything is loaded and cross-checked here so
// that rendering never meets a missing file or a shape mismatch; every error
// is a b2m::Error naming the file and the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace b2m::report {

// GTZAN genres in alphabetical order; stimulus codes are genre_index*100 + track.
const std::vector<std::string>& gtzan_genres();
// "disco.00017" for 317; fails on a code outside [0, 1000).
std::string stimulus_name(std::int64_t code);

struct BankItem {
  std::string file;   // absolute or relative to the working directory
  std::string genre;  // as written in bank.tsv
};

struct RunData {
  std::string run_dir, data_dir;
  nlohmann::json metrics;              // metrics.json (an object)
  nlohmann::json dataset_description;  // null when the dataset has none
  std::vector<float> identification;   // [clip]
  std::vector<float> pearson;          // [dim]
  std::vector<std::int64_t> clips;     // [clip] stimulus codes
  std::vector<std::int64_t> genre;     // [clip]
  std::size_t ranks = 0;
  std::vector<std::int64_t> retrieved;        // [clip, rank]
  std::vector<std::int64_t> retrieved_genre;  // [clip, rank]
  std::vector<float> retrieved_score;         // [clip, rank]
  std::optional<std::vector<float>> region_score;
  // Optional regions.json: the region names, in region_score's order.
  std::vector<std::string> region_names;
  // Inputs that are optional and unusable (e.g. region_score.npy not 1-D):
  // shown as notes in the report instead of failing it.
  std::vector<std::string> warnings;
  std::map<std::int64_t, BankItem> bank;      // by item index

  std::size_t clip_count() const { return clips.size(); }
  std::string stimulus_path(std::size_t clip) const;
  // recon/retrieved_<c>.wav or recon/generated_<c>.wav when present, else "".
  std::string recon_path(const std::string& kind, std::size_t clip) const;
  // The top-1 retrieved audio: recon/retrieved_<c>.wav, else the bank file.
  std::string retrieved_path(std::size_t clip) const;
};

RunData load_run(const std::string& run_dir, const std::string& data_dir);

}  // namespace b2m::report
