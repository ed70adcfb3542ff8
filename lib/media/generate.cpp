#include "lib/media/generate.hpp"

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/media/output_file.hpp"
#include "lib/media/text_split.hpp"
#include "lib/plugin/provider.hpp"
#include "plugins/common/shared/wav.hpp"

namespace webox::media {
namespace fs = std::filesystem;
using nlohmann::json;

bool can_join(const std::string &format) {
  std::string f = format.substr(0, format.find('_')); // ElevenLabs: mp3_44100_128, pcm_22050
  return f == "mp3" || f == "aac" || f == "pcm" || f == "wav";
}

SpeechResult synthesize(plugin::Provider &provider, json request, size_t max_chars, const AudioSink &sink) {
  const std::string text = request.value("text", "");
  std::vector<std::string> pieces{text};
  const std::string format = request.value("format", "");
  if (max_chars > 0 && count_code_points(text) > max_chars) {
    if (!can_join(format.empty() ? std::string("mp3") : format))
      throw UsageError(provider.instance() + " takes at most " + std::to_string(max_chars) +
                       " characters per request and " + format +
                       " audio cannot be joined; use --format mp3, or shorten the text");
    pieces = split_for_speech(text, max_chars);
  }
  SpeechResult result;
  Sha256Stream digest;
  for (size_t i = 0; i < pieces.size(); ++i) {
    request["text"] = pieces[i];
    // A later WAV piece repeats the header: hold its first bytes back and
    // drop them once they prove to be one.
    std::string held;
    bool strip_header = i > 0 && format.rfind("wav", 0) == 0;
    auto forward = [&](std::string_view audio) {
      if (strip_header) {
        held.append(audio);
        if (held.size() < kWavHeaderSize) return true;
        auto info = parse_wav(held);
        if (!info || info->data_offset != kWavHeaderSize)
          throw Error(provider.instance() + ": cannot join WAV pieces with a non-canonical header");
        audio = std::string_view(held).substr(kWavHeaderSize);
        strip_header = false;
      }
      digest.update(audio);
      result.bytes += audio.size();
      sink(audio);
      return true;
    };
    result.doc = provider.tts(request, forward);
    ++result.requests;
  }
  result.sha256 = digest.hex_digest();
  result.media_type = result.doc.value("media_type", "application/octet-stream");
  return result;
}

std::vector<GeneratedImage> generate_images(plugin::Provider &provider, const json &request, json *doc_out) {
  plugin::Provider::MediaResult r = provider.image(request);
  const json images = r.doc.value("images", json::array());
  if (!images.is_array() || images.empty()) throw Error(provider.instance() + ": the answer holds no image");
  std::vector<GeneratedImage> out;
  for (const auto &entry : images) {
    uint64_t offset = entry.value("offset", uint64_t{0});
    uint64_t size = entry.value("size", uint64_t{0});
    if (offset > r.blob.size() || size > r.blob.size() - offset)
      throw Error(provider.instance() + ": image " + std::to_string(out.size() + 1) + " lies outside the data returned");
    std::string bytes = r.blob.substr(offset, size);
    auto type = sniff_image(bytes);
    if (!type)
      throw Error(provider.instance() + ": expected an image (PNG, JPEG or WebP) but got " + describe_unexpected(bytes) +
                  "; nothing was written");
    out.push_back({std::move(bytes), *type, entry});
  }
  if (doc_out) *doc_out = r.doc;
  return out;
}

fs::path default_media_dir() {
  fs::path dir = paths::data_dir() / "media";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create " + dir.string() + ": " + ec.message());
  return dir;
}

std::string media_file_name(std::string_view prompt, const std::string &sha256_hex, const std::string &ext) {
  return slug(prompt) + "-" + sha256_hex.substr(0, 8) + "." + ext;
}

fs::path numbered(const fs::path &file, size_t index, size_t count) {
  if (count <= 1) return file;
  fs::path out = file;
  out.replace_filename(file.stem().string() + "-" + std::to_string(index) + file.extension().string());
  return out;
}

} // namespace webox::media

namespace webox::media {

Target parse_target(const std::string &output) {
  if (output.empty()) return {Target::Kind::directory, default_media_dir(), {}};
  if (output == "-") return {Target::Kind::standard_output, {}, {}};
  if (is_directory_target(output)) {
    std::error_code ec;
    std::filesystem::create_directories(output, ec);
    if (ec) throw Error("cannot create " + output + ": " + ec.message());
    return {Target::Kind::directory, std::filesystem::path(output), {}};
  }
  return {Target::Kind::file, std::filesystem::path(output), {}};
}

} // namespace webox::media

#include "lib/chat/session.hpp"

namespace webox::media {

nlohmann::json options_from_pairs(const std::vector<std::string> &pairs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto &p : pairs) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--option expects key=value, got '" + p + "'");
    out[p.substr(0, eq)] = chat::option_value(p.substr(eq + 1));
  }
  return out;
}

MediaDefault default_media_model(MediaKind kind, const MediaConfig &configured) {
  const char *env = kind == MediaKind::image ? "WEBOX_IMAGE_MODEL" : kind == MediaKind::speech ? "WEBOX_TTS_MODEL" : "WEBOX_STT_MODEL";
  const std::string &in_file = kind == MediaKind::image    ? configured.image_model
                               : kind == MediaKind::speech ? configured.tts_model
                                                           : configured.stt_model;
  if (std::string v = paths::env(env); !v.empty()) return {v, std::string("env ") + env};
  if (!in_file.empty()) return {in_file, "file"};
  return {kind == MediaKind::image ? "openai:gpt-image-1" : kind == MediaKind::speech ? "espeak" : "pocketsphinx", "default"};
}

} // namespace webox::media
