#include "lib/media/produce.hpp"

#include <cctype>

#include "lib/core/crypto.hpp"
#include "lib/media/output_file.hpp"
#include "lib/media/signature.hpp"

namespace webox::media {
namespace {

namespace fs = std::filesystem;

std::string absolute_text(const fs::path &p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  return ec ? p.string() : abs.lexically_normal().string();
}

} // namespace

std::string audio_format_from_name(const fs::path &file) {
  std::string ext = file.extension().string();
  if (ext.size() > 1) ext = ext.substr(1);
  for (auto &c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const char *known[] = {"wav", "mp3", "opus", "aac", "flac", "pcm"};
  for (const char *k : known)
    if (ext == k) return ext;
  return {};
}

SpeechFile speak_to_file(plugin::Provider &provider, const std::string &provider_name, const nlohmann::json &request,
                         size_t max_chars, const Target &target) {
  SpeechFile out;
  const std::string text = request.value("text", "");
  const std::string format = request.value("format", "");
  fs::path dest = target.kind == Target::Kind::file ? target.path : target.path / "speech.part";
  MediaFile file(dest, target.confined_to);
  out.result = synthesize(provider, request, max_chars, [&](std::string_view audio) { file.write(audio); });
  out.result.sha256 = file.finish(); // a streamed WAV's header was fixed: digest the file as it stays
  if (target.kind == Target::Kind::directory) {
    std::string ext = extension_for(out.result.media_type);
    if (ext == "bin" && !format.empty()) ext = format.substr(0, format.find('_'));
    file.set_destination(target.path / media_file_name(text, out.result.sha256, ext));
  }
  file.commit();

  nlohmann::json options = {{"voice", out.result.doc.value("voice", request.value("voice", ""))},
                            {"format", out.result.doc.value("format", format)}};
  if (request.contains("speed")) options["speed"] = request["speed"];
  if (request.contains("options") && !request["options"].empty()) options["options"] = request["options"];
  MediaRecord &rec = out.record;
  rec.kind = "audio";
  rec.provider = provider_name;
  rec.model = request.value("model", "");
  rec.prompt = text;
  rec.options_json = options.dump();
  rec.file_path = absolute_text(file.destination());
  rec.media_type = out.result.media_type;
  rec.sha256 = out.result.sha256;
  rec.bytes = static_cast<int64_t>(out.result.bytes);
  return out;
}

MediaRecord write_image(const GeneratedImage &image, const Target &target, size_t index, size_t count,
                        const std::string &prompt) {
  MediaRecord rec;
  rec.kind = "image";
  rec.prompt = prompt;
  rec.sha256 = crypto::hex_encode(crypto::sha256(image.bytes));
  fs::path dest = target.kind == Target::Kind::directory
                      ? target.path / media_file_name(prompt, rec.sha256, image.type.extension)
                      : numbered(target.path, index, count);
  MediaFile file(dest, target.confined_to);
  file.write(image.bytes);
  file.commit();
  rec.file_path = absolute_text(dest);
  rec.media_type = image.type.mime;
  rec.bytes = static_cast<int64_t>(image.bytes.size());
  return rec;
}

} // namespace webox::media
