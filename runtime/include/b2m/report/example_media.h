// One audio clip of the report's examples: its log-mel spectrogram as a PNG
// and its audio as a 16-bit mono WAV, both ready as data: URIs.
#pragma once

#include <string>

namespace b2m::report {

struct MediaOptions {
  double max_seconds = 15.0;  // longer audio is cut (players and spectrograms)
  int audio_rate = 16000;     // sample rate of the embedded WAV
  int mel_rate = 22050;       // audio is resampled to this rate for the spectrogram
};

struct MediaClip {
  std::string png_uri, wav_uri;
  int png_width = 0, png_height = 0;
  int source_rate = 0;
  double seconds = 0.0;  // after cutting
};

// Fails (b2m::Error naming the file) when it is missing, not audio or empty.
MediaClip make_media(const std::string& path, const MediaOptions& options);

}  // namespace b2m::report
