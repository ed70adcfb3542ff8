// `webox tts`: text to speech, streamed to a file that appears only when
// complete.
//
//   webox tts [TEXT...] [-m MODEL] [--voice VOICE] [--speed X] [--format F]
//             [--output FILE|DIR/|-] [--file F] [--max-cost USD] [--list-voices] [--json]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/flags.hpp"
#include "cli/output.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/media/gallery.hpp"
#include "lib/media/generate.hpp"
#include "lib/media/media_budget.hpp"
#include "lib/media/media_prices.hpp"
#include "lib/media/produce.hpp"
#include "lib/media/signature.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct TtsOptions {
  std::string model;
  std::string voice;
  std::optional<double> speed;
  std::string format;
  std::string output;
  std::string file;
  std::vector<std::string> options;
  std::optional<double> max_cost;
  bool list_voices = false;
  bool json = false;
  std::vector<std::string> words;
};

constexpr const char *kTtsExamples = R"(
Examples:
  webox tts "Bonjour, bienvenue dans votre entraînement." --voice fr --output bienvenue.wav
  webox tts --voice en-us "Hello world" --output - | aplay
  webox tts -m openai:gpt-4o-mini-tts --voice alloy --output out.mp3 < script.txt
  webox tts -m elevenlabs:eleven_multilingual_v2 --voice VOICE_ID --format mp3_44100_128 --output out.mp3 "..."
  webox tts --list-voices -m espeak
  webox tts -m openai:tts-1-hd --max-cost 0.01 --output long.mp3 --file chapitre.txt   # exit 5 if it could cost more

The text is the arguments, else --file, else standard input. Without --output the
file goes to the gallery folder ($XDG_DATA_HOME/webox/media) and its path is
printed. Without -m the model is $WEBOX_TTS_MODEL, else media.tts_model in
the config, else espeak (offline). --max-cost and the config's budgets are
checked before any request, at the prices of data/prices.json. See webox-tts(1).)";

std::string read_text(const TtsOptions &o) {
  std::string text = webox::text::join_words(o.words);
  if (!text.empty()) {
    if (!o.file.empty()) throw UsageError("give the text either as arguments or with --file, not both");
    return text;
  }
  const text::Limit limit = text::prompt_limit();
  std::string from_input;
  if (!o.file.empty() && o.file != "-") {
    from_input = text::read_file(o.file, limit, "--file");
    text::require_utf8(from_input, o.file);
  } else if (o.file == "-" || !out::stdin_is_tty()) {
    from_input = text::read_stdin(limit);
    text::require_utf8(from_input, "standard input");
  }
  return from_input;
}

bool is_blank(const std::string &s) {
  for (unsigned char c : s)
    if (!std::isspace(c)) return false;
  return true;
}

void list_voices(plugin::Provider &provider, bool as_json) {
  json desc = provider.describe();
  json voices = desc.value("voices", json::array());
  if (as_json) {
    out::line(voices.dump(2));
    return;
  }
  if (voices.empty()) {
    std::fprintf(stderr, "%s does not list its voices; see its documentation\n", provider.instance().c_str());
    return;
  }
  for (const auto &v : voices) {
    std::string langs;
    for (const auto &l : v.value("languages", json::array())) langs += (langs.empty() ? "" : ",") + l.get<std::string>();
    // Padded by terminal cells, not bytes: "Amélie" lines up with "Thomas".
    if (!out::line(compare::pad_to(v.value("id", ""), 16) + " " + compare::pad_to(v.value("name", ""), 28) + " " + langs))
      return;
  }
}

json speech_request(const TtsOptions &o, const chat::ModelRef &ref, const std::string &text,
                    const std::string &format) {
  json request = {{"model", ref.model}, {"text", text}, {"options", media::options_from_pairs(o.options)}};
  if (!o.voice.empty()) request["voice"] = o.voice;
  if (!format.empty()) request["format"] = format;
  if (o.speed) request["speed"] = *o.speed;
  return request;
}

// The longest text the provider takes in one request (0 = no limit known).
size_t max_chars_of(plugin::Provider &provider) {
  if (json desc = provider.describe(); desc.contains("tts") && desc["tts"].is_object())
    return desc["tts"].value("max_chars", size_t{0});
  return 0;
}

struct Speech {
  media::SpeechResult result;
  media::MediaRecord record;
};

// Streams the audio to standard output as it comes.
Speech speak_to_stdout(plugin::Provider &provider, const chat::ModelRef &ref, const json &request, size_t max_chars,
                       const TtsOptions &o, const std::string &format, const std::string &text) {
  Speech s;
  s.result = media::synthesize(provider, request, max_chars, [](std::string_view audio) {
    if (!out::write(audio)) throw Error("standard output was closed");
  });
  json options = {{"voice", s.result.doc.value("voice", o.voice)}, {"format", s.result.doc.value("format", format)}};
  if (o.speed) options["speed"] = *o.speed;
  if (!request["options"].empty()) options["options"] = request["options"];
  media::MediaRecord &rec = s.record;
  rec.kind = "audio";
  rec.provider = ref.provider;
  rec.model = ref.model;
  rec.prompt = text;
  rec.options_json = options.dump();
  rec.file_path = "-";
  rec.media_type = s.result.media_type;
  rec.sha256 = s.result.sha256;
  rec.bytes = static_cast<int64_t>(s.result.bytes);
  return s;
}

