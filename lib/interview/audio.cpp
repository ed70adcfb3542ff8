#include "lib/interview/audio.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lib/core/error.hpp"
#include "plugins/common/shared/wav.hpp"

namespace webox::interview {
namespace {

float pcm_sample_at(std::string_view data, size_t at, const media::WavInfo &info) {
  const auto *p = reinterpret_cast<const unsigned char *>(data.data() + at);
  switch (info.bits_per_sample) {
    case 8: return (static_cast<float>(p[0]) - 128.0f) / 128.0f;
    case 16: return static_cast<float>(static_cast<int16_t>(p[0] | (p[1] << 8))) / 32768.0f;
    case 24: {
      int32_t v = p[0] | (p[1] << 8) | (p[2] << 16);
      if (v & 0x800000) v -= 0x1000000;
      return static_cast<float>(v) / 8388608.0f;
    }
    default: { // 32
      uint32_t u = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                   (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
      if (info.format_tag == 3) {
        float f;
        std::memcpy(&f, &u, sizeof f);
        return std::isfinite(f) ? std::clamp(f, -1.0f, 1.0f) : 0.0f;
      }
      return static_cast<float>(static_cast<int32_t>(u)) / 2147483648.0f;
    }
  }
}

} // namespace

Pcm decode_wav(std::string_view bytes, const std::string &where) {
  if (bytes.size() > kMaxAnswerBytes)
    throw UsageError(where + ": the audio is over " + std::to_string(kMaxAnswerBytes >> 20) + " MiB");
  std::string why;
  auto info = media::parse_wav(bytes, &why);
  if (!info)
    throw UsageError(where + ": not a WAV file webox can read (" + why + "); convert it with: ffmpeg -i " + where +
                     " -ar 16000 -ac 1 answer.wav");
  const bool is_float = info->format_tag == 3 && info->bits_per_sample == 32;
  const bool is_int = info->format_tag == 1 && (info->bits_per_sample == 8 || info->bits_per_sample == 16 ||
                                                info->bits_per_sample == 24 || info->bits_per_sample == 32);
  if (!is_float && !is_int)
    throw UsageError(where + ": WAV format " + std::to_string(info->format_tag) + " with " +
                     std::to_string(info->bits_per_sample) +
                     "-bit samples is not supported (integer or float PCM "
                     "expected); convert it with: ffmpeg -i " +
                     where + " -ar 16000 -ac 1 answer.wav");
  if (info->sample_rate < 4000 || info->sample_rate > 192000 || info->channels > 16)
    throw UsageError(where + ": WAV with " + std::to_string(info->sample_rate) + " Hz and " +
                     std::to_string(info->channels) + " channels is not supported");
  const size_t width = info->bits_per_sample / 8u;
  const size_t block = width * info->channels;
  const size_t frames = info->data_size / block;
  std::vector<float> mono(frames);
  std::string_view data = bytes.substr(info->data_offset, info->data_size);
  for (size_t i = 0; i < frames; ++i) {
    float sum = 0;
    for (size_t c = 0; c < info->channels; ++c) sum += pcm_sample_at(data, i * block + c * width, *info);
    mono[i] = sum / static_cast<float>(info->channels);
  }
  Pcm pcm;
  pcm.samples = resample_to_16k(mono, static_cast<int>(info->sample_rate));
  return pcm;
}

std::vector<float> resample_to_16k(const std::vector<float> &samples, int rate) {
  if (rate == kSampleRate || samples.empty()) return samples;
  const double step = static_cast<double>(rate) / kSampleRate;
  const size_t out_count = static_cast<size_t>(static_cast<double>(samples.size()) / step);
  std::vector<float> out(out_count);
  for (size_t i = 0; i < out_count; ++i) {
    const double pos = static_cast<double>(i) * step;
    const size_t k = static_cast<size_t>(pos);
    const double frac = pos - static_cast<double>(k);
    const float a = samples[k];
    const float b = k + 1 < samples.size() ? samples[k + 1] : a;
    out[i] = static_cast<float>(a + (b - a) * frac);
  }
  return out;
}

std::string encode_wav(const Pcm &pcm) {
  std::string out = media::wav_header(kSampleRate, 1, 16, static_cast<uint32_t>(pcm.samples.size() * 2));
  out.reserve(out.size() + pcm.samples.size() * 2);
  for (float s : pcm.samples) {
    const auto v = static_cast<int16_t>(std::lround(std::clamp(s, -1.0f, 1.0f) * 32767.0f));
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>((v >> 8) & 0xFF);
  }
  return out;
}

double frame_dbfs(const float *frame, size_t count) {
  if (count == 0) return -120.0;
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += static_cast<double>(frame[i]) * frame[i];
  const double rms = std::sqrt(sum / static_cast<double>(count));
  return rms <= 1e-6 ? -120.0 : 20.0 * std::log10(rms);
}

std::vector<bool> voice_activity(const Pcm &pcm) {
  const size_t frames = pcm.samples.size() / kFrameSamples;
  std::vector<bool> voiced(frames);
  for (size_t f = 0; f < frames; ++f)
    voiced[f] = frame_dbfs(pcm.samples.data() + f * kFrameSamples, kFrameSamples) >= kSpeechDbfs;
  constexpr size_t kBridgeFrames = 200 / kFrameMs;
  size_t last_voiced = SIZE_MAX;
  for (size_t f = 0; f < frames; ++f) {
    if (!voiced[f]) continue;
    if (last_voiced != SIZE_MAX && f - last_voiced > 1 && f - last_voiced - 1 <= kBridgeFrames)
      for (size_t g = last_voiced + 1; g < f; ++g) voiced[g] = true;
    last_voiced = f;
  }
  return voiced;
}

EndOfTurn::State EndOfTurn::feed(const float *frame, size_t count) {
  if (done()) return m_state;
  const int ms = static_cast<int>(count * 1000 / kSampleRate);
  m_elapsed_ms += ms;
  const bool speech = frame_dbfs(frame, count) >= kSpeechDbfs;
  if (speech) {
    m_speech_ms += ms;
    m_silence_ms = 0;
    if (m_speech_ms >= kMinSpeechMs) m_state = State::speaking;
  } else {
    m_silence_ms += ms;
  }
  if (m_state == State::speaking && m_silence_ms >= kEndSilenceMs) m_state = State::done_silence;
  else if (m_state == State::waiting && m_elapsed_ms >= kNoSpeechMs) m_state = State::done_no_speech;
  else if (m_elapsed_ms >= kMaxAnswerMs) m_state = State::done_max;
  return m_state;
}

} // namespace webox::interview
