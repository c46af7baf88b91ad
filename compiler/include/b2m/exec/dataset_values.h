// Dataset values shared by the runtime ops that read a BIDS dataset's events
// (fmri.bids, fmri.windows, music.stimulus_logmel): the stdlib's `Events`
// record as plain vectors, stimulus codes, and the windows of every kept
// presentation. fmri.windows and music.stimulus_logmel enumerate windows with
// the same function, so their rows always line up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "b2m/exec/executor.h"
#include "b2m/fmri/bids.h"

namespace b2m::exec {

// stdlib fmri.Events: one entry per event, runs in order.
struct Events {
  std::vector<double> onset, duration;
  std::vector<std::int64_t> stimulus;  // GTZAN code: genre * 100 + track
  std::vector<std::int64_t> genre;     // index into fmri::gtzan_genres()
  std::vector<std::int64_t> run;       // BIDS run number
};

Value events_value(const Events& events);
Events events_of(const Value& record);

// genre * 100 + track; fails naming file:line for a genre outside GTZAN's ten.
std::int64_t stimulus_code(const fmri::Clip& clip, const std::string& file, int line);
fmri::Clip clip_of_code(std::int64_t code);

// Window `window` of a kept presentation of event `event`: it starts at
// `start_s` (run time) and lasts the requested length. `clip` numbers the
// distinct stimuli 0.. in order of first kept presentation.
struct PresentationWindow {
  std::size_t event = 0;
  int window = 0;
  double start_s = 0.0;
  std::int64_t clip = 0;
  std::int64_t stimulus = 0;
  std::int64_t genre = 0;
  std::int64_t run = 0;
};

// floor((duration - length) / step) + 1 windows per presentation (4 for the
// dataset's 15 s clips and 10 s windows at 1.5 s), clip-major. Lead-ins (the
// first event of each run) are dropped as fmri::collect_presentations does.
std::vector<PresentationWindow> presentation_windows(const Events& events, double length_s, double step_s,
                                                     bool drop_lead_in);

}  // namespace b2m::exec
