// Colour maps for the report's heatmaps: a viridis approximation (matplotlib's
// 11 anchor colours, linearly interpolated) and a light sequential blue for
// the confusion matrix.
#pragma once

#include <cstdint>
#include <string>

namespace b2m::report {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
};

// t in [0, 1] (clamped; NaN maps to 0): dark purple -> blue -> green -> yellow.
Rgb viridis(double t);
// t in [0, 1]: white -> dark blue.
Rgb blues(double t);
// "#rrggbb"
std::string hex(Rgb c);

}  // namespace b2m::report
