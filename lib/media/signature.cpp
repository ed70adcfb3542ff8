#include "lib/media/signature.hpp"

#include <algorithm>
#include <cctype>

namespace webox::media {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view skip_space(std::string_view s) {
  // A UTF-8 byte-order mark and leading whitespace do not change what a body is.
  if (starts_with(s, "\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

std::string printable_prefix(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (s.size() > max) out += "...";
  return out;
}

} // namespace

std::optional<MediaType> sniff_image(std::string_view b) {
  if (starts_with(b, "\x89PNG\r\n\x1A\n")) return MediaType{"image/png", "png"};
  if (starts_with(b, "\xFF\xD8\xFF")) return MediaType{"image/jpeg", "jpg"};
  if (b.size() >= 12 && starts_with(b, "RIFF") && b.substr(8, 4) == "WEBP") return MediaType{"image/webp", "webp"};
  if (starts_with(b, "GIF87a") || starts_with(b, "GIF89a")) return MediaType{"image/gif", "gif"};
  return std::nullopt;
}

std::optional<MediaType> sniff_audio(std::string_view b) {
  if (b.size() >= 12 && starts_with(b, "RIFF") && b.substr(8, 4) == "WAVE") return MediaType{"audio/wav", "wav"};
  if (starts_with(b, "ID3")) return MediaType{"audio/mpeg", "mp3"};
  if (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF && (static_cast<unsigned char>(b[1]) & 0xE0) == 0xE0) {
    // 0xFFF1/0xFFF9 are AAC ADTS frames; other 11-bit syncs are MPEG audio.
    if ((static_cast<unsigned char>(b[1]) & 0xF6) == 0xF0) return MediaType{"audio/aac", "aac"};
    return MediaType{"audio/mpeg", "mp3"};
  }
  if (starts_with(b, "OggS")) return MediaType{"audio/ogg", "ogg"};
  if (starts_with(b, "fLaC")) return MediaType{"audio/flac", "flac"};
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") return MediaType{"audio/mp4", "m4a"};
  if (starts_with(b, "\x1A\x45\xDF\xA3")) return MediaType{"audio/webm", "webm"};
  return std::nullopt;
}

std::string describe_unexpected(std::string_view bytes) {
  if (bytes.empty()) return "an empty body";
  std::string_view t = skip_space(bytes);
  if (starts_with_nocase(t, "<!doctype html") || starts_with_nocase(t, "<html"))
    return "an HTML page (" + printable_prefix(t, 60) + ")";
  if (starts_with(t, "<?xml") || starts_with(t, "<Error")) return "an XML document (" + printable_prefix(t, 120) + ")";
  if (starts_with(t, "{") || starts_with(t, "[")) return "a JSON document (" + printable_prefix(t, 160) + ")";
  return std::to_string(bytes.size()) + " bytes of unknown data";
}

std::string extension_for(std::string_view mime) {
  static const std::pair<std::string_view, std::string_view> known[] = {
      {"audio/wav", "wav"},   {"audio/x-wav", "wav"},   {"audio/wave", "wav"},  {"audio/mpeg", "mp3"},
      {"audio/mp3", "mp3"},   {"audio/ogg", "ogg"},     {"audio/opus", "opus"}, {"audio/aac", "aac"},
      {"audio/flac", "flac"}, {"audio/pcm", "pcm"},     {"audio/L16", "pcm"},   {"audio/mp4", "m4a"},
      {"audio/webm", "webm"}, {"audio/basic", "ulaw"},  {"image/png", "png"},   {"image/jpeg", "jpg"},
      {"image/webp", "webp"}, {"image/gif", "gif"},
  };
  std::string_view base = mime.substr(0, mime.find(';'));
  for (const auto &[m, ext] : known)
    if (m == base) return std::string(ext);
  return "bin";
}

} // namespace webox::media
