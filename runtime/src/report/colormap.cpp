#include "b2m/report/colormap.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace b2m::report {

namespace {

// matplotlib's viridis at t = 0, 0.1, ..., 1.
constexpr Rgb kViridis[11] = {{0x44, 0x01, 0x54}, {0x48, 0x24, 0x75}, {0x41, 0x44, 0x87}, {0x35, 0x5f, 0x8d},
                              {0x2a, 0x78, 0x8e}, {0x21, 0x91, 0x8c}, {0x22, 0xa8, 0x84}, {0x44, 0xbf, 0x70},
                              {0x7a, 0xd1, 0x51}, {0xbd, 0xdf, 0x26}, {0xfd, 0xe7, 0x25}};
constexpr Rgb kBlues[3] = {{0xf7, 0xfb, 0xff}, {0x6b, 0xae, 0xd6}, {0x08, 0x30, 0x6b}};

template <std::size_t N>
Rgb interpolate(const Rgb (&table)[N], double t) {
  if (!(t > 0.0)) return table[0];  // also NaN
  if (t >= 1.0) return table[N - 1];
  double x = t * double(N - 1);
  std::size_t i = std::min<std::size_t>(std::size_t(x), N - 2);
  double f = x - double(i);
  auto mix = [f](std::uint8_t a, std::uint8_t b) {
    return static_cast<std::uint8_t>(std::lround(double(a) + (double(b) - double(a)) * f));
  };
  return {mix(table[i].r, table[i + 1].r), mix(table[i].g, table[i + 1].g), mix(table[i].b, table[i + 1].b)};
}

}  // namespace

Rgb viridis(double t) { return interpolate(kViridis, t); }
Rgb blues(double t) { return interpolate(kBlues, t); }
std::string hex(Rgb c) { return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b); }

}  // namespace b2m::report
