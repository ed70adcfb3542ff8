#include "pcm.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <webox/plugin.hpp>

#include "plugins/common/shared/wav.hpp"

namespace webox::pocketsphinx {
namespace {

namespace sdk = webox::sdk;

constexpr uint32_t kTargetRate = 16000;

const char *kConvertHint = "; convert it with: ffmpeg -i INPUT -ar 16000 -ac 1 -c:a pcm_s16le OUTPUT.wav";

std::string format_name(std::string_view b) {
  if (b.substr(0, 3) == "ID3" || (b.size() > 1 && static_cast<unsigned char>(b[0]) == 0xFF &&
                                  (static_cast<unsigned char>(b[1]) & 0xE0) == 0xE0))
    return "MP3";
  if (b.substr(0, 4) == "OggS") return "Ogg";
  if (b.substr(0, 4) == "fLaC") return "FLAC";
  if (b.size() >= 8 && b.substr(4, 4) == "ftyp") return "MP4/M4A";
  if (b.substr(0, 4) == "\x1A\x45\xDF\xA3") return "WebM";
  return "";
}

// One sample of channel `ch` in frame `frame`, as a float in [-1, 1].
float sample_at(std::string_view data, const media::WavInfo &w, size_t frame, size_t ch) {
  const size_t bytes = w.bits_per_sample / 8;
  const unsigned char *p =
      reinterpret_cast<const unsigned char *>(data.data()) + (frame * w.channels + ch) * bytes;
  if (w.format_tag == 3) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  switch (bytes) {
    case 1: return (static_cast<int>(p[0]) - 128) / 128.0f;
    case 2: return static_cast<int16_t>(p[0] | (p[1] << 8)) / 32768.0f;
    case 3: return static_cast<int32_t>((p[0] << 8) | (p[1] << 16) | (static_cast<uint32_t>(p[2]) << 24)) / 2147483648.0f;
    default: return static_cast<int32_t>(p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24)) / 2147483648.0f;
  }
}

} // namespace

Pcm16k decode_wav_to_16k(std::string_view bytes) {
  if (bytes.empty()) throw sdk::Failure(WEBOX_E_INVALID, "pocketsphinx: the audio file is empty");
  std::string why;
  auto info = media::parse_wav(bytes, &why);
  if (!info) {
    std::string name = format_name(bytes);
    if (!name.empty())
      throw sdk::Failure(WEBOX_E_UNSUPPORTED,
                         "pocketsphinx: " + name + " audio is not supported, only WAV" + kConvertHint);
    if (bytes.substr(0, 4) == "RIFF") throw sdk::Failure(WEBOX_E_INVALID, "pocketsphinx: damaged WAV file: " + why);
    throw sdk::Failure(WEBOX_E_UNSUPPORTED, "pocketsphinx: not a recognised audio file (only WAV is read)" +
                                                std::string(kConvertHint));
  }
  const media::WavInfo &w = *info;
  bool integer = w.format_tag == 1 && (w.bits_per_sample == 8 || w.bits_per_sample == 16 ||
                                       w.bits_per_sample == 24 || w.bits_per_sample == 32);
  bool floating = w.format_tag == 3 && w.bits_per_sample == 32;
  if (!integer && !floating)
    throw sdk::Failure(WEBOX_E_UNSUPPORTED, "pocketsphinx: WAV encoding " + std::to_string(w.format_tag) + " with " +
                                                std::to_string(w.bits_per_sample) + "-bit samples is not supported" +
                                                kConvertHint);
  std::string_view data = bytes.substr(w.data_offset, w.data_size);
  const size_t frames = data.size() / (w.channels * (w.bits_per_sample / 8));
  if (frames == 0) throw sdk::Failure(WEBOX_E_INVALID, "pocketsphinx: the WAV file holds no samples");

  // Mix to mono, then resample by linear interpolation. Speech sits well
  // below 8 kHz, so the aliasing this skips a filter for is negligible for
  // recognition.
  std::vector<float> mono(frames);
  for (size_t f = 0; f < frames; ++f) {
    float sum = 0;
    for (size_t c = 0; c < w.channels; ++c) sum += sample_at(data, w, f, c);
    mono[f] = sum / static_cast<float>(w.channels);
  }
  Pcm16k out;
  out.seconds = static_cast<double>(frames) / w.sample_rate;
  const double step = static_cast<double>(w.sample_rate) / kTargetRate;
  const size_t n = static_cast<size_t>(std::floor((frames - 1) / step)) + 1;
  out.samples.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    double pos = i * step;
    size_t j = static_cast<size_t>(pos);
    double frac = pos - static_cast<double>(j);
    float v = j + 1 < frames ? static_cast<float>(mono[j] * (1 - frac) + mono[j + 1] * frac) : mono[j];
    long s = std::lround(v * 32767.0f);
    out.samples.push_back(static_cast<int16_t>(std::clamp(s, -32768L, 32767L)));
  }
  return out;
}

} // namespace webox::pocketsphinx
