#include "b2m/report/example_media.h"

#include <filesystem>

#include "b2m/dsp/mel.h"
#include "b2m/io/audio.h"
#include "b2m/report/base64.h"
#include "b2m/report/spectrogram_image.h"
#include "b2m/report/wav_bytes.h"
#include "b2m/runtime/error.h"

namespace b2m::report {

MediaClip make_media(const std::string& path, const MediaOptions& options) {
  if (!std::filesystem::exists(path)) fail("'{}': audio file not found", path);
  io::Audio audio = io::to_mono(io::read_audio(path));
  if (audio.frames() == 0) fail("'{}': the audio is empty", path);
  MediaClip clip;
  clip.source_rate = audio.sample_rate;
  if (options.max_seconds > 0) {
    auto keep = static_cast<std::size_t>(options.max_seconds * audio.sample_rate);
    if (audio.samples.size() > keep) audio.samples.resize(keep);
  }
  clip.seconds = audio.seconds();

  // Spectrogram at the mel rate; a quick converter is plenty for a picture.
  io::Audio for_mel = audio.sample_rate == options.mel_rate
                          ? audio
                          : io::resample(audio, options.mel_rate, io::ResampleQuality::sinc_fastest);
  dsp::MelSpec spec;
  spec.sample_rate = options.mel_rate;
  if (dsp::num_frames(std::int64_t(for_mel.samples.size()), spec) < 1)
    fail("'{}': {} s of audio is shorter than one spectrogram frame", path, clip.seconds);
  SpectrogramImage image = spectrogram_png(dsp::log_mel(for_mel.samples, spec));
  clip.png_width = image.width;
  clip.png_height = image.height;
  clip.png_uri = data_uri("image/png", image.png);

  io::Audio for_player = audio.sample_rate == options.audio_rate
                             ? audio
                             : io::resample(audio, options.audio_rate, io::ResampleQuality::sinc_medium);
  clip.wav_uri = data_uri("audio/wav", encode_wav_pcm16(for_player));
  return clip;
}

}  // namespace b2m::report
