// Scales, chords written as Roman numerals, and chord voicings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace b2m::synth {

// Scales as semitones above the tonic.
namespace scales {
inline const std::vector<int> major{0, 2, 4, 5, 7, 9, 11};
inline const std::vector<int> minor{0, 2, 3, 5, 7, 8, 10};
inline const std::vector<int> dorian{0, 2, 3, 5, 7, 9, 10};
inline const std::vector<int> mixolydian{0, 2, 4, 5, 7, 9, 10};
inline const std::vector<int> harmonic_minor{0, 2, 3, 5, 7, 8, 11};
inline const std::vector<int> phrygian{0, 1, 3, 5, 7, 8, 10};
inline const std::vector<int> major_pentatonic{0, 2, 4, 7, 9};
inline const std::vector<int> minor_pentatonic{0, 3, 5, 7, 10};
inline const std::vector<int> blues{0, 3, 5, 6, 7, 10};
}  // namespace scales

// A chord: root in semitones above the key's tonic, and its tones in
// semitones above the root (the root itself included as 0).
struct Chord {
  int root = 0;
  std::vector<int> tones{0, 4, 7};
  bool has_pitch_class(int pc_above_tonic) const;
};

// Parses a Roman numeral: optional 'b' / '#', I..VII (upper case: major,
// lower case: minor), optional suffix: 7 (dominant for upper case, minor
// seventh for lower case), maj7, 6, 9, 5 (power chord), dim, m7b5, sus4.
// Degrees are those of the major scale (iii = minor chord on the 3rd), so
// minor keys are written i iv v bIII bVI bVII. Throws b2m::Error on bad text.
Chord parse_chord(std::string_view numeral);

// A whitespace-separated progression, e.g. "I7 IV7 I7 I7".
std::vector<Chord> parse_progression(std::string_view text);

// MIDI pitches of the chord in the key whose tonic is `tonic_midi`, in close
// position with the lowest tone at or above `low`, turned to the inversion
// whose mean pitch is closest to `center` (voice leading).
std::vector<int> voice_chord(const Chord& chord, int tonic_midi, int low, double center);

// The MIDI pitch of pitch class `pc_above_tonic` nearest to `near`.
int nearest_pitch(int tonic_midi, int pc_above_tonic, double near);

// Scale degree index -> MIDI pitch (degree may be negative or beyond the scale).
int scale_pitch(const std::vector<int>& scale, int tonic_midi, int degree);

// The scale degree index whose pitch is nearest to `midi` (ties: lower).
int nearest_degree(const std::vector<int>& scale, int tonic_midi, int midi);

}  // namespace b2m::synth
