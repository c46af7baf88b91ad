// BIDS datasets of the Music Genre fMRI kind (OpenNeuro ds003720).
//
// Events: `*_events.tsv` with columns onset, duration, genre, track (start,
// end optional). Genres are stored quoted ('disco') and a few rows lack the
// opening quote (classical'): all quote characters around a genre are
// stripped and the row is counted as malformed when its quotes do not pair.
// A clip is identified by (genre, track) - the GTZAN file genre.000NN.wav - so
// that a clip played twice (each run starts by repeating a clip: the previous
// training run's last clip, or the same test run's last clip) is one clip.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "b2m/fmri/nifti.h"

namespace b2m::fmri {

struct Clip {
  std::string genre;  // lower case, unquoted
  int track = -1;     // GTZAN index 0..99
  auto operator<=>(const Clip&) const = default;
  // "blues.00017", the GTZAN file stem.
  std::string id() const;
};

struct Event {
  double onset_s = 0.0;
  double duration_s = 0.0;
  Clip clip;
  double excerpt_start_s = 0.0;  // offset of the excerpt in the GTZAN track (NaN if absent)
  double excerpt_end_s = 0.0;
  bool malformed_genre = false;  // quotes did not pair, e.g. classical'
  int line = 0;                  // 1-based line in the file
};

struct EventsFile {
  std::string path;
  std::vector<Event> events;
  int malformed_rows = 0;
  double end_s() const;  // max(onset + duration)
};

// Reads one events file. Fails naming the file and line on a missing column,
// a non-numeric onset/duration/track, or an empty genre.
EventsFile read_events(const std::string& path);

// One run found in a dataset (entities from the file name).
struct BidsRun {
  std::string subject;  // "001" (without "sub-")
  std::string task;     // "Training"
  int run = 0;          // 1
  std::string events_path;
  std::string sidecar_path;  // *_bold.json ("" if absent)
  std::string bold_path;     // *_bold.nii or *_bold.nii.gz ("" if absent)
};

struct BidsDataset {
  std::string root;
  std::string name;          // dataset_description.json Name
  std::string bids_version;  // dataset_description.json BIDSVersion
  std::vector<std::string> subjects;
  std::vector<BidsRun> runs;  // sorted by subject, task, run

  // Runs of one subject and task, in run order (empty task: all tasks).
  std::vector<BidsRun> runs_of(const std::string& subject, const std::string& task = "") const;
};

// Scans root/sub-*/func/ for *_task-*_run-*_{events.tsv,bold.json,bold.nii[.gz]}.
// A run is listed when it has an events file or a bold file. Fails when
// dataset_description.json is missing or lacks Name / BIDSVersion.
BidsDataset open_bids_dataset(const std::string& root);

// The brain mask of a subject: the first match, in name order, of
// <root>/derivatives/*/sub-<subject>/func/sub-<subject>*_desc-brain_mask.nii[.gz]
// or <root>/sub-<subject>/func/sub-<subject>*_desc-brain_mask.nii[.gz]
// (fMRIPrep's naming). Empty when the dataset has none.
std::string find_brain_mask(const std::string& root, const std::string& subject);

// RepetitionTime (s) from a bold sidecar; fails when missing or not positive.
double read_repetition_time(const std::string& sidecar_path);

// Fails unless the sidecar TR and the NIfTI pixdim[4] (in seconds via its
// units) agree to 1 ms.
void check_repetition_time(const std::string& sidecar_path, double sidecar_tr_s,
                           const NiftiHeader& header);

// A run's bold data checked against its sidecar and events.
struct RunData {
  BidsRun run;
  double tr_s = 0.0;
  EventsFile events;
  BoldData bold;  // [volume x voxel]
};

// Reads a run: TR from the sidecar checked against the header, bold under
// `mask`, and the events checked to cover the same number of scans as the bold
// (round(events end / TR) == volumes), naming both files otherwise.
RunData load_run(const BidsRun& run, const Mask* mask);

// The clips of a set of runs, with the lead-in repeats dropped.
struct Presentation {
  Clip clip;
  std::size_t run_index = 0;    // index into the runs given
  std::size_t event_index = 0;  // index into that run's events
  double onset_s = 0.0;
};

struct StimulusTable {
  std::vector<Clip> clips;                   // unique clips, in first-presentation order
  std::vector<Presentation> presentations;   // every kept presentation, in run order
  std::vector<std::size_t> clip_of;          // presentations[i].clip == clips[clip_of[i]]
  std::size_t lead_ins_dropped = 0;
  int malformed_rows = 0;

  std::size_t repetitions_of(const Clip& clip) const;
};

// Drops the first event of every run when `drop_lead_in` (the dataset's
// convention; each such clip must be presented again elsewhere in `runs`, else
// an error names the run), and indexes unique clips.
StimulusTable collect_presentations(std::span<const EventsFile> runs, bool drop_lead_in = true);

// The ten GTZAN genres in alphabetical order.
std::span<const std::string> gtzan_genres();

}  // namespace b2m::fmri
