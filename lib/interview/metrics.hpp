// How an answer was said, measured from its audio and its transcript:
// words per minute, pauses over 2 s, filler words per minute, talk time
// against silence. Word timings are used when the engine gives them
// (PocketSphinx does, Whisper's segments do not carry words through the
// stt operation today); otherwise the rate is words over talk time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/interview/audio.hpp"

namespace webox::interview {

inline constexpr double kLongPauseSeconds = 2.0;

struct Metrics {
  double answer_seconds = 0;  // the whole recording
  double talk_seconds = 0;    // voice activity
  double silence_seconds = 0; // the rest
  int words = 0;
  double words_per_minute = 0;
  std::string rate_from;    // "word timings" or "talk time"
  int long_pauses = 0;      // silences over kLongPauseSeconds between speech
  double longest_pause = 0; // seconds (0 when none)
  int fillers = 0;
  double fillers_per_minute = 0; // over talk time
  std::map<std::string, int> filler_counts;
};

nlohmann::json metrics_json(const Metrics &m);
Metrics metrics_from_json(const nlohmann::json &j);

// The filler list for `language` ("fr", "fr-CA" → fr) from
// <data>/data/interview/fillers.json; empty when the language has none.
std::vector<std::string> filler_words(const std::string &language);

// `stt` is the transcription result ({"text", "words"?: [{"start","end","word"}]}).
Metrics measure_answer(const Pcm &audio, const nlohmann::json &stt, const std::vector<std::string> &fillers);

// Counts each filler (a word or a phrase) as whole words in `text`, ignoring ASCII case.
std::map<std::string, int> count_fillers(const std::string &text, const std::vector<std::string> &fillers);

// "142 wpm · 1 pause > 2 s (longest 2.4 s) · 3.1 fillers/min · talk 18.2 s / silence 4.0 s"
std::string metrics_line(const Metrics &m);

} // namespace webox::interview
