// The espeak provider: offline speech synthesis with libespeak-ng, the
// default model of `webox tts`.
//
// Request (tts): {"model":"espeak-ng","text":"...","voice":"fr","speed":1.0,
// "format":"wav"|"pcm","options":{"pitch":50}}. The sink receives a WAV
// stream as espeak produces it: a 44-byte header whose two sizes say
// "unknown" (0xFFFFFFFF, see plugins/common/shared/wav.hpp; the host fixes them when it
// writes a regular file), then 22050 Hz mono 16-bit samples, a chunk per
// synthesis callback. "pcm" sends the samples alone. The result names the
// media type, the voice actually used and the duration.
//
// espeak-ng is a process-wide singleton: see engine.hpp for how it is
// serialised.
#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <string>

#include <espeak-ng/espeak_ng.h>
#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include <webox/plugin.hpp>

#include "engine.hpp"
#include "plugins/common/shared/wav.hpp"

namespace sdk = webox::sdk;
namespace espeak = webox::espeak;
using nlohmann::json;

struct webox_instance {
  std::string name;
};

namespace {

constexpr int kDefaultWordsPerMinute = 175; // espeak-ng's own default rate

// Where the synthesis callback sends samples. espeak's callback has no
// context pointer; the user_data given to espeak_ng_Synthesize comes back
// in each event, and that is how it finds this.
struct SynthesisTarget {
  const webox_call *call = nullptr;
  webox_byte_sink_fn sink = nullptr;
  void *user = nullptr;
  uint64_t samples = 0;
  bool stopped = false;
};

int on_samples(short *wav, int count, espeak_EVENT *events) {
  auto *t = events ? static_cast<SynthesisTarget *>(events->user_data) : nullptr;
  if (!t) return 0;
  if (t->stopped) return 1;
  if (sdk::host().is_cancelled(t->call)) {
    t->stopped = true;
    return 1;
  }
  if (wav && count > 0) {
    // Samples are host-endian shorts; WAV wants little-endian, which every
    // platform webox builds on is.
    if (t->sink(t->user, reinterpret_cast<const char *>(wav), static_cast<size_t>(count) * sizeof(short)) != 0) {
      t->stopped = true;
      return 1; // abort the synthesis
    }
    t->samples += static_cast<uint64_t>(count);
  }
  return 0;
}

json parse_request(const webox_request *req) {
  json doc = webox::bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
  if (doc.is_discarded() || !doc.is_object()) throw sdk::Failure(WEBOX_E_INVALID, "espeak: request is not a JSON object");
  return doc;
}

bool is_blank(const std::string &s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return sdk::guard(error, [&] {
    json cfg = webox::bounded_json::parse_or_discarded(std::string_view(config, size));
    auto inst = std::make_unique<webox_instance>();
    inst->name = cfg.is_object() ? cfg.value("instance", WEBOX_PROVIDER_ID) : WEBOX_PROVIDER_ID;
    *out = inst.release();
    return WEBOX_OK;
  });
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return sdk::guard(nullptr, [&] {
    json voices = json::array();
    {
      auto lock = espeak::lock_engine();
      for (const auto &v : espeak::list_voices(lock)) {
        voices.push_back({{"id", v.id},
                          {"name", v.name},
                          {"languages", v.languages},
                          {"gender", v.gender == 1 ? "male" : v.gender == 2 ? "female" : ""}});
      }
    }
    sdk::give(json{{"models", {"espeak-ng"}},
                   {"voices", voices},
                   {"tts", {{"formats", {"wav", "pcm"}}, {"default_format", "wav"}, {"default_voice", "en"}}}}
                  .dump(),
              out);
    return WEBOX_OK;
  });
}

webox_status tts(webox_instance *, const webox_call *call, const webox_request *req, webox_byte_sink_fn sink, void *user,
                 webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = parse_request(req);
    std::string text = request.value("text", "");
    if (text.empty() || is_blank(text)) throw sdk::Failure(WEBOX_E_INVALID, "espeak: nothing to say (empty text)");
    std::string format = request.value("format", "");
    if (format.empty()) format = "wav";
    if (format != "wav" && format != "pcm")
      throw sdk::Failure(WEBOX_E_UNSUPPORTED, "espeak: format '" + format + "' is not supported (wav or pcm)");
    double speed = request.contains("speed") && request["speed"].is_number() ? request["speed"].get<double>() : 1.0;
    if (!(speed >= 0.25 && speed <= 4.0))
      throw sdk::Failure(WEBOX_E_INVALID, "espeak: speed must be between 0.25 and 4");
    json options = request.value("options", json::object());

    auto lock = espeak::lock_engine();
    std::string voice = espeak::select_voice(lock, request.value("voice", ""));
    int rate = static_cast<int>(std::lround(kDefaultWordsPerMinute * speed));
    espeak_ng_SetParameter(espeakRATE, std::clamp(rate, 80, 450), 0);
    if (options.contains("pitch") && options["pitch"].is_number_integer())
      espeak_ng_SetParameter(espeakPITCH, std::clamp(options["pitch"].get<int>(), 0, 100), 0);
    else
      espeak_ng_SetParameter(espeakPITCH, 50, 0);
    const int sample_rate = espeak_ng_GetSampleRate();

    if (format == "wav") {
      std::string header = webox::media::wav_header(static_cast<uint32_t>(sample_rate), 1, 16,
                                                    webox::media::kWavUnknownSize);
      sdk::emit(sink, user, header);
    }
    SynthesisTarget target{call, sink, user, 0, false};
    espeak_SetSynthCallback(on_samples);
    espeak_ng_STATUS st = espeak_ng_Synthesize(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0,
                                               espeakCHARS_UTF8, nullptr, &target);
    if (st == ENS_OK) st = espeak_ng_Synchronize();
    espeak_SetSynthCallback(nullptr);
    if (target.stopped) throw sdk::Failure(WEBOX_E_CANCELLED, "espeak: stopped");
    if (st != ENS_OK) {
      char msg[512] = {0};
      espeak_ng_GetStatusCodeMessage(st, msg, sizeof msg);
      throw sdk::Failure(WEBOX_E_INTERNAL, std::string("espeak: synthesis failed: ") + msg);
    }
    double seconds = static_cast<double>(target.samples) / sample_rate;
    sdk::give(json{{"media_type", format == "wav" ? "audio/wav" : "audio/L16;rate=" + std::to_string(sample_rate)},
                   {"format", format},
                   {"model", "espeak-ng"},
                   {"voice", voice},
                   {"sample_rate", sample_rate},
                   {"duration_ms", std::lround(seconds * 1000)},
                   {"characters", text.size()}}
                  .dump(),
              &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .tts = tts)
