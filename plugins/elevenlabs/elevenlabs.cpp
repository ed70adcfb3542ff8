// The elevenlabs provider: text to speech over the ElevenLabs API.
//
// WIRE FORMAT (reference/wire-formats.md §8).
//   POST {base}/v1/text-to-speech/{voice_id}?output_format=mp3_44100_128
//   xi-api-key: KEY                 (a Bearer header is rejected)
//   {"text": "...", "model_id": "eleven_multilingual_v2",
//    "voice_settings": {"speed": 1.1, ...}?, ...}
// 200 is the audio itself (Content-Type audio/mpeg for mp3), sent chunked
// as it is synthesised; it is forwarded to the host's sink chunk by chunk
// (WEBOX_HTTP_RAW), never held whole. Failures carry
//   {"detail": {"type","code","message","status","request_id"}}   (current)
//   {"detail": {"status": "invalid_api_key", "message": "..."}}   (legacy)
//   {"detail": [{"type","loc","msg","input"}]}                    (pydantic 422)
// and running out of characters is a 401 whose status/code is
// "quota_exceeded": that is WEBOX_E_QUOTA, not an authentication problem.
//
// FORMATS. ElevenLabs names formats codec_rate[_bitrate]: mp3_44100_128,
// pcm_22050, ulaw_8000, opus_48000_64. Those pass through. The generic names
// webox uses map to a default of the family; "wav" is asked as pcm_22050
// and given a WAV header here (with the "unknown size" marker the host fixes
// when it writes a file), so `-o out.wav` plays anywhere.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include <webox/plugin.hpp>

#include "plugins/common/media_kit.hpp"
#include "plugins/common/shared/wav.hpp"

namespace sdk = webox::sdk;
namespace mp = webox::media_plugin;
using nlohmann::json;

// The service's instance (name, base URL, key variable).
struct webox_instance : webox::media_plugin::Service {};

