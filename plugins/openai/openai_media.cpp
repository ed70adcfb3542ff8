// OpenAI media: images, speech and transcriptions.
//
// WIRE FORMATS (reference/wire-formats.md §3).
//
// IMAGES. POST {base}/images/generations, Bearer key, JSON
//   {"model","prompt","n","size"?,"quality"?,...}. Answer
//   {"created","data":[{"b64_json"} | {"url","revised_prompt"?}],"usage"?}.
//   GPT image models always answer b64_json (and a token `usage`); dall-e-2
//   and dall-e-3 answer a URL by default: a signed blob-storage URL whose
//   query holds percent-escapes (%3D) that must be requested exactly as
//   given. It is downloaded with a plain GET WITHOUT the API key (the key
//   is for api.openai.com, never for a storage host), byte for byte; the
//   host checks the image signature, so an expired link that serves an XML
//   or HTML error is refused instead of written.
//
// SPEECH. POST {base}/audio/speech {"model","input","voice",
//   "response_format": mp3|opus|aac|flac|wav|pcm,"speed"?,"instructions"?}.
//   The answer is the audio itself, chunked; it is forwarded to the host's
//   sink as it arrives (WEBOX_HTTP_RAW). At most 4096 characters of input
//   per request: describe() says so, and the host splits longer text at
//   sentence ends.
//
// TRANSCRIPTIONS. POST {base}/audio/transcriptions, multipart/form-data
//   with the file part (its name and content type matter: the service
//   guesses the codec from them), model, language (ISO 639-1)?, prompt?,
//   response_format json | verbose_json (segments with start/end, whisper-1
//   only) | text. At most 25 MB of audio.
//
// ERRORS use the envelope {"error":{"message","type","param","code"}};
// 429 with code insufficient_quota is out of credit (WEBOX_E_QUOTA).
#include "openai_media.hpp"

#include <string>

#include <webox/plugin.hpp>

#include "plugins/common/media_kit.hpp"

namespace webox::openai {
namespace {

namespace sdk = webox::sdk;
namespace mp = webox::media_plugin;
using nlohmann::json;

constexpr size_t kSpeechMaxChars = 4096;
constexpr size_t kTranscriptionMaxBytes = 25u << 20;

[[noreturn]] void fail(const MediaEndpoint &ep, const sdk::HttpResponse &r) {
  json body = webox::bounded_json::parse_or_discarded(r.body);
  std::string code, message;
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const json &e = body["error"];
    if (e.contains("code") && e["code"].is_string()) code = e["code"].get<std::string>();
    if (code.empty() && e.contains("type") && e["type"].is_string()) code = e["type"].get<std::string>();
    message = webox::json_fields::string_at(e, "message");
  }
  bool quota = code == "insufficient_quota" || code == "billing_hard_limit_reached";
  mp::fail_http(ep.name, r, code, message, quota);
}

sdk::HttpRequest post(const MediaEndpoint &ep, const std::string &key, const std::string &path) {
  sdk::HttpRequest http;
  http.method = "POST";
  http.url = ep.base_url + path;
  http.headers = {"Authorization: Bearer " + key};
  http.timeout_ms = ep.timeout_ms;
  return http;
}

std::string speech_media_type(const std::string &format) {
  if (format == "mp3") return "audio/mpeg";
  if (format == "opus") return "audio/ogg";
  if (format == "aac") return "audio/aac";
  if (format == "flac") return "audio/flac";
  if (format == "wav") return "audio/wav";
  if (format == "pcm") return "audio/L16;rate=24000"; // 24 kHz s16le, no header
  throw sdk::Failure(WEBOX_E_UNSUPPORTED, "openai: format '" + format + "' is not supported (mp3, opus, aac, flac, wav, pcm)");
}

} // namespace

json media_describe() {
  json voices = json::array();
  for (const char *v : {"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"})
    voices.push_back({{"id", v}, {"name", v}, {"languages", json::array()}});
  return {{"voices", voices},
          {"tts",
           {{"max_chars", kSpeechMaxChars},
            {"formats", {"mp3", "opus", "aac", "flac", "wav", "pcm"}},
            {"default_format", "mp3"},
            {"default_voice", "alloy"}}},
          {"stt", {{"max_bytes", kTranscriptionMaxBytes}}},
          {"image", {{"max_n", 10}}}};
}

