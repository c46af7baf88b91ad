// Audio files through libsndfile (read: WAV, FLAC, OGG, MP3, ...; write: WAV
// float or PCM16, FLAC 16/24-bit) and sample-rate conversion through
// libsamplerate. Samples are float32, interleaved frame by frame.
//
//   auto clip = b2m::io::read_audio("a.mp3");
//   auto mono = b2m::io::resample(b2m::io::to_mono(clip), 24000);
//   b2m::io::write_audio("out.wav", mono, b2m::io::AudioFormat::wav_pcm16);
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace b2m::io {

struct Audio {
  int sample_rate = 0;
  int channels = 1;
  std::vector<float> samples;  // frames * channels, interleaved

  std::size_t frames() const { return channels > 0 ? samples.size() / channels : 0; }
  double seconds() const { return sample_rate > 0 ? double(frames()) / sample_rate : 0.0; }
  float at(std::size_t frame, int channel) const { return samples[frame * channels + channel]; }
};

enum class AudioFormat { wav_float, wav_pcm16, flac_pcm16, flac_pcm24 };

// Throws b2m::Error naming the file when it is missing, unreadable or not audio.
Audio read_audio(const std::string& path);

// Writes atomically (a temporary file renamed on success). PCM formats clip
// samples to [-1, 1]; the format is chosen by `format`, not by the extension.
void write_audio(const std::string& path, const Audio& audio,
                 AudioFormat format = AudioFormat::wav_float);

// Mean over channels.
Audio to_mono(const Audio& audio);

enum class ResampleQuality { sinc_best, sinc_medium, sinc_fastest, linear };

// Converts to target_rate; the output has round(frames * ratio) frames.
Audio resample(const Audio& audio, int target_rate,
               ResampleQuality quality = ResampleQuality::sinc_best);

}  // namespace b2m::io
