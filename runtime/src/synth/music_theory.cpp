#include "b2m/synth/music_theory.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>

#include "b2m/runtime/error.h"

namespace b2m::synth {

namespace {
int positive_mod(int a, int m) { return ((a % m) + m) % m; }
}  // namespace

bool Chord::has_pitch_class(int pc) const {
  for (int t : tones)
    if (positive_mod(root + t, 12) == positive_mod(pc, 12)) return true;
  return false;
}

Chord parse_chord(std::string_view text) {
  std::size_t i = 0;
  int shift = 0;
  if (i < text.size() && (text[i] == 'b' || text[i] == '#')) shift = text[i++] == 'b' ? -1 : 1;
  std::size_t start = i;
  while (i < text.size() && std::string_view("IViv").find(text[i]) != std::string_view::npos) ++i;
  const std::string numeral(text.substr(start, i - start));
  std::string upper = numeral;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const char* kNumerals[] = {"I", "II", "III", "IV", "V", "VI", "VII"};
  static const int kDegree[] = {0, 2, 4, 5, 7, 9, 11};
  int degree = -1;
  for (int d = 0; d < 7; ++d)
    if (upper == kNumerals[d]) degree = d;
  if (degree < 0) fail("chord '{}': expected a Roman numeral I..VII", text);
  const bool major = std::isupper(static_cast<unsigned char>(numeral[0]));
  const std::string_view suffix = text.substr(i);
  Chord chord;
  chord.root = kDegree[degree] + shift;
  const int third = major ? 4 : 3;
  if (suffix.empty()) chord.tones = {0, third, 7};
  else if (suffix == "7") chord.tones = {0, third, 7, 10};
  else if (suffix == "maj7") chord.tones = {0, 4, 7, 11};
  else if (suffix == "6") chord.tones = {0, third, 7, 9};
  else if (suffix == "9") chord.tones = {0, third, 7, 10, 14};
  else if (suffix == "5") chord.tones = {0, 7, 12};
  else if (suffix == "dim") chord.tones = {0, 3, 6};
  else if (suffix == "m7b5") chord.tones = {0, 3, 6, 10};
  else if (suffix == "sus4") chord.tones = {0, 5, 7};
  else fail("chord '{}': unknown suffix '{}'", text, suffix);
  return chord;
}

std::vector<Chord> parse_progression(std::string_view text) {
  std::vector<Chord> chords;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) chords.push_back(parse_chord(word));
  if (chords.empty()) fail("empty chord progression");
  return chords;
}

std::vector<int> voice_chord(const Chord& chord, int tonic_midi, int low, double center) {
  std::vector<int> pitches;
  for (int t : chord.tones) {
    int p = tonic_midi + chord.root + t;
    while (p < low) p += 12;
    while (p >= low + 12) p -= 12;
    pitches.push_back(p);
  }
  std::sort(pitches.begin(), pitches.end());
  pitches.erase(std::unique(pitches.begin(), pitches.end()), pitches.end());
  // Try inversions: move the lowest tone up an octave, or the highest down.
  std::vector<int> best = pitches;
  auto mean = [](const std::vector<int>& v) {
    double s = 0;
    for (int p : v) s += p;
    return s / static_cast<double>(v.size());
  };
  double best_distance = std::fabs(mean(best) - center);
  std::vector<int> up = pitches, down = pitches;
  for (std::size_t k = 0; k < pitches.size(); ++k) {
    up.front() += 12;
    std::sort(up.begin(), up.end());
    down.back() -= 12;
    std::sort(down.begin(), down.end());
    for (const auto* v : {&up, &down}) {
      const double d = std::fabs(mean(*v) - center);
      if (d < best_distance - 1e-9) {
        best_distance = d;
        best = *v;
      }
    }
  }
  return best;
}

int nearest_pitch(int tonic_midi, int pc, double near) {
  int best = 0;
  double best_distance = std::numeric_limits<double>::max();
  const int base = tonic_midi + positive_mod(pc, 12);
  for (int octave = -8; octave <= 8; ++octave) {
    const int p = base + 12 * octave;
    const double d = std::fabs(p - near);
    if (d < best_distance) {
      best_distance = d;
      best = p;
    }
  }
  return best;
}

int scale_pitch(const std::vector<int>& scale, int tonic_midi, int degree) {
  const int n = static_cast<int>(scale.size());
  const int octave = degree >= 0 ? degree / n : -((-degree + n - 1) / n);
  return tonic_midi + 12 * octave + scale[static_cast<std::size_t>(degree - octave * n)];
}

int nearest_degree(const std::vector<int>& scale, int tonic_midi, int midi) {
  const int n = static_cast<int>(scale.size());
  int guess = (midi - tonic_midi) * n / 12;
  int best = guess;
  int best_distance = std::numeric_limits<int>::max();
  for (int d = guess - n - 1; d <= guess + n + 1; ++d) {
    const int distance = std::abs(scale_pitch(scale, tonic_midi, d) - midi);
    if (distance < best_distance) {
      best_distance = distance;
      best = d;
    }
  }
  return best;
}

}  // namespace b2m::synth