namespace {

constexpr const char *kDefaultVoice = "21m00Tcm4TlvDq8ikWAM"; // "Rachel", a premade voice every account has
constexpr size_t kMaxChars = 5000; // the smallest per-request limit among current models

struct Format {
  std::string wire;       // output_format sent
  std::string media_type; // of the bytes handed to the sink
  bool wrap_wav = false;
  uint32_t pcm_rate = 0;
};

Format format_for(const std::string &asked) {
  if (asked.empty() || asked == "mp3") return {"mp3_44100_128", "audio/mpeg"};
  if (asked == "wav") return {"pcm_22050", "audio/wav", true, 22050};
  if (asked == "pcm") return {"pcm_22050", "audio/L16;rate=22050"};
  if (asked == "opus") return {"opus_48000_64", "audio/ogg"};
  if (asked == "ulaw") return {"ulaw_8000", "audio/basic"};
  std::string family = asked.substr(0, asked.find('_'));
  if (family == "mp3") return {asked, "audio/mpeg"};
  if (family == "pcm") return {asked, "audio/L16;rate=" + asked.substr(asked.find('_') + 1)};
  if (family == "opus") return {asked, "audio/ogg"};
  if (family == "ulaw" || family == "alaw") return {asked, "audio/basic"};
  if (family == "wav") return {asked, "audio/wav"};
  throw sdk::Failure(WEBOX_E_UNSUPPORTED, std::string(WEBOX_PROVIDER_ID) + ": format '" + asked +
                                              "' is not supported (mp3, wav, pcm, opus, ulaw, or ElevenLabs' own "
                                              "names such as mp3_44100_128)");
}

std::string url_escape(const std::string &s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

[[noreturn]] void fail(const sdk::HttpResponse &r, const std::string &voice) {
  json body = webox::bounded_json::parse_or_discarded(r.body);
  std::string code, message;
  if (body.is_object() && body.contains("detail")) {
    const json &d = body["detail"];
    if (d.is_object()) {
      code = webox::json_fields::string_at(d, "code");
      if (code.empty()) code = webox::json_fields::string_at(d, "status");
      message = webox::json_fields::string_at(d, "message");
    } else if (d.is_array() && !d.empty()) {
      code = webox::json_fields::string_at(d[0], "type");
      message = webox::json_fields::string_at(d[0], "msg");
    } else if (d.is_string()) {
      message = d.get<std::string>();
    }
  }
  bool quota = code == "quota_exceeded" || body.dump().find("quota_exceeded") != std::string::npos;
  if (r.status == 404 && (code.empty() || code.find("voice") != std::string::npos))
    message = "unknown voice '" + voice + "'" + (message.empty() ? "" : " (" + message + ")");
  mp::fail_http(WEBOX_PROVIDER_ID, r, code, message, quota);
}

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return mp::create_service(config, size, out, error, WEBOX_PROVIDER_ID, "https://api.elevenlabs.io", "ELEVENLABS_API_KEY");
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return webox::kit::give_description(json{{"models", {"eleven_multilingual_v2", "eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_v3"}},
                   {"tts",
                    {{"max_chars", kMaxChars},
                     {"formats", {"mp3", "wav", "pcm", "opus", "ulaw", "mp3_44100_128", "pcm_22050"}},
                     {"default_format", "mp3"},
                     {"default_voice", kDefaultVoice}}}}, out);
}

webox_status tts(webox_instance *self, const webox_call *call, const webox_request *req, webox_byte_sink_fn sink,
                 void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = mp::parse_request(req, WEBOX_PROVIDER_ID);
    std::string text = request.value("text", "");
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      throw sdk::Failure(WEBOX_E_INVALID, "elevenlabs: nothing to say (empty text)");
    std::string voice = request.value("voice", "");
    if (voice.empty()) voice = kDefaultVoice;
    Format format = format_for(request.value("format", ""));
    std::string model = request.value("model", "eleven_multilingual_v2");

    json body = {{"text", text}, {"model_id", model}};
    json options = request.value("options", json::object());
    if (options.is_object())
      for (auto it = options.begin(); it != options.end(); ++it) body[it.key()] = it.value();
    if (request.contains("speed") && request["speed"].is_number()) {
      if (!body.contains("voice_settings") || !body["voice_settings"].is_object()) body["voice_settings"] = json::object();
      body["voice_settings"]["speed"] = request["speed"];
    }

    std::string key = mp::require_key(call, WEBOX_PROVIDER_ID, self->key_name);
    sdk::HttpRequest http;
    http.method = "POST";
    http.url = self->base_url + "/v1/text-to-speech/" + url_escape(voice) + "?output_format=" + url_escape(format.wire);
    http.headers = {"xi-api-key: " + key, "Content-Type: application/json", "Accept: */*"};
    http.body = body.dump();
    http.framing = WEBOX_HTTP_RAW;

    bool header_sent = false;
    uint64_t bytes = 0;
    sdk::HttpResponse r = sdk::http_stream(call, http, [&](std::string_view chunk) {
      if (format.wrap_wav && !header_sent) {
        sdk::emit(sink, user, webox::media::wav_header(format.pcm_rate, 1, 16, webox::media::kWavUnknownSize));
        header_sent = true;
      }
      bytes += chunk.size();
      return sink(user, chunk.data(), chunk.size()) == 0;
    });
    if (r.status < 200 || r.status >= 300) fail(r, voice);
    if (bytes == 0) throw sdk::Failure(WEBOX_E_UPSTREAM, "elevenlabs: the answer held no audio");
    json result = {{"media_type", format.media_type}, {"format", format.wrap_wav ? "wav" : format.wire},
                   {"model", model},  {"voice", voice}, {"characters", text.size()}};
    if (std::string cost = r.header("character-cost"); !cost.empty()) result["character_cost"] = cost;
    if (std::string id = r.header("request-id"); !id.empty()) result["request_id"] = id;
    sdk::give(result.dump(), &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .tts = tts)
