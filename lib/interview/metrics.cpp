#include "lib/interview/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/text_input.hpp"

namespace webox::interview {
namespace {

using nlohmann::json;

// Lower-case ASCII words; punctuation separates words, UTF-8 letters stay.
std::vector<std::string> filler_tokens(const std::string &text) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || std::isalnum(c) || c == '\'') {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

struct SilenceRuns {
  int long_pauses = 0;
  double longest = 0;
  double long_total = 0;
};

// Silent runs between the first and the last speech frame.
SilenceRuns inner_silences(const std::vector<bool> &voiced) {
  SilenceRuns r;
  auto first = std::find(voiced.begin(), voiced.end(), true);
  if (first == voiced.end()) return r;
  auto last = std::find(voiced.rbegin(), voiced.rend(), true).base();
  size_t run = 0;
  auto close_run = [&] {
    const double seconds = static_cast<double>(run) * kFrameMs / 1000.0;
    if (seconds > kLongPauseSeconds) {
      ++r.long_pauses;
      r.long_total += seconds;
      r.longest = std::max(r.longest, seconds);
    }
    run = 0;
  };
  for (auto it = first; it != last; ++it) {
    if (*it) close_run();
    else ++run;
  }
  close_run();
  return r;
}

// The span the words cover, from their timings; 0 when there are none.
double timed_span(const json &stt) {
  if (!stt.contains("words") || !stt["words"].is_array() || stt["words"].empty()) return 0;
  const json &w = stt["words"];
  auto time_of = [](const json &word, const char *key) {
    return word.is_object() && word.contains(key) && word[key].is_number() ? word[key].get<double>() : -1.0;
  };
  const double start = time_of(w.front(), "start");
  const double end = time_of(w.back(), "end");
  return start >= 0 && end > start ? end - start : 0;
}

} // namespace

json metrics_json(const Metrics &m) {
  return {{"answer_seconds", m.answer_seconds},
          {"talk_seconds", m.talk_seconds},
          {"silence_seconds", m.silence_seconds},
          {"words", m.words},
          {"words_per_minute", m.words_per_minute},
          {"rate_from", m.rate_from},
          {"long_pauses", m.long_pauses},
          {"longest_pause", m.longest_pause},
          {"fillers", m.fillers},
          {"fillers_per_minute", m.fillers_per_minute},
          {"filler_counts", m.filler_counts}};
}

Metrics metrics_from_json(const json &j) {
  Metrics m;
  if (!j.is_object()) return m;
  auto num = [&](const char *k) { return j.contains(k) && j[k].is_number() ? j[k].get<double>() : 0.0; };
  m.answer_seconds = num("answer_seconds");
  m.talk_seconds = num("talk_seconds");
  m.silence_seconds = num("silence_seconds");
  m.words = static_cast<int>(num("words"));
  m.words_per_minute = num("words_per_minute");
  m.rate_from = j.value("rate_from", "");
  m.long_pauses = static_cast<int>(num("long_pauses"));
  m.longest_pause = num("longest_pause");
  m.fillers = static_cast<int>(num("fillers"));
  m.fillers_per_minute = num("fillers_per_minute");
  if (j.contains("filler_counts") && j["filler_counts"].is_object())
    for (const auto &[k, v] : j["filler_counts"].items())
      if (v.is_number_integer()) m.filler_counts[k] = v.get<int>();
  return m;
}

std::vector<std::string> filler_words(const std::string &language) {
  const auto file = paths::shared_data_dir() / "data" / "interview" / "fillers.json";
  json doc;
  try {
    doc = parse_json_or_discarded(
        text::read_file(file, text::Limit{1u << 20, "the filler list limit (1 MiB)", ""}, "filler list"));
  } catch (const Error &e) {
    spdlog::warn("no filler words counted: {}", e.what());
    return {};
  }
  const std::string lang = language.substr(0, language.find_first_of("-_"));
  std::vector<std::string> out;
  if (doc.is_object() && doc.contains(lang) && doc[lang].is_array())
    for (const auto &w : doc[lang])
      if (w.is_string() && !w.get<std::string>().empty()) out.push_back(w.get<std::string>());
  return out;
}

std::map<std::string, int> count_fillers(const std::string &text, const std::vector<std::string> &fillers) {
  std::map<std::string, int> counts;
  const std::vector<std::string> words = filler_tokens(text);
  for (const auto &filler : fillers) {
    const std::vector<std::string> phrase = filler_tokens(filler);
    if (phrase.empty() || phrase.size() > words.size()) continue;
    int n = 0;
    for (size_t i = 0; i + phrase.size() <= words.size(); ++i)
      if (std::equal(phrase.begin(), phrase.end(), words.begin() + static_cast<std::ptrdiff_t>(i))) ++n;
    if (n > 0) counts[filler] = n;
  }
  return counts;
}

Metrics measure_answer(const Pcm &audio, const json &stt, const std::vector<std::string> &fillers) {
  Metrics m;
  const std::vector<bool> voiced = voice_activity(audio);
  m.answer_seconds = audio.seconds();
  m.talk_seconds = static_cast<double>(std::count(voiced.begin(), voiced.end(), true)) * kFrameMs / 1000.0;
  m.silence_seconds = std::max(0.0, m.answer_seconds - m.talk_seconds);
  const SilenceRuns pauses = inner_silences(voiced);
  m.long_pauses = pauses.long_pauses;
  m.longest_pause = pauses.longest;

  const std::string text = stt.is_object() ? stt.value("text", "") : "";
  m.words = static_cast<int>(filler_tokens(text).size());
  const double span = timed_span(stt);
  if (span > 0) {
    m.rate_from = "word timings";
    const double speaking = std::max(span - pauses.long_total, 0.1);
    m.words_per_minute = m.words * 60.0 / speaking;
  } else {
    m.rate_from = "talk time";
    m.words_per_minute = m.talk_seconds > 0 ? m.words * 60.0 / m.talk_seconds : 0;
  }
  m.filler_counts = count_fillers(text, fillers);
  for (const auto &[_, n] : m.filler_counts) m.fillers += n;
  m.fillers_per_minute = m.talk_seconds > 0 ? m.fillers * 60.0 / m.talk_seconds : 0;
  return m;
}

std::string metrics_line(const Metrics &m) {
  char longest[48] = "";
  if (m.long_pauses > 0) std::snprintf(longest, sizeof longest, " (longest %.1f s)", m.longest_pause);
  char line[256];
  std::snprintf(line, sizeof line, "%.0f wpm · %d pause%s > 2 s%s · %.1f fillers/min · talk %.1f s / silence %.1f s",
                m.words_per_minute, m.long_pauses, m.long_pauses == 1 ? "" : "s", longest, m.fillers_per_minute,
                m.talk_seconds, m.silence_seconds);
  return line;
}

} // namespace webox::interview
