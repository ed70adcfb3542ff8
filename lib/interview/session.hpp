// One interview session, independent of the CLI: question (LLM) → spoken
// (TTS; played and/or saved) → answer (a WAV file or the microphone) →
// transcribed (STT) → measured (metrics) → evaluated against the rubric
// (JSON, repaired once) → stored → the next question, which may follow up;
// at the end a summary, printed and spoken.
//
// Every model call goes through chat::run_chain and is logged in `calls`
// (group "interview-<session id>", priced from data/prices.json), like chat
// and workflows, and is refused before it is sent when it could pass
// --max-cost or the config's caps (lib/chat/budget.hpp). Each turn is
// stored as soon as it is complete, so Ctrl-C (exit 130) or a provider
// failure keeps what was done; the session's status says how it ended.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/interview/interview_store.hpp"
#include "lib/interview/scenario.hpp"

namespace webox {
struct Config;
namespace store {
class Db;
}
namespace plugin {
class Registry;
}
} // namespace webox

namespace webox::interview {

class AudioDevice;

struct SessionSettings {
  Scenario scenario;
  std::string role;                           // "" = the scenario's
  int turns = 0;                              // 0 = the scenario's
  std::string model;                          // "" = WEBOX_MODEL, default_model, else echo (offline)
  std::string tts_model;                      // "" = media default (espeak)
  std::string stt_model;                      // "" = media default (pocketsphinx)
  std::string voice;                          // "" = the scenario's voice for espeak, else the provider's
  std::vector<std::filesystem::path> answers; // empty = the microphone
  bool play = true;                           // false: --no-audio
  std::filesystem::path save_audio;           // "" = keep no audio files
  std::optional<double> max_cost;             // --max-cost, USD, over the session's model calls
};

// What the loop reports as it goes (the CLI prints; tests collect).
struct SessionEvents {
  std::function<void(int64_t session_id)> started;
  std::function<void(int turn, const std::string &question)> question;
  std::function<void()> listening;
  std::function<void(const TurnRecord &turn, const nlohmann::json &timings)> turn;
  std::function<void(const std::string &warning)> warning;
};

// The chat model an interview uses when -m is not given: WEBOX_MODEL, the
// config's default_model, else the offline echo model.
std::string interview_default_model(const Config &config);

class InterviewSession {
public:
  InterviewSession(const Config &config, plugin::Registry &registry, store::Db &db, SessionSettings settings);
  ~InterviewSession();
  InterviewSession(const InterviewSession &) = delete;
  InterviewSession &operator=(const InterviewSession &) = delete;

  // Runs to the end. Throws webox::Interrupted after Ctrl-C and provider
  // errors as they are, the session stored with status interrupted or failed.
  SessionRecord run(const SessionEvents &events);

private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

// The answer files, decoded up front so that a bad one stops the session
// before its first question (exit 2, naming the file).
void check_answer_files(const std::vector<std::filesystem::path> &files);

} // namespace webox::interview
