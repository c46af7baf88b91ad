#include "b2m/io/audio.h"

#include <sndfile.h>

#include <algorithm>

#include "b2m/io/atomic_file.h"
#include "b2m/runtime/error.h"

namespace b2m::io {

namespace {
struct SndFile {
  SNDFILE* handle = nullptr;
  ~SndFile() {
    if (handle) sf_close(handle);
  }
};
}  // namespace

Audio read_audio(const std::string& path) {
  SF_INFO info{};
  SndFile file{sf_open(path.c_str(), SFM_READ, &info)};
  if (!file.handle) fail("cannot read audio '{}': {}", path, sf_strerror(nullptr));
  if (info.channels <= 0 || info.samplerate <= 0)
    fail("cannot read audio '{}': invalid channel count or sample rate", path);
  Audio audio;
  audio.sample_rate = info.samplerate;
  audio.channels = info.channels;
  // Some formats (MP3) report an approximate frame count: read in blocks.
  constexpr sf_count_t kBlock = 16384;
  std::vector<float> block(static_cast<std::size_t>(kBlock * info.channels));
  if (info.frames > 0 && info.frames < (sf_count_t(1) << 40))
    audio.samples.reserve(static_cast<std::size_t>(info.frames * info.channels));
  while (true) {
    sf_count_t got = sf_readf_float(file.handle, block.data(), kBlock);
    if (got <= 0) break;
    audio.samples.insert(audio.samples.end(), block.begin(),
                         block.begin() + static_cast<std::ptrdiff_t>(got * info.channels));
  }
  if (sf_error(file.handle) != SF_ERR_NO_ERROR)
    fail("cannot read audio '{}': {}", path, sf_strerror(file.handle));
  return audio;
}

void write_audio(const std::string& path, const Audio& audio, AudioFormat format) {
  if (audio.channels <= 0 || audio.sample_rate <= 0)
    fail("cannot write audio '{}': invalid channel count {} or sample rate {}", path,
         audio.channels, audio.sample_rate);
  if (audio.samples.size() % static_cast<std::size_t>(audio.channels) != 0)
    fail("cannot write audio '{}': {} samples is not a multiple of {} channels", path,
         audio.samples.size(), audio.channels);
  SF_INFO info{};
  info.samplerate = audio.sample_rate;
  info.channels = audio.channels;
  switch (format) {
    case AudioFormat::wav_float: info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT; break;
    case AudioFormat::wav_pcm16: info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16; break;
    case AudioFormat::flac_pcm16: info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16; break;
    case AudioFormat::flac_pcm24: info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_24; break;
  }
  write_file_atomically(path, [&](const std::string& tmp) {
    SndFile file{sf_open(tmp.c_str(), SFM_WRITE, &info)};
    if (!file.handle) fail("cannot write audio '{}': {}", path, sf_strerror(nullptr));
    if (format != AudioFormat::wav_float)  // PCM: clip rather than wrap around
      sf_command(file.handle, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    sf_count_t frames = static_cast<sf_count_t>(audio.frames());
    if (sf_writef_float(file.handle, audio.samples.data(), frames) != frames)
      fail("cannot write audio '{}': {}", path, sf_strerror(file.handle));
    if (sf_close(file.handle) != 0) {
      file.handle = nullptr;
      fail("cannot write audio '{}': closing failed", path);
    }
    file.handle = nullptr;
  });
}

Audio to_mono(const Audio& audio) {
  Audio mono;
  mono.sample_rate = audio.sample_rate;
  mono.channels = 1;
  std::size_t frames = audio.frames();
  mono.samples.resize(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    float sum = 0.0f;
    for (int c = 0; c < audio.channels; ++c) sum += audio.at(f, c);
    mono.samples[f] = sum / static_cast<float>(audio.channels);
  }
  return mono;
}

}  // namespace b2m::io
