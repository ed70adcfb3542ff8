// Audio as the interview trainer measures it: mono float samples at 16 kHz,
// read from any integer or float PCM WAV (channels mixed down, rate
// resampled), framed in 20 ms for voice activity and end-of-turn detection.
//
// THRESHOLDS (documented in webox-interview(1)). A 20 ms frame is speech
// when its RMS level is at least kSpeechDbfs (-40 dBFS: a voice at a normal
// distance from a laptop microphone sits between -30 and -15; a quiet room
// below -50). A recorded answer ends when, after at least kMinSpeechMs of
// speech, the level stays below the threshold for kEndSilenceMs (1.5 s);
// or after kMaxAnswerMs (2 minutes); or when no speech started within
// kNoSpeechMs (10 s: a silent answer); or when the user presses Enter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace webox::interview {

inline constexpr int kSampleRate = 16000;
inline constexpr int kFrameMs = 20;
inline constexpr int kFrameSamples = kSampleRate * kFrameMs / 1000;
inline constexpr double kSpeechDbfs = -40.0;
inline constexpr int kMinSpeechMs = 300;
inline constexpr int kEndSilenceMs = 1500;
inline constexpr int kMaxAnswerMs = 120'000;
inline constexpr int kNoSpeechMs = 10'000;
// A WAV answer longer than this is refused: memory stays bounded by one turn.
inline constexpr size_t kMaxAnswerBytes = 64u << 20;

struct Pcm {
  std::vector<float> samples; // mono, kSampleRate, in [-1, 1]
  double seconds() const { return static_cast<double>(samples.size()) / kSampleRate; }
};

// Decodes a WAV (integer PCM 8/16/24/32 bits or 32-bit float, any channel
// count and rate from 4 kHz to 192 kHz) into 16 kHz mono. Throws
// webox::UsageError naming `where` and what is wrong otherwise.
Pcm decode_wav(std::string_view bytes, const std::string &where);

// Mono samples at `rate` to 16 kHz (linear interpolation: enough for speech
// recognition and energy measures).
std::vector<float> resample_to_16k(const std::vector<float> &samples, int rate);

// A 16-bit mono 16 kHz WAV of `pcm`.
std::string encode_wav(const Pcm &pcm);

// The RMS level of `frame` in dBFS (-120 for digital silence).
double frame_dbfs(const float *frame, size_t count);

// One bool per 20 ms frame: speech or not (kSpeechDbfs), with gaps of up to
// 200 ms between speech frames bridged (the stops inside words).
std::vector<bool> voice_activity(const Pcm &pcm);

// Decides, frame by frame, when a recorded answer is over.
class EndOfTurn {
public:
  enum class State { waiting, speaking, done_silence, done_max, done_no_speech };
  // Feeds one kFrameSamples frame; returns the state after it.
  State feed(const float *frame, size_t count);
  State state() const { return m_state; }
  bool done() const { return m_state != State::waiting && m_state != State::speaking; }

private:
  State m_state = State::waiting;
  int m_elapsed_ms = 0;
  int m_speech_ms = 0;
  int m_silence_ms = 0;
};

} // namespace webox::interview
