// `webox transcribe`: speech to text, offline (PocketSphinx) by default.
//
//   webox transcribe FILE [-m MODEL] [--language L] [--json] [--prompt TEXT]
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/core/error.hpp"
#include "lib/media/generate.hpp"
#include "lib/media/signature.hpp"
#include "lib/media/transcription.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct TranscribeOptions {
  std::string file;
  std::string model;
  std::string language;
  std::string prompt;
  std::vector<std::string> options;
  bool json = false;
  bool verbose = false;
};

constexpr const char *kTranscribeExamples = R"(
Examples:
  webox transcribe reponse.wav                        offline (PocketSphinx, English)
  webox transcribe -m openai:whisper-1 --language fr entretien.mp3 --json
  webox tts -v en "hello world" -o - | webox transcribe -

Without -m the model is $WEBOX_STT_MODEL, else media.stt_model in the
config, else pocketsphinx (offline, English, WAV input). --json prints the
text with its segments and times. Each transcription is logged like a model
call (webox stats counts it by model, with its cost where data/prices.json
prices it: per minute of audio). See webox-transcribe(1).)";

std::string read_audio(const std::string &file) {
  if (file == "-") {
    std::cin >> std::noskipws;
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw UsageError("cannot read " + file + ": it is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError("cannot read " + file + ": " + std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void run_transcribe(Context &ctx, const TranscribeOptions &o) {
  std::string audio = read_audio(o.file);
  if (audio.empty()) throw UsageError(o.file + ": the audio file is empty");
  auto type = media::sniff_audio(audio);
  if (!type)
    throw UsageError(o.file + ": not an audio file webox recognises (WAV, MP3, Ogg, FLAC, M4A or WebM expected; got " +
                     media::describe_unexpected(audio) + ")");

  const Config &config = ctx.config();
  std::string spec = o.model.empty() ? media::default_media_model(media::MediaKind::transcription, config.media).model : o.model;
  chat::ModelRef ref = chat::resolve_model(spec, config, ctx.plugins());
  plugin::Provider provider(plugin::bind_provider(ctx.plugins(), config, ref.provider));
  if (!provider.can(WEBOX_CAP_STT))
    throw UsageError(ref.provider + " does not transcribe speech; use -m pocketsphinx or openai:whisper-1");

  std::string filename = o.file == "-" ? "audio." + type->extension : fs::path(o.file).filename().string();
  json request = {{"model", ref.model},
                  {"filename", filename},
                  {"media_type", type->mime},
                  {"format", o.json ? "verbose" : "text"},
                  {"options", media::options_from_pairs(o.options)}};
  if (!o.language.empty()) request["language"] = o.language;
  if (!o.prompt.empty()) request["prompt"] = o.prompt;
  // Logged as a call (webox stats counts it, with its cost where priced).
  json result = media::transcribe_logged(provider, ref, request, audio, {&ctx.db(), filename, media::wav_seconds(audio), ""});

  if (o.json) {
    result["model"] = ref.text();
    out::line(out::json_text(result));
    return;
  }
  out::line(result.value("text", ""));
}

} // namespace

void setup_transcribe(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<TranscribeOptions>();
  cmd->add_option("file", o->file, "The audio file (- = standard input)")->required()->type_name("FILE");
  cmd->add_option("-m,--model", o->model, "provider:model (default: $WEBOX_STT_MODEL, media.stt_model, else pocketsphinx)")
      ->type_name("MODEL");
  cmd->add_option("--language", o->language, "Spoken language, ISO 639-1 (fr, en): better accuracy and speed")
      ->type_name("LANG");
  cmd->add_option("--prompt", o->prompt, "Context or spellings to guide the model (OpenAI)")->type_name("TEXT");
  cmd->add_option("--option", o->options, "Provider option key=value (repeatable; JSON values parsed)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_flag("--json", o->json, "Print one JSON object: text, language, duration, segments");
  cmd->footer(kTranscribeExamples);
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_transcribe(ctx, *o); }; });
}

WEBOX_COMMAND(24, "transcribe", "Speech to text: PocketSphinx (offline), OpenAI Whisper", setup_transcribe);

} // namespace webox::cli
