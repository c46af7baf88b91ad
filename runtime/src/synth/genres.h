// The per-genre composition recipes (internal to track.cpp).
#pragma once

#include "b2m/synth/random.h"
#include "b2m/synth/track.h"

namespace b2m::synth {

// Fills track (tempo, key, patches, notes, master gain, summary) for genre 0..9.
void compose_genre(int genre, Track& track, Rng& rng);

}  // namespace b2m::synth
