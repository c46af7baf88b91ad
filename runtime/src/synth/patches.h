// Named instrument presets, each with a little random variation so that two
// tracks of a genre never share exactly the same sound (internal).
#pragma once

#include "b2m/synth/instruments.h"
#include "b2m/synth/random.h"

namespace b2m::synth::patches {

// Drums.
Patch kick_acoustic(Rng& rng);
Patch kick_808(Rng& rng);
Patch kick_metal(Rng& rng);
Patch kick_disco(Rng& rng);
Patch kick_jazz(Rng& rng);
Patch snare_acoustic(Rng& rng);
Patch snare_fat(Rng& rng);
Patch snare_metal(Rng& rng);
Patch snare_brush(Rng& rng);
Patch clap(Rng& rng);
Patch hat_closed(Rng& rng);
Patch hat_open(Rng& rng);
Patch ride(Rng& rng);
Patch crash(Rng& rng);
Patch rim(Rng& rng);
Patch shaker(Rng& rng);

// Basses.
Patch upright_bass(Rng& rng);
Patch electric_bass(Rng& rng);
Patch synth_bass(Rng& rng);
Patch sub_808(Rng& rng);
Patch reggae_bass(Rng& rng);
Patch distorted_bass(Rng& rng);
Patch cello(Rng& rng);

// Chords and pads.
Patch strings(Rng& rng);
Patch disco_strings(Rng& rng);
Patch piano(Rng& rng);
Patch bright_piano(Rng& rng);
Patch epiano(Rng& rng);
Patch organ(Rng& rng, int drawbars);
Patch harp(Rng& rng);
Patch acoustic_guitar(Rng& rng);
Patch banjo(Rng& rng);
Patch skank_guitar(Rng& rng);
Patch scratch_guitar(Rng& rng);
Patch metal_guitar(Rng& rng);
Patch rock_guitar(Rng& rng);
Patch pop_pad(Rng& rng);
Patch pop_pluck(Rng& rng);
Patch brass(Rng& rng);

// Leads.
Patch violin(Rng& rng);
Patch fiddle(Rng& rng);
Patch flute(Rng& rng);
Patch twang_guitar(Rng& rng);
Patch pedal_steel(Rng& rng);
Patch blues_guitar(Rng& rng);
Patch harmonica(Rng& rng);
Patch sax(Rng& rng);
Patch trumpet(Rng& rng);
Patch vibes(Rng& rng);
Patch glockenspiel(Rng& rng);
Patch lead_guitar(Rng& rng, float drive);
Patch pop_lead(Rng& rng);
Patch melodica(Rng& rng);

}  // namespace b2m::synth::patches
