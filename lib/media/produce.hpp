// Producing media files end to end — synthesise or generate, write
// atomically to the target, describe the result for the gallery — shared by
// `webox tts`, `webox generate-image` and workflow `tts:` / `image:` steps.
// The gallery row itself is added by the caller, which owns the store.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/media/gallery.hpp"
#include "lib/media/generate.hpp"

namespace webox::plugin {
class Provider;
}

namespace webox::media {

// "-o out.mp3" asks for MP3 when no format is given: the extension when it
// names an audio format webox knows, else "".
std::string audio_format_from_name(const std::filesystem::path &file);

struct SpeechFile {
  SpeechResult result;
  MediaRecord record; // kind, provider, model, prompt, options, file, type, sha256, bytes
};

// Speaks request["text"] into `target` (a file or a directory, not standard
// output): streamed to a temporary name, renamed when complete; in a
// directory the name comes from the text and the digest.
SpeechFile speak_to_file(plugin::Provider &provider, const std::string &provider_name, const nlohmann::json &request,
                         size_t max_chars, const Target &target);

// One generated image written to `target` (a file — numbered when there are
// several — or a directory). `index` counts from 1 of `count`.
MediaRecord write_image(const GeneratedImage &image, const Target &target, size_t index, size_t count,
                        const std::string &prompt);

} // namespace webox::media
