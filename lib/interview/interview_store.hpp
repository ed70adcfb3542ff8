// The interview sessions in the store (migration 17): the only file of
// lib/interview/ that holds SQL, written portably (RETURNING ids, times as
// ISO-8601 text made here, no SQLite-only functions).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/interview/metrics.hpp"

namespace webox::store {
class Db;
}

namespace webox::interview {

struct TurnRecord {
  int turn = 0;
  std::string question;
  std::string transcript;
  std::string audio_path; // "" when the audio was not saved
  std::string feedback;
  std::optional<double> score;          // weighted mean of the criteria, 0 to 10
  std::map<std::string, double> scores; // criterion → 0 to 10; empty when unscored
  std::map<std::string, double> weights;
  std::string note; // why a turn has no scores
  Metrics metrics;
};

struct SessionRecord {
  int64_t id = 0;
  std::string scenario, title, role, language, model, tts_model, stt_model;
  std::string started_at, ended_at;
  std::string status = "running"; // running, completed, interrupted, failed
  nlohmann::json summary;         // {"strengths","improvements","summary","score"} or null
  std::optional<double> overall_score;
  int turn_count = 0;
  std::vector<TurnRecord> turns; // filled by load_session only
};

// Inserts the session (status running) and returns its id.
int64_t create_session(store::Db &db, const SessionRecord &s);
// Inserts one turn and its scores in one transaction.
void add_turn(store::Db &db, int64_t session_id, const TurnRecord &t);
void finish_session(store::Db &db, int64_t session_id, const std::string &status, const nlohmann::json &summary,
                    std::optional<double> overall_score);

// Newest first, at most `limit`.
std::vector<SessionRecord> list_sessions(store::Db &db, size_t limit);
std::optional<SessionRecord> load_session(store::Db &db, int64_t id);

struct ProgressPoint {
  int64_t session_id = 0;
  std::string started_at;
  std::string scenario;
  std::map<std::string, double> criteria; // mean score of the criterion over the session's turns
  std::optional<double> overall_score;
};

// Sessions with at least one scored turn, oldest first; `scenario` "" = all.
std::vector<ProgressPoint> load_progress(store::Db &db, const std::string &scenario);

nlohmann::json session_json(const SessionRecord &s);
nlohmann::json turn_json(const TurnRecord &t);

} // namespace webox::interview
