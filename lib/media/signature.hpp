// Recognising media by its first bytes, not by what a server claims.
//
// A provider (or a proxy in front of it) that fails may answer 200 with an
// HTML page, a JSON error or nothing at all; a signed image URL that expired
// returns an XML error document. Writing that to `poster.png` would leave a
// file that looks finished and is not an image, so every image is checked
// against the signatures of the formats providers produce before a byte of
// it is written, and audio given to `transcribe` is checked before upload.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace webox::media {

struct MediaType {
  std::string mime;      // "image/png"
  std::string extension; // "png", without the dot
};

// PNG, JPEG, WebP or GIF; nullopt for anything else.
std::optional<MediaType> sniff_image(std::string_view bytes);

// WAV, MP3 (ID3 tag or an MPEG frame sync), Ogg, FLAC, MP4/M4A, WebM/Matroska;
// nullopt for anything else.
std::optional<MediaType> sniff_audio(std::string_view bytes);

// What the bytes look like when they are not the expected media, for error
// messages: "an HTML page", "a JSON document: {...}", "empty", "N bytes of
// unknown data".
std::string describe_unexpected(std::string_view bytes);

// The file extension for a media type ("audio/mpeg" -> "mp3"); "bin" when
// unknown.
std::string extension_for(std::string_view mime);

} // namespace webox::media
