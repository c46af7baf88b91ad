// An in-memory 16-bit PCM WAV file (RIFF/WAVE, little-endian) for embedding
// audio in the report as a data: URI.
#pragma once

#include <cstddef>
#include <vector>

#include "b2m/io/audio.h"

namespace b2m::report {

// Samples are clipped to [-1, 1] and rounded to int16; any channel count.
std::vector<std::byte> encode_wav_pcm16(const io::Audio& audio);

}  // namespace b2m::report
