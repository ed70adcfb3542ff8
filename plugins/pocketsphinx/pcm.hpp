// Turning a WAV file into what PocketSphinx's English model was trained on:
// 16 kHz, mono, 16-bit samples.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace webox::pocketsphinx {

struct Pcm16k {
  std::vector<int16_t> samples; // 16 kHz mono
  double seconds = 0;           // duration of the original
};

// Decodes 8/16/24/32-bit integer PCM or 32-bit float WAV of any rate and
// channel count. Throws sdk::Failure: WEBOX_E_UNSUPPORTED for audio that is
// not WAV or a WAV encoding it does not read (with a conversion hint),
// WEBOX_E_INVALID for a damaged or empty file.
Pcm16k decode_wav_to_16k(std::string_view bytes);

} // namespace webox::pocketsphinx
