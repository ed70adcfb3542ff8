// Speakers and microphone behind one interface, so that the interview loop
// is tested without sound hardware.
//
//   * PortAudio (the default device): libportaudio.so.2 is opened with
//     dlopen on first use, never linked, so `webox --version` and every
//     other command never load it (nor ALSA, JACK, PulseAudio behind it).
//   * The fake device (WEBOX_AUDIO_DEVICE=fake:DIR, for tests): the
//     microphone reads DIR/mic-1.wav, DIR/mic-2.wav... one per answer, in
//     real time, followed by silence; what is played is written to
//     DIR/played-1.wav, DIR/played-2.wav...
//   * WEBOX_AUDIO_DEVICE=none: no device (as on a server).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "lib/interview/audio.hpp"

namespace webox::interview {

// Why the recording ended.
enum class RecordEnd { silence, max_length, no_speech, key, cancelled };

struct Recording {
  Pcm pcm;
  RecordEnd end = RecordEnd::silence;
};

class AudioDevice {
public:
  virtual ~AudioDevice() = default;
  virtual std::string name() const = 0;
  // Plays 16 kHz mono audio; returns when it has been played (or on Ctrl-C).
  virtual void play(const Pcm &pcm) = 0;
  // Records one answer until EndOfTurn (audio.hpp) ends it, `stop_key()`
  // says the user pressed Enter, or Ctrl-C.
  virtual Recording record(const std::function<bool()> &stop_key) = 0;
};

// The device WEBOX_AUDIO_DEVICE names, else PortAudio's defaults. Throws
// webox::UsageError (exit 2) when there is none, saying why and suggesting
// --answers.
std::unique_ptr<AudioDevice> open_audio_device();

// True when standard input has a line ready (Enter pressed); reads it.
bool enter_pressed();

} // namespace webox::interview
