// Running one media request against a provider, independent of the CLI:
// what `webox tts`, `webox generate-image` and workflow steps share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"
#include "lib/media/signature.hpp"

namespace webox::plugin {
class Provider;
}

namespace webox::media {

// Audio bytes as they arrive. Throws to stop.
using AudioSink = std::function<void(std::string_view audio)>;

struct SpeechResult {
  nlohmann::json doc;      // the (last) plugin result: media_type, voice...
  std::string media_type;  // "audio/wav"
  uint64_t bytes = 0;
  std::string sha256;      // hex, of every byte handed to the sink
  size_t requests = 0;     // > 1 when the text was split
};

// Formats whose streams may simply be joined end to end (MP3 and ADTS AAC
// are sequences of frames; raw PCM has no header). WAV is joined by
// dropping the repeated header of the later pieces.
bool can_join(const std::string &format);

// Synthesises request["text"]. When the text is longer than `max_chars`
// (0 = no limit) it is split at sentence boundaries and each piece sent in
// turn, the audio joined into one stream; a format that cannot be joined
// gets a webox::UsageError instead. Throws plugin::ProviderError.
SpeechResult synthesize(plugin::Provider &provider, nlohmann::json request, size_t max_chars,
                        const AudioSink &sink);

struct GeneratedImage {
  std::string bytes;
  MediaType type;
  nlohmann::json info; // the plugin's entry: revised_prompt, seed...
};

// Generates images; every one is checked against the image signatures
// before it is returned (an HTML page where a PNG was expected is a
// webox::Error naming what arrived). `doc` receives the result document.
std::vector<GeneratedImage> generate_images(plugin::Provider &provider, const nlohmann::json &request,
                                            nlohmann::json *doc = nullptr);

// Where generated media goes when the user gave no -o: the gallery folder
// $XDG_DATA_HOME/webox/media (created).
std::filesystem::path default_media_dir();

// The file name for generated media inside a directory:
// "<slug of the prompt>-<first 8 hex of the sha256>.<ext>".
std::string media_file_name(std::string_view prompt, const std::string &sha256_hex, const std::string &ext);

// For -o FILE with several outputs: "out.png" -> "out-2.png" (index from 1;
// index 1 of 1 keeps the name).
std::filesystem::path numbered(const std::filesystem::path &file, size_t index, size_t count);

} // namespace webox::media

namespace webox::media {

// Where -o sends generated media.
struct Target {
  enum class Kind { file, directory, standard_output } kind = Kind::directory;
  std::filesystem::path path; // the file or the directory
  // Non-empty: files are created only below this folder, never through a
  // symbolic link (workflow outputs rendered from data: lib/workflow/output_path.hpp).
  std::filesystem::path confined_to;
};

// "" -> the gallery folder; "-" -> standard output; "DIR/" or an existing
// directory -> that directory (created when it ends with '/'); anything
// else -> that file.
Target parse_target(const std::string &output);

} // namespace webox::media

namespace webox::media {

// "--option key=value" values as a JSON object (values parsed as JSON when
// they parse). Throws UsageError on a pair without '='.
nlohmann::json options_from_pairs(const std::vector<std::string> &pairs);

enum class MediaKind { image, speech, transcription };

struct MediaDefault {
  std::string model;
  std::string source; // "env WEBOX_TTS_MODEL", "file" or "default"
};

// The model a media command or workflow step uses when it names none: the
// environment (WEBOX_IMAGE_MODEL, WEBOX_TTS_MODEL, WEBOX_STT_MODEL), else the
// config (media.image_model, tts_model, stt_model), else the built-in one
// (openai:gpt-image-1, espeak, pocketsphinx: the last two work offline).
MediaDefault default_media_model(MediaKind kind, const MediaConfig &configured);

} // namespace webox::media
