#include "b2m/report/wav_bytes.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "b2m/runtime/error.h"

namespace b2m::report {

namespace {

void put_u16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(std::byte(v & 0xff));
  out.push_back(std::byte(v >> 8));
}
void put_u32(std::vector<std::byte>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::byte(v >> (8 * i) & 0xff));
}
void put_tag(std::vector<std::byte>& out, const char (&tag)[5]) {
  for (int i = 0; i < 4; ++i) out.push_back(std::byte(tag[i]));
}

}  // namespace

std::vector<std::byte> encode_wav_pcm16(const io::Audio& audio) {
  if (audio.sample_rate <= 0 || audio.channels <= 0)
    fail("WAV: sample rate {} and channels {} must be positive", audio.sample_rate, audio.channels);
  std::size_t data_bytes = audio.samples.size() * 2;
  if (data_bytes > std::numeric_limits<std::uint32_t>::max() - 44) fail("WAV: {} samples is too long", audio.samples.size());
  std::vector<std::byte> out;
  out.reserve(44 + data_bytes);
  put_tag(out, "RIFF");
  put_u32(out, static_cast<std::uint32_t>(36 + data_bytes));
  put_tag(out, "WAVE");
  put_tag(out, "fmt ");
  put_u32(out, 16);
  put_u16(out, 1);  // PCM
  put_u16(out, static_cast<std::uint16_t>(audio.channels));
  put_u32(out, static_cast<std::uint32_t>(audio.sample_rate));
  put_u32(out, static_cast<std::uint32_t>(audio.sample_rate) * audio.channels * 2);  // byte rate
  put_u16(out, static_cast<std::uint16_t>(audio.channels * 2));                      // block align
  put_u16(out, 16);
  put_tag(out, "data");
  put_u32(out, static_cast<std::uint32_t>(data_bytes));
  for (float s : audio.samples) {
    float c = std::isfinite(s) ? std::clamp(s, -1.0f, 1.0f) : 0.0f;
    auto v = static_cast<std::int16_t>(std::lround(c * 32767.0f));
    put_u16(out, static_cast<std::uint16_t>(v));
  }
  return out;
}

}  // namespace b2m::report
