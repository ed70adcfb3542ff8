// RIFF/WAVE, the container of uncompressed PCM audio: writing its 44-byte
// header and reading the format of a file we are given.
//
// THE FORMAT. A WAV file is a RIFF file: "RIFF", a little-endian u32 holding
// the size of everything after it, "WAVE", then chunks, each a 4-byte id, a
// u32 size and the payload padded to an even length. Two chunks matter:
// "fmt " (format tag 1 = integer PCM, 3 = float, 0xFFFE = extensible; the
// channel count, sample rate, byte rate, block alignment and bits per sample)
// and "data" (the samples, interleaved, little-endian). Other chunks (LIST,
// fact, bext) may sit anywhere and are skipped.
//
// STREAMING. A producer that sends audio before it knows how long it will be
// (espeak-ng emits samples as it synthesises, a pipe cannot seek back) writes
// 0xFFFFFFFF in both size fields: the convention ffmpeg and sox follow for
// "unknown, read to the end". A reader here treats such a data size as "up
// to the end of the bytes". When the host writes the stream to a regular
// file it can seek back, and wav_size_patches() gives the two values to put
// there so that every reader (Python's `wave`, players) sees exact sizes.
//
// Header-only and free of any dependency (plugins/common/shared/: no webox
// header) so that plugins (espeak, elevenlabs, the offline recogniser)
// include it as well as the host (lib/media/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace webox::media {

inline constexpr uint32_t kWavUnknownSize = 0xFFFFFFFFu;
inline constexpr size_t kWavHeaderSize = 44;

namespace wav_detail {
inline void put_u16(std::string &s, uint16_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8);
}
inline void put_u32(std::string &s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
inline uint32_t get_u32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<size_t>(i)]);
  return v;
}
inline uint16_t get_u16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(s[at]) | (static_cast<unsigned char>(s[at + 1]) << 8));
}
} // namespace wav_detail

// The canonical 44-byte header for integer PCM. `data_bytes` may be
// kWavUnknownSize for a stream whose length is not known yet.
inline std::string wav_header(uint32_t sample_rate, uint16_t channels, uint16_t bits_per_sample,
                              uint32_t data_bytes) {
  using namespace wav_detail;
  std::string h;
  h.reserve(kWavHeaderSize);
  const uint16_t block_align = static_cast<uint16_t>(channels * (bits_per_sample / 8));
  h += "RIFF";
  put_u32(h, data_bytes == kWavUnknownSize ? kWavUnknownSize : 36u + data_bytes);
  h += "WAVEfmt ";
  put_u32(h, 16);
  put_u16(h, 1); // integer PCM
  put_u16(h, channels);
  put_u32(h, sample_rate);
  put_u32(h, sample_rate * block_align);
  put_u16(h, block_align);
  put_u16(h, bits_per_sample);
  h += "data";
  put_u32(h, data_bytes);
  return h;
}

struct WavInfo {
  uint16_t format_tag = 0; // 1 = PCM, 3 = float, 0xFFFE = extensible
  uint16_t channels = 0;
  uint32_t sample_rate = 0;
  uint16_t bits_per_sample = 0;
  size_t data_offset = 0; // where the samples start in the bytes
  size_t data_size = 0;   // clamped to the bytes actually present
};

// Reads the format of a WAV held in `bytes`. Returns nullopt and sets `why`
// when it is not a WAV this code understands.
inline std::optional<WavInfo> parse_wav(std::string_view bytes, std::string *why = nullptr) {
  using namespace wav_detail;
  auto fail = [&](const char *reason) -> std::optional<WavInfo> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (bytes.size() < 12 || bytes.substr(0, 4) != "RIFF" || bytes.substr(8, 4) != "WAVE")
    return fail("not a RIFF/WAVE file");
  WavInfo info;
  bool have_fmt = false;
  size_t pos = 12;
  while (pos + 8 <= bytes.size()) {
    std::string_view id = bytes.substr(pos, 4);
    uint32_t size = get_u32(bytes, pos + 4);
    size_t body = pos + 8;
    if (id == "fmt ") {
      if (size < 16 || body + 16 > bytes.size()) return fail("truncated fmt chunk");
      info.format_tag = get_u16(bytes, body);
      info.channels = get_u16(bytes, body + 2);
      info.sample_rate = get_u32(bytes, body + 4);
      info.bits_per_sample = get_u16(bytes, body + 14);
      if (info.format_tag == 0xFFFE && size >= 26 && body + 26 <= bytes.size())
        info.format_tag = get_u16(bytes, body + 24); // the sub-format GUID starts with the real tag
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) return fail("data chunk before the fmt chunk");
      info.data_offset = body;
      size_t available = bytes.size() - body;
      info.data_size = (size == kWavUnknownSize || size > available) ? available : size;
      if (info.channels == 0 || info.sample_rate == 0 || info.bits_per_sample == 0)
        return fail("fmt chunk with zero channels, rate or sample size");
      return info;
    }
    if (size == kWavUnknownSize) break;
    pos = body + size + (size & 1u);
  }
  return fail(have_fmt ? "no data chunk" : "no fmt chunk");
}

// For a WAV stream written with unknown sizes, the (offset, value) pairs to
// write as little-endian u32 once the file is complete and `file_size` bytes
// long. Empty when `head` (the first bytes of the file, at least 44) is not
// such a stream: a WAV with real sizes is never touched.
inline std::vector<std::pair<size_t, uint32_t>> wav_size_patches(std::string_view head, uint64_t file_size) {
  using namespace wav_detail;
  std::vector<std::pair<size_t, uint32_t>> patches;
  if (head.size() < 12 || head.substr(0, 4) != "RIFF" || head.substr(8, 4) != "WAVE") return patches;
  if (file_size > 0xFFFFFFFFull) return patches; // WAV cannot say it; leave the streaming marker
  size_t pos = 12;
  while (pos + 8 <= head.size()) {
    std::string_view id = head.substr(pos, 4);
    uint32_t size = get_u32(head, pos + 4);
    if (id == "data") {
      if (size != kWavUnknownSize && get_u32(head, 4) != kWavUnknownSize) return patches;
      uint64_t data = file_size - (pos + 8);
      patches.emplace_back(4, static_cast<uint32_t>(file_size - 8));
      patches.emplace_back(pos + 4, static_cast<uint32_t>(data));
      return patches;
    }
    if (size == kWavUnknownSize) return patches;
    pos += 8 + size + (size & 1u);
  }
  return patches;
}

} // namespace webox::media
