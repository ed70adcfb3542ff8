// The pocketsphinx provider: offline speech recognition, the default model
// of `webox transcribe`.
//
// Request (stt): {"model":"en-us","language":"en"?,"filename":"a.wav",
// "media_type":"audio/wav","options":{"model_dir":"..."}}, the audio in the
// request's blob. Result: {"text","model","language":"en","duration",
// "segments":[{"start","end","text"}],"words":[{"start","end","word"}]},
// times in seconds. PocketSphinx decodes one utterance at a time; the whole
// file is one utterance here and so one segment.
//
// The decoder loads about 40 MB of acoustic and language model, so it is
// created on the first request of an instance and kept. Sphinxbase logs
// to stderr by default and from global state: it is silenced once.
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <webox/plugin.hpp>

#include "pcm.hpp"

namespace sdk = webox::sdk;
using nlohmann::json;

namespace {

struct ConfigDeleter {
  void operator()(cmd_ln_t *c) const { cmd_ln_free_r(c); }
};
struct DecoderDeleter {
  void operator()(ps_decoder_t *d) const { ps_free(d); }
};

constexpr double kFrameSeconds = 0.01; // PocketSphinx's default 100 frames per second

} // namespace

struct webox_instance {
  std::string name;
  std::string model_dir = WEBOX_POCKETSPHINX_MODEL_DIR;
  std::unique_ptr<cmd_ln_t, ConfigDeleter> config;
  std::unique_ptr<ps_decoder_t, DecoderDeleter> decoder;
};

namespace {

void silence_sphinx_logging() {
  static std::once_flag once;
  std::call_once(once, [] { err_set_logfp(nullptr); });
}

ps_decoder_t &decoder_of(webox_instance &self) {
  if (self.decoder) return *self.decoder;
  silence_sphinx_logging();
  const std::string hmm = self.model_dir + "/en-us";
  const std::string lm = self.model_dir + "/en-us.lm.bin";
  const std::string dict = self.model_dir + "/cmudict-en-us.dict";
  self.config.reset(cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-lm", lm.c_str(), "-dict",
                                dict.c_str(), "-samprate", "16000", nullptr));
  if (!self.config)
    throw sdk::Failure(WEBOX_E_INTERNAL, "pocketsphinx: bad decoder configuration for model " + self.model_dir);
  self.decoder.reset(ps_init(self.config.get()));
  if (!self.decoder)
    throw sdk::Failure(WEBOX_E_INTERNAL, "pocketsphinx: cannot load the English model from " + self.model_dir +
                                             " (is the pocketsphinx-en-us package installed?)");
  return *self.decoder;
}

// "<s>", "</s>", "<sil>", "[NOISE]", "++BREATH++" are not words.
bool is_filler(const std::string &w) {
  return w.empty() || w.front() == '<' || w.front() == '[' || w.front() == '+';
}

// Alternative pronunciations come back as "read(2)".
std::string strip_alternate(std::string w) {
  if (size_t paren = w.find('('); paren != std::string::npos && paren > 0) w.resize(paren);
  return w;
}

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return sdk::guard(error, [&] {
    json cfg = webox::bounded_json::parse_or_discarded(std::string_view(config, size));
    auto inst = std::make_unique<webox_instance>();
    if (cfg.is_object()) {
      inst->name = cfg.value("instance", WEBOX_PROVIDER_ID);
      json options = cfg.value("options", json::object());
      if (options.is_object() && options.contains("model_dir") && options["model_dir"].is_string())
        inst->model_dir = options["model_dir"].get<std::string>();
    }
    *out = inst.release();
    return WEBOX_OK;
  });
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return sdk::guard(nullptr, [&] {
    sdk::give(json{{"models", {"en-us"}}, {"stt", {{"languages", {"en"}}, {"formats", {"wav"}}}}}.dump(), out);
    return WEBOX_OK;
  });
}

webox_status stt(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
    if (request.is_discarded() || !request.is_object())
      throw sdk::Failure(WEBOX_E_INVALID, "pocketsphinx: request is not a JSON object");
    std::string language = request.value("language", "");
    if (!language.empty() && language != "en" && language.rfind("en-", 0) != 0 && language.rfind("en_", 0) != 0)
      throw sdk::Failure(WEBOX_E_UNSUPPORTED, "pocketsphinx: only English is installed (pocketsphinx-en-us); "
                                              "language '" + language + "' needs another model, e.g. -m openai:whisper-1");
    auto pcm = webox::pocketsphinx::decode_wav_to_16k(std::string_view(req->blob ? req->blob : "", req->blob_size));

    ps_decoder_t &ps = decoder_of(*self);
    if (ps_start_utt(&ps) < 0) throw sdk::Failure(WEBOX_E_INTERNAL, "pocketsphinx: cannot start decoding");
    // Feed in slices so that Ctrl-C is noticed on long recordings.
    constexpr size_t kSlice = 16000 * 5;
    for (size_t at = 0; at < pcm.samples.size(); at += kSlice) {
      if (sdk::host().is_cancelled(call)) {
        ps_end_utt(&ps);
        throw sdk::Failure(WEBOX_E_CANCELLED, "pocketsphinx: cancelled");
      }
      size_t n = std::min(kSlice, pcm.samples.size() - at);
      if (ps_process_raw(&ps, pcm.samples.data() + at, n, FALSE, FALSE) < 0) {
        ps_end_utt(&ps);
        throw sdk::Failure(WEBOX_E_INTERNAL, "pocketsphinx: decoding failed");
      }
    }
    ps_end_utt(&ps);

    json words = json::array();
    std::string text;
    for (ps_seg_t *seg = ps_seg_iter(&ps); seg; seg = ps_seg_next(seg)) {
      const char *raw = ps_seg_word(seg);
      std::string word = strip_alternate(raw ? raw : "");
      if (is_filler(word)) continue;
      int sf = 0, ef = 0;
      ps_seg_frames(seg, &sf, &ef);
      words.push_back({{"start", sf * kFrameSeconds}, {"end", (ef + 1) * kFrameSeconds}, {"word", word}});
      text += (text.empty() ? "" : " ") + word;
    }
    json segments = json::array();
    if (!words.empty())
      segments.push_back({{"start", words.front()["start"]}, {"end", words.back()["end"]}, {"text", text}});
    sdk::give(json{{"text", text},
                   {"model", "en-us"},
                   {"language", "en"},
                   {"duration", pcm.seconds},
                   {"segments", segments},
                   {"words", words}}
                  .dump(),
              &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .stt = stt)