// The gallery id of the audio (0 when it could not be recorded: the file is
// there all the same).
int64_t record_audio(Context &ctx, const media::MediaRecord &rec) {
  try {
    return media::Gallery(ctx.db()).add(rec);
  } catch (const Error &e) {
    spdlog::warn("the audio was written but not recorded in the gallery: {}", e.what());
    return 0;
  }
}

void print_audio(const TtsOptions &o, int64_t id, const Speech &s, const chat::ModelRef &ref) {
  if (!o.json) {
    out::line(s.record.file_path);
    return;
  }
  json doc = {{"id", id},
              {"file", s.record.file_path},
              {"model", ref.text()},
              {"media_type", s.result.media_type},
              {"bytes", s.result.bytes},
              {"sha256", s.result.sha256},
              {"requests", s.result.requests},
              {"result", s.result.doc}};
  out::line(doc.dump());
}

void run_tts(Context &ctx, const TtsOptions &o) {
  const Config &config = ctx.config();
  std::string spec = o.model.empty() ? media::default_media_model(media::MediaKind::speech, config.media).model : o.model;
  chat::ModelRef ref = chat::resolve_model(spec, config, ctx.plugins());
  plugin::Provider provider(plugin::bind_provider(ctx.plugins(), config, ref.provider));
  if (!provider.can(WEBOX_CAP_TTS))
    throw UsageError(ref.provider + " does not synthesise speech; use -m espeak, openai:gpt-4o-mini-tts or "
                                    "elevenlabs:eleven_multilingual_v2");
  if (o.list_voices) {
    list_voices(provider, o.json);
    return;
  }

  std::string text = read_text(o);
  if (text.empty() || is_blank(text)) throw UsageError("no text to speak: give it as arguments, with --file or on standard input");
  media::Target target = media::parse_target(o.output);
  const bool to_stdout = target.kind == media::Target::Kind::standard_output;
  if (to_stdout && o.json)
    throw UsageError("--json and --output - both want standard output; give --output FILE or DIR/");
  if (to_stdout && out::is_tty())
    throw UsageError("refusing to write audio to a terminal; redirect standard output or give --output FILE");
  std::string format = o.format;
  if (format.empty() && target.kind == media::Target::Kind::file) format = media::audio_format_from_name(target.path);

  // Priced and capped before the first request (exit 5, nothing sent).
  const std::optional<double> cost = media::MediaPriceTable::shipped().speech_cost(ref.provider, ref.model, text);
  media::check_media_budget(config, &ctx.db(), o.max_cost, ref, cost, std::to_string(media::speech_chars(text)) + " characters");
  const json request = speech_request(o, ref, text, format);
  const size_t max_chars = max_chars_of(provider);
  Speech speech;
  if (to_stdout) {
    speech = speak_to_stdout(provider, ref, request, max_chars, o, format, text);
  } else {
    media::SpeechFile made = media::speak_to_file(provider, ref.provider, request, max_chars, target);
    speech = {made.result, made.record};
  }
  if (cost) speech.record.cost = *cost;
  const int64_t id = record_audio(ctx, speech.record);
  if (!to_stdout) print_audio(o, id, speech, ref);
}

} // namespace

void setup_tts(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<TtsOptions>();
  cmd->add_option("-m,--model", o->model, "provider:model (default: $WEBOX_TTS_MODEL, media.tts_model, else espeak)")->type_name("MODEL");
  cmd->add_option("--voice", o->voice, "Voice: fr, en-us, fr-FR (espeak); alloy (OpenAI); a voice id (ElevenLabs)")
      ->type_name("VOICE");
  add_deprecated_short(cmd, 'v', "voice", o->voice, "VOICE"); // -v is --verbose everywhere else
  cmd->add_option("--speed", o->speed, "Speaking rate, 1 = normal (0.25 to 4)")
      ->type_name("X")
      ->check(checks::number_between(0.25, 4));
  cmd->add_option("--format", o->format, "Audio format: wav, pcm, mp3, opus, aac, flac, or a provider's own name")
      ->type_name("FORMAT");
  add_output_option(cmd, o->output, "FILE, DIR/ (named from the text), or - for standard output");
  cmd->add_option("--file", o->file, "Read the text from FILE (- = standard input)")->type_name("FILE");
  cmd->add_option("--option", o->options, "Provider option key=value (repeatable; JSON values parsed)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--max-cost", o->max_cost, "Refuse (exit 5) when the speech could cost more (USD, data/prices.json)")
      ->type_name("USD")
      ->check(checks::amount());
  cmd->add_flag("--list-voices", o->list_voices, "List the model's voices and exit");
  cmd->add_flag("--json", o->json, "Print one JSON object: id, file, model, media_type, bytes, sha256");
  cmd->add_option("text", o->words, "The text to speak (joined with spaces)");
  cmd->footer(kTtsExamples);
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_tts(ctx, *o); }; });
}

WEBOX_COMMAND(22, "tts", "Text to speech: espeak (offline), OpenAI, ElevenLabs", setup_tts);

} // namespace webox::cli