webox_status media_image(const MediaEndpoint &ep, const webox_call *call, const webox_request *req,
                         webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = mp::parse_request(req, ep.name);
    std::string model = request.value("model", "gpt-image-1");
    json body = {{"model", model}, {"prompt", request.value("prompt", "")}, {"n", request.value("n", 1)}};
    if (request.contains("size")) body["size"] = request["size"];
    if (request.contains("quality")) body["quality"] = request["quality"];
    if (request.contains("seed"))
      sdk::log(call, WEBOX_LOG_WARN, ep.name + ": OpenAI images take no seed; --seed is ignored");
    json options = request.value("options", json::object());
    for (auto it = options.begin(); options.is_object() && it != options.end(); ++it) body[it.key()] = it.value();

    std::string key = mp::require_key(call, ep.name, ep.key_var);
    sdk::HttpRequest http = post(ep, key, "/images/generations");
    http.headers.push_back("Content-Type: application/json");
    http.body = body.dump();
    sdk::HttpResponse r = sdk::http(call, http);
    if (r.status < 200 || r.status >= 300) fail(ep, r);
    json answer = webox::bounded_json::parse_or_discarded(r.body);
    if (!answer.is_object() || !answer.contains("data") || !answer["data"].is_array())
      throw sdk::Failure(WEBOX_E_UPSTREAM, ep.name + ": the answer has no image data");

    mp::ImageBlob blob;
    for (const auto &item : answer["data"]) {
      json info = json::object();
      if (item.contains("revised_prompt")) info["revised_prompt"] = item["revised_prompt"];
      if (item.contains("b64_json") && item["b64_json"].is_string()) {
        bool ok = true;
        std::string bytes = mp::base64_decode(item["b64_json"].get<std::string>(), &ok);
        if (!ok) throw sdk::Failure(WEBOX_E_UPSTREAM, ep.name + ": an image is not valid base64");
        blob.add(bytes, info);
      } else if (item.contains("url") && item["url"].is_string()) {
        sdk::HttpRequest get;
        get.method = "GET";
        get.url = item["url"].get<std::string>(); // exactly as given: the signature covers the escapes
        get.timeout_ms = ep.timeout_ms;
        sdk::HttpResponse img = sdk::http(call, get);
        if (img.status < 200 || img.status >= 300)
          throw sdk::Failure(WEBOX_E_UPSTREAM, ep.name + ": downloading the image failed with HTTP " +
                                                   std::to_string(img.status) + " (signed URLs expire after an hour)",
                             img.status);
        info["url"] = get.url;
        blob.add(img.body, info);
      }
    }
    json result = {{"model", model}, {"images", blob.images}};
    if (answer.contains("usage")) result["usage"] = answer["usage"];
    sdk::give(result.dump(), &out->json);
    sdk::give(std::move(blob.bytes), &out->blob);
    return WEBOX_OK;
  });
}

webox_status media_speech(const MediaEndpoint &ep, const webox_call *call, const webox_request *req,
                          webox_byte_sink_fn sink, void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = mp::parse_request(req, ep.name);
    std::string text = request.value("text", "");
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      throw sdk::Failure(WEBOX_E_INVALID, ep.name + ": nothing to say (empty text)");
    std::string format = request.value("format", "");
    if (format.empty()) format = "mp3";
    std::string media_type = speech_media_type(format);
    std::string model = request.value("model", "gpt-4o-mini-tts");
    std::string voice = request.value("voice", "");
    if (voice.empty()) voice = "alloy";
    json body = {{"model", model}, {"input", text}, {"voice", voice}, {"response_format", format}};
    if (request.contains("speed")) body["speed"] = request["speed"];
    json options = request.value("options", json::object());
    for (auto it = options.begin(); options.is_object() && it != options.end(); ++it) body[it.key()] = it.value();

    std::string key = mp::require_key(call, ep.name, ep.key_var);
    sdk::HttpRequest http = post(ep, key, "/audio/speech");
    http.headers.push_back("Content-Type: application/json");
    http.body = body.dump();
    http.framing = WEBOX_HTTP_RAW;
    uint64_t bytes = 0;
    sdk::HttpResponse r = sdk::http_stream(call, http, [&](std::string_view chunk) {
      bytes += chunk.size();
      return sink(user, chunk.data(), chunk.size()) == 0;
    });
    if (r.status < 200 || r.status >= 300) fail(ep, r);
    std::string content_type = r.header("content-type");
    if (content_type.rfind("text/html", 0) == 0 || content_type.rfind("application/json", 0) == 0)
      throw sdk::Failure(WEBOX_E_UPSTREAM, ep.name + ": expected audio but the server sent " + content_type);
    if (bytes == 0) throw sdk::Failure(WEBOX_E_UPSTREAM, ep.name + ": the answer held no audio");
    sdk::give(json{{"media_type", media_type}, {"format", format}, {"model", model}, {"voice", voice},
                   {"characters", text.size()}}
                  .dump(),
              &out->json);
    return WEBOX_OK;
  });
}

