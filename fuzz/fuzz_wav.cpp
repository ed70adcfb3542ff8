// Fuzzes the WAV decoder of `webox interview --answers` (lib/interview/
// audio.cpp): any bytes a user hands in as an answer. Properties: it either
// refuses with webox::UsageError or gives samples in [-1, 1], no more than
// its input could hold at 16 kHz (a header claiming more data than the file
// has is not believed).
#include <cmath>
#include <cstdlib>
#include <string>

#include "lib/core/error.hpp"
#include "lib/interview/audio.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  try {
    webox::interview::Pcm pcm = webox::interview::decode_wav(in, "answer.wav");
    for (float s : pcm.samples)
      if (!(s >= -1.0f && s <= 1.0f)) std::abort();
    // The fewest bytes a sample can come from is 1 (8-bit) at the lowest
    // rate accepted (4 kHz): 4 samples out per byte in, at the very most.
    if (pcm.samples.size() > 4 * size + 16) std::abort();
  } catch (const webox::UsageError &) {
  }
  return 0;
}
