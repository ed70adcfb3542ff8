#include "lib/interview/session.hpp"

#include <fstream>
#include <iterator>

#include <spdlog/spdlog.h>

#include "lib/chat/budget.hpp"
#include "lib/chat/call_log.hpp"
#include "lib/chat/fallback.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/chat/prices.hpp"
#include "lib/core/atomic_file.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/interview/audio.hpp"
#include "lib/interview/audio_device.hpp"
#include "lib/interview/metrics.hpp"
#include "lib/interview/prompts.hpp"
#include "lib/media/generate.hpp"
#include "lib/media/media_budget.hpp"
#include "lib/media/media_prices.hpp"
#include "lib/media/transcription.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"
#include "lib/workflow/json_answer.hpp"

namespace webox::interview {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string read_answer_file(const fs::path &file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw UsageError(file.string() + ": is a directory, not an answer");
  const auto size = fs::file_size(file, ec);
  if (ec) throw UsageError("cannot read the answer " + file.string() + ": " + ec.message());
  if (size == 0) throw UsageError(file.string() + ": the answer file is empty");
  if (size > kMaxAnswerBytes)
    throw UsageError(file.string() + ": the answer is over " + std::to_string(kMaxAnswerBytes >> 20) + " MiB");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError("cannot read the answer " + file.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool is_silent(const Pcm &pcm, const std::string &transcript) {
  const std::vector<bool> voiced = voice_activity(pcm);
  const auto speech_frames = std::count(voiced.begin(), voiced.end(), true);
  const bool blank = transcript.find_first_not_of(" \t\r\n") == std::string::npos;
  return blank || speech_frames * kFrameMs < kMinSpeechMs;
}

// The last user message and the system prompt of `messages`, for the call log.
chat::CallContext interview_call_context(const json &messages, const std::string &group) {
  chat::CallContext c;
  for (const auto &m : messages) {
    if (m.value("role", "") == "system") c.system = m.value("content", "");
    if (m.value("role", "") == "user") c.prompt = m.value("content", "");
  }
  c.group_id = group;
  return c;
}

} // namespace

std::string interview_default_model(const Config &config) {
  std::string from_env = paths::env("WEBOX_MODEL");
  if (!from_env.empty()) return from_env;
  if (!config.default_model.empty()) return config.default_model;
  return "echo:echo";
}

void check_answer_files(const std::vector<fs::path> &files) {
  for (const auto &f : files) decode_wav(read_answer_file(f), f.string());
}

struct InterviewSession::Impl {
  const Config &config;
  plugin::Registry &registry;
  store::Db &db;
  SessionSettings settings;
  std::string role;
  int total = 0;
  std::vector<chat::ModelRef> chat_chain;
  std::vector<chat::ChainLink> chat_links;
  std::string chat_text;
  chat::PriceTable prices;
  media::MediaPriceTable media_prices = media::MediaPriceTable::shipped();
  double spent = 0; // by this session's calls (models, speech, transcription), counted against --max-cost
  chat::ModelRef tts_ref, stt_ref;
  std::unique_ptr<plugin::Provider> tts, stt;
  size_t tts_max_chars = 0;
  std::unique_ptr<AudioDevice> device;
  std::vector<std::string> fillers;
  SessionRecord record;
  std::string group;
  bool warned_no_json = false;
  const SessionEvents *events = nullptr;

  Impl(const Config &c, plugin::Registry &r, store::Db &d, SessionSettings s)
      : config(c), registry(r), db(d), settings(std::move(s)), prices(chat::PriceTable::for_config(c)) {}

  void warn(const std::string &w) {
    if (events && events->warning) events->warning(w);
  }

  void prepare() {
    const Scenario &sc = settings.scenario;
    role = settings.role.empty() ? sc.role : settings.role;
    total = settings.turns > 0 ? settings.turns : sc.questions;
    const std::string chat_spec = settings.model.empty() ? interview_default_model(config) : settings.model;
    chat_chain = chat::resolve_chain(chat_spec, {}, config, registry);
    chat_text = chat::chain_text(chat_chain);
    chat_links = chat::bind_chain(chat_chain, config, registry);

    const std::string tts_spec = settings.tts_model.empty()
                                     ? media::default_media_model(media::MediaKind::speech, config.media).model
                                     : settings.tts_model;
    tts_ref = chat::resolve_model(tts_spec, config, registry);
    tts = std::make_unique<plugin::Provider>(plugin::bind_provider(registry, config, tts_ref.provider));
    if (!tts->can(WEBOX_CAP_TTS)) throw UsageError(tts_ref.provider + " does not synthesise speech (--tts-model)");
    if (json d = tts->describe(); d.contains("tts") && d["tts"].is_object())
      tts_max_chars = d["tts"].value("max_chars", size_t{0});

    const std::string stt_spec = settings.stt_model.empty()
                                     ? media::default_media_model(media::MediaKind::transcription, config.media).model
                                     : settings.stt_model;
    stt_ref = chat::resolve_model(stt_spec, config, registry);
    stt = std::make_unique<plugin::Provider>(plugin::bind_provider(registry, config, stt_ref.provider));
    if (!stt->can(WEBOX_CAP_STT)) throw UsageError(stt_ref.provider + " does not transcribe speech (--stt-model)");
    check_stt_language();

    if (settings.answers.empty()) {
      device = open_audio_device(); // the microphone is required: no device is exit 2
    } else if (settings.play) {
      try {
        device = open_audio_device();
      } catch (const Error &e) {
        spdlog::info("questions are not played: {}", e.what());
      }
    }
    if (!settings.save_audio.empty()) fs::create_directories(settings.save_audio);
    fillers = filler_words(sc.language);
  }

  // A recogniser that names its languages and not the scenario's would fail
  // at the first answer, after a question was asked: refuse up front.
  void check_stt_language() {
    json d = stt->describe();
    if (!d.contains("stt") || !d["stt"].is_object() || !d["stt"].contains("languages")) return;
    const std::string lang = settings.scenario.language.substr(0, 2);
    for (const auto &l : d["stt"]["languages"])
      if (l.is_string() && l.get<std::string>().substr(0, 2) == lang) return;
    throw UsageError("scenario " + settings.scenario.name + " is in '" + settings.scenario.language + "', which " +
                     stt_ref.text() + " does not recognise; use --stt-model openai:whisper-1 (or another engine)");
  }

  // As chat does, before anything leaves the machine: the call's worst case
  // on top of what the session spent, against --max-cost and the config's
  // daily/monthly caps (webox::Error, exit 5; the turns done are stored).
  void check_budget(const json &messages, const json &options) const {
    chat::Budget budget(config, &db, settings.max_cost);
    if (budget.active()) budget.check({chat::estimate_chain(prices, chat_chain, messages, options)}, spent);
  }

  // One model call through the fallback chain, logged; nullopt after Ctrl-C.
  chat::ChainResult call_model(const json &messages, const json &options) {
    check_budget(messages, options);
    chat::ChainResult r = chat::run_chain(chat_links, chat::load_cooldowns(db), messages, options, chat::Streaming::no,
                                          [](std::string_view) {}, {});
    for (auto &a : r.attempts) {
      a.turn.cost = prices.cost(a.turn.model.provider, a.turn.model.model, a.turn.input_tokens, a.turn.output_tokens);
      if (a.turn.cost) spent += *a.turn.cost;
    }
    store::Calls calls(db);
    chat::log_chain(calls, r, interview_call_context(messages, group));
    chat::save_cooldowns(db, r, chat::max_cooldown_ms(config));
    if (cancel::requested()) throw Interrupted();
    if (!r.answered()) std::rethrow_exception(r.last().failure);
    chat::require_no_tool_calls(r.last().turn);
    return r;
  }

  // A JSON answer, asked again once with the problem when it is not usable.
  template <class Parse>
  auto ask_json(json messages, const json &options, Parse parse, const workflow::Schema &schema)
      -> std::optional<decltype(parse(std::string()))> {
    for (int attempt = 0; attempt < 2; ++attempt) {
      const std::string text = call_model(messages, options).last().turn.text;
      try {
        return parse(text);
      } catch (const std::runtime_error &e) {
        if (attempt == 1) return std::nullopt;
        messages.push_back({{"role", "assistant"}, {"content", text}});
        messages.push_back({{"role", "user"}, {"content", workflow::repair_message(e.what(), schema)}});
      }
    }
    return std::nullopt;
  }

  std::string next_question(int turn) {
    const json messages = question_messages(settings.scenario, role, turn, total, record.turns);
    std::string q = call_model(messages, json::object()).last().turn.text;
    const size_t first = q.find_first_not_of(" \t\r\n");
    const size_t last = q.find_last_not_of(" \t\r\n");
    q = first == std::string::npos ? std::string() : q.substr(first, last - first + 1);
    if (q.empty()) throw Error(chat_text + " asked an empty question");
    return q;
  }

  // Synthesises `text` as WAV (bounded by kMaxAnswerBytes).
  std::string synthesize(const std::string &text) {
    const std::optional<double> cost = media_prices.speech_cost(tts_ref.provider, tts_ref.model, text);
    // Speech and transcription are capped as the model calls are.
    media::check_media_budget(config, &db, settings.max_cost, tts_ref, cost,
                              std::to_string(media::speech_chars(text)) + " characters", spent);
    json request = {{"model", tts_ref.model}, {"text", text}, {"format", "wav"}, {"options", json::object()}};
    std::string voice = settings.voice;
    if (voice.empty() && tts_ref.provider == "espeak") voice = settings.scenario.voice;
    if (!voice.empty()) request["voice"] = voice;
    std::string audio;
    media::synthesize(*tts, request, tts_max_chars, [&](std::string_view bytes) {
      if (audio.size() + bytes.size() > kMaxAnswerBytes) throw Error("the spoken question is over 64 MiB");
      audio.append(bytes);
    });
    if (cost) spent += *cost;
    return audio;
  }

  fs::path save(const std::string &name, const std::string &bytes) {
    if (settings.save_audio.empty()) return {};
    fs::path file = settings.save_audio / ("session-" + std::to_string(record.id) + "-" + name);
    AtomicFile out(file);
    out.write(bytes);
    out.commit();
    return file;
  }

  void speak(const std::string &wav, const std::string &name) {
    save(name, wav);
    if (device && settings.play) {
      try {
        device->play(decode_wav(wav, "the spoken text"));
      } catch (const UsageError &e) {
        warn("could not play the speech: " + std::string(e.what()));
      }
    }
    if (cancel::requested()) throw Interrupted();
  }

  Pcm answer(int turn) {
    if (!settings.answers.empty()) {
      const fs::path &file = settings.answers[static_cast<size_t>(turn - 1)];
      return decode_wav(read_answer_file(file), file.string());
    }
    if (events->listening) events->listening();
    Recording r = device->record(enter_pressed);
    if (r.end == RecordEnd::cancelled) throw Interrupted();
    if (r.end == RecordEnd::max_length) warn("the answer reached the 2-minute limit and was cut there");
    return std::move(r.pcm);
  }

  json transcribe(const std::string &wav16k) {
    json request = {{"model", stt_ref.model},
                    {"filename", "answer.wav"},
                    {"media_type", "audio/wav"},
                    {"format", "verbose"},
                    {"language", settings.scenario.language.substr(0, 2)},
                    {"options", json::object()}};
    // Whisper gives word timings only when asked (the words-per-minute measure uses them).
    if (stt_ref.model == "whisper-1") request["options"]["timestamp_granularities[]"] = "word";
    const std::optional<double> seconds = media::wav_seconds(wav16k);
    const std::optional<double> cost = media_prices.transcription_cost(stt_ref.provider, stt_ref.model, seconds);
    media::check_media_budget(config, &db, settings.max_cost, stt_ref, cost,
                              seconds ? std::to_string(static_cast<int>(*seconds + 0.5)) + " s of audio" : "audio", spent);
    json result = media::transcribe_logged(*stt, stt_ref, request, wav16k, {&db, "an interview answer", seconds, group});
    if (cost) spent += *cost;
    if (cancel::requested()) throw Interrupted();
    return result;
  }

  void evaluate(TurnRecord &t) {
    const Scenario &sc = settings.scenario;
    auto parsed = ask_json(
        evaluation_messages(sc, role, t.question, t.transcript), json{{"temperature", 0}},
        [&](const std::string &text) { return parse_evaluation(text, sc); }, evaluation_schema(sc));
    if (!parsed) {
      t.note = "no scores: " + chat_text + " gave no usable JSON, even after one repair";
      if (!warned_no_json)
        warn(chat_text + " gave no usable JSON for the rubric, even after one repair: the turns are kept without "
                         "scores (use a model that answers JSON, e.g. -m ollama:llama3.2 or a cloud model)");
      warned_no_json = true;
      return;
    }
    t.scores = parsed->scores;
    t.feedback = parsed->feedback;
    t.score = parsed->score;
    for (const auto &c : sc.rubric) t.weights[c.name] = c.weight;
  }

  void one_turn(int turn, Clock::time_point &answer_end) {
    json timings = json::object();
    Clock::time_point t0 = Clock::now();
    TurnRecord t;
    t.turn = turn;
    t.question = next_question(turn);
    timings["question_ms"] = ms_since(t0);
    if (events->question) events->question(turn, t.question);
    t0 = Clock::now();
    const std::string spoken = synthesize(t.question);
    timings["tts_ms"] = ms_since(t0);
    if (turn > 1) timings["latency_ms"] = ms_since(answer_end); // end of the last answer → this question spoken
    speak(spoken, "q" + std::to_string(turn) + ".wav");

    const Pcm audio = answer(turn);
    answer_end = Clock::now();
    const std::string wav = encode_wav(audio);
    t.audio_path = save("a" + std::to_string(turn) + ".wav", wav).string();
    t0 = Clock::now();
    const json stt_result = transcribe(wav);
    timings["stt_ms"] = ms_since(t0);
    t.transcript = stt_result.value("text", "");
    t.metrics = measure_answer(audio, stt_result, fillers);
    if (is_silent(audio, t.transcript)) {
      t.note = "silent answer: nothing to evaluate";
      warn("turn " + std::to_string(turn) + ": the answer is silent (no speech heard); it is kept without scores");
    } else {
      t0 = Clock::now();
      evaluate(t);
      timings["evaluation_ms"] = ms_since(t0);
    }
    add_turn(db, record.id, t);
    record.turns.push_back(t);
    if (events->turn) events->turn(t, timings);
  }

  json summarize() {
    const Scenario &sc = settings.scenario;
    auto parsed = ask_json(
        summary_messages(sc, role, record.turns), json{{"temperature", 0}},
        [](const std::string &text) { return parse_summary(text); }, summary_schema());
    if (!parsed) {
      warn(chat_text + " gave no usable JSON for the summary, even after one repair: the session has no summary");
      return json();
    }
    return *parsed;
  }

  std::optional<double> overall() const {
    double sum = 0;
    int n = 0;
    for (const auto &t : record.turns)
      if (t.score) {
        sum += *t.score;
        ++n;
      }
    return n ? std::optional<double>(sum / n) : std::nullopt;
  }

  void finish(const std::string &status) {
    record.status = status;
    record.overall_score = overall();
    record.turn_count = static_cast<int>(record.turns.size());
    finish_session(db, record.id, status, record.summary, record.overall_score);
  }
};

InterviewSession::InterviewSession(const Config &config, plugin::Registry &registry, store::Db &db,
                                   SessionSettings settings)
    : m(std::make_unique<Impl>(config, registry, db, std::move(settings))) {}

InterviewSession::~InterviewSession() = default;

SessionRecord InterviewSession::run(const SessionEvents &events) {
  m->events = &events;
  const SessionSettings &s = m->settings;
  if (!s.answers.empty() && s.turns > 0 && static_cast<size_t>(s.turns) > s.answers.size())
    throw UsageError("--turns " + std::to_string(s.turns) + " but " + std::to_string(s.answers.size()) +
                     " --answers file(s): give one file per turn");
  check_answer_files(s.answers);
  m->prepare();
  if (!s.answers.empty() && s.turns == 0) m->total = std::min<int>(m->total, static_cast<int>(s.answers.size()));

  SessionRecord &r = m->record;
  r.scenario = s.scenario.name;
  r.title = s.scenario.title;
  r.role = m->role;
  r.language = s.scenario.language;
  r.model = m->chat_text;
  r.tts_model = m->tts_ref.text();
  r.stt_model = m->stt_ref.text();
  r.started_at = store::now_iso8601();
  r.id = create_session(m->db, r);
  m->group = "interview-" + std::to_string(r.id);
  if (events.started) events.started(r.id);
  try {
    Clock::time_point answer_end = Clock::now();
    for (int turn = 1; turn <= m->total; ++turn) m->one_turn(turn, answer_end);
    r.summary = m->summarize();
    if (r.summary.is_object() && !r.summary.value("summary", "").empty())
      m->speak(m->synthesize(r.summary["summary"].get<std::string>()), "summary.wav");
  } catch (...) {
    m->finish(cancel::requested() ? "interrupted" : "failed");
    throw;
  }
  m->finish("completed");
  return r;
}

} // namespace webox::interview