webox_status media_transcribe(const MediaEndpoint &ep, const webox_call *call, const webox_request *req,
                              webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = mp::parse_request(req, ep.name);
    if (!req->blob || req->blob_size == 0) throw sdk::Failure(WEBOX_E_INVALID, ep.name + ": no audio given");
    if (req->blob_size > kTranscriptionMaxBytes)
      throw sdk::Failure(WEBOX_E_INVALID, ep.name + ": the audio is over 25 MB, the API's limit; split or compress it");
    std::string model = request.value("model", "whisper-1");
    bool verbose = request.value("format", "") == "verbose";
    // Segments with times exist only for whisper-1; the gpt-4o transcribe
    // models answer json or text.
    std::string response_format = verbose && model == "whisper-1" ? "verbose_json" : "json";

    mp::Multipart form;
    form.file("file", request.value("filename", "audio.wav"), request.value("media_type", "application/octet-stream"),
              std::string(req->blob, req->blob_size));
    form.field("model", model);
    form.field("response_format", response_format);
    if (request.contains("language") && request["language"].is_string()) form.field("language", request["language"].get<std::string>());
    if (request.contains("prompt") && request["prompt"].is_string()) form.field("prompt", request["prompt"].get<std::string>());
    json options = request.value("options", json::object());
    for (auto it = options.begin(); options.is_object() && it != options.end(); ++it)
      form.field(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());

    std::string key = mp::require_key(call, ep.name, ep.key_var);
    sdk::HttpRequest http = post(ep, key, "/audio/transcriptions");
    http.body = form.body();
    http.headers.push_back("Content-Type: " + form.content_type());
    sdk::HttpResponse r = sdk::http(call, http);
    if (r.status < 200 || r.status >= 300) fail(ep, r);
    json answer = webox::bounded_json::parse_or_discarded(r.body);
    if (!answer.is_object() || !answer.contains("text"))
      throw sdk::Failure(WEBOX_E_UPSTREAM, ep.name + ": the transcription answer has no text");
    std::string text = webox::json_fields::string_at(answer, "text");
    while (!text.empty() && (text.front() == ' ')) text.erase(text.begin());
    json result = {{"text", text}, {"model", model}};
    if (answer.contains("language")) result["language"] = answer["language"];
    if (answer.contains("duration")) result["duration"] = answer["duration"];
    json segments = json::array();
    if (answer.contains("segments") && answer["segments"].is_array()) {
      for (const auto &s : answer["segments"]) {
        std::string t = webox::json_fields::string_at(s, "text");
        while (!t.empty() && t.front() == ' ') t.erase(t.begin());
        segments.push_back({{"start", webox::json_fields::number_at(s, "start").value_or(0.0)}, {"end", webox::json_fields::number_at(s, "end").value_or(0.0)}, {"text", t}});
      }
    }
    result["segments"] = segments;
    // Word timings come back only when the request asked for them
    // (whisper-1, verbose_json, option timestamp_granularities[]=word).
    if (answer.contains("words") && answer["words"].is_array()) {
      json words = json::array();
      for (const auto &w : answer["words"]) {
        std::string word = webox::json_fields::string_at(w, "word");
        while (!word.empty() && word.front() == ' ') word.erase(word.begin());
        if (word.empty()) continue;
        words.push_back({{"start", webox::json_fields::number_at(w, "start").value_or(0.0)},
                         {"end", webox::json_fields::number_at(w, "end").value_or(0.0)},
                         {"word", word}});
      }
      result["words"] = words;
    }
    if (answer.contains("usage")) result["usage"] = answer["usage"];
    sdk::give(result.dump(), &out->json);
    return WEBOX_OK;
  });
}

} // namespace webox::openai
