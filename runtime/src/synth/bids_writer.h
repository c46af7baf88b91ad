// Text files of the simulated BIDS dataset (internal to dataset.cpp).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "b2m/synth/presets.h"

namespace b2m::synth {

// Writes `text` to `path` (creating parent folders); fails naming the file.
void write_text_file(const std::string& path, const std::string& text);

nlohmann::ordered_json dataset_description(const SynthConfig& config);
std::string participants_tsv(int subjects);
nlohmann::ordered_json bold_sidecar(const std::string& task, double tr_s);
std::string dataset_readme(const SynthConfig& config, const std::string& schedule_source, long long voxels,
                           long long signal_voxels, int stimuli, int bank_items);

// "001" for subject index 0.
std::string subject_id(int index);
// "sub-001_task-Training_run-01"
std::string run_stem(const std::string& subject, const std::string& task, int run);

}  // namespace b2m::synth
