#include "lib/interview/interview_store.hpp"

#include "lib/store/db.hpp"

#include "lib/core/json_limits.hpp"

namespace webox::interview {
namespace {

using nlohmann::json;

std::string column_text(store::Statement &q, int i) {
  return q.getColumn(i).isNull() ? "" : q.getColumn(i).getString();
}
std::optional<double> column_real(store::Statement &q, int i) {
  if (q.getColumn(i).isNull()) return std::nullopt;
  return q.getColumn(i).getDouble();
}
void bind_optional(store::Statement &q, int i, const std::optional<double> &v) {
  if (v) q.bind(i, *v);
  else q.bind(i);
}
void bind_text_or_null(store::Statement &q, int i, const std::string &v) {
  if (v.empty()) q.bind(i);
  else q.bind(i, v);
}

constexpr const char *kSessionColumns =
    "id, scenario, title, role, language, model, tts_model, stt_model, started_at, ended_at, status, summary_json, "
    "overall_score, (SELECT count(*) FROM interview_turns t WHERE t.session_id = interview_sessions.id)";

SessionRecord session_row(store::Statement &q) {
  SessionRecord s;
  s.id = q.getColumn(0).getInt64();
  s.scenario = column_text(q, 1);
  s.title = column_text(q, 2);
  s.role = column_text(q, 3);
  s.language = column_text(q, 4);
  s.model = column_text(q, 5);
  s.tts_model = column_text(q, 6);
  s.stt_model = column_text(q, 7);
  s.started_at = column_text(q, 8);
  s.ended_at = column_text(q, 9);
  s.status = column_text(q, 10);
  const std::string summary = column_text(q, 11);
  s.summary = summary.empty() ? json() : parse_json_or_discarded(summary);
  if (s.summary.is_discarded()) s.summary = json();
  s.overall_score = column_real(q, 12);
  s.turn_count = q.getColumn(13).getInt();
  return s;
}

void load_turn_scores(store::Db &db, int64_t turn_id, TurnRecord &t) {
  store::Statement q(db,
                      "SELECT criterion, weight, score FROM interview_scores WHERE turn_id = ? ORDER BY criterion");
  q.bind(1, turn_id);
  while (q.executeStep()) {
    t.weights[q.getColumn(0).getString()] = q.getColumn(1).getDouble();
    t.scores[q.getColumn(0).getString()] = q.getColumn(2).getDouble();
  }
}

} // namespace

int64_t create_session(store::Db &db, const SessionRecord &s) {
  return store::guarded(db, [&] {
    store::Statement q(db,
                        "INSERT INTO interview_sessions(scenario, title, role, language, model, tts_model, "
                        "stt_model, started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running') RETURNING id");
    int i = 1;
    for (const std::string *v : {&s.scenario, &s.title, &s.role, &s.language, &s.model, &s.tts_model, &s.stt_model})
      q.bind(i++, *v);
    q.bind(i, s.started_at.empty() ? store::now_iso8601() : s.started_at);
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

void add_turn(store::Db &db, int64_t session_id, const TurnRecord &t) {
  store::guarded(db, [&] {
    store::WriteTransaction tx(db);
    store::Statement q(db,
                        "INSERT INTO interview_turns(session_id, turn, question, transcript, audio_path, "
                        "feedback, score, metrics_json, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "RETURNING id");
    q.bind(1, session_id);
    q.bind(2, t.turn);
    q.bind(3, t.question);
    q.bind(4, t.transcript);
    bind_text_or_null(q, 5, t.audio_path);
    bind_text_or_null(q, 6, t.feedback);
    bind_optional(q, 7, t.score);
    q.bind(8, metrics_json(t.metrics).dump());
    bind_text_or_null(q, 9, t.note);
    q.bind(10, store::now_iso8601());
    q.executeStep();
    const int64_t turn_id = q.getColumn(0).getInt64();
    q.reset();
    for (const auto &[criterion, score] : t.scores) {
      store::Statement s(db,
                          "INSERT INTO interview_scores(turn_id, criterion, weight, score) VALUES (?, ?, ?, ?)");
      s.bind(1, turn_id);
      s.bind(2, criterion);
      auto w = t.weights.find(criterion);
      s.bind(3, w == t.weights.end() ? 1.0 : w->second);
      s.bind(4, score);
      s.exec();
    }
    tx.commit();
  });
}

void finish_session(store::Db &db, int64_t session_id, const std::string &status, const json &summary,
                    std::optional<double> overall_score) {
  store::guarded(db, [&] {
    store::Statement q(db, "UPDATE interview_sessions SET ended_at = ?, status = ?, summary_json = ?, "
                                  "overall_score = ? WHERE id = ?");
    q.bind(1, store::now_iso8601());
    q.bind(2, status);
    if (summary.is_null()) q.bind(3);
    else q.bind(3, summary.dump());
    bind_optional(q, 4, overall_score);
    q.bind(5, session_id);
    q.exec();
  });
}

std::vector<SessionRecord> list_sessions(store::Db &db, size_t limit) {
  return store::guarded(db, [&] {
    store::Statement q(db, std::string("SELECT ") + kSessionColumns +
                                      " FROM interview_sessions ORDER BY started_at DESC, id DESC LIMIT ?");
    q.bind(1, static_cast<int64_t>(limit));
    std::vector<SessionRecord> out;
    while (q.executeStep()) out.push_back(session_row(q));
    return out;
  });
}

std::optional<SessionRecord> load_session(store::Db &db, int64_t id) {
  return store::guarded(db, [&]() -> std::optional<SessionRecord> {
    store::Statement q(db, std::string("SELECT ") + kSessionColumns + " FROM interview_sessions WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    SessionRecord s = session_row(q);
    store::Statement t(db,
                        "SELECT id, turn, question, transcript, audio_path, feedback, score, metrics_json, note "
                        "FROM interview_turns WHERE session_id = ? ORDER BY turn");
    t.bind(1, id);
    std::vector<std::pair<int64_t, TurnRecord>> turns;
    while (t.executeStep()) {
      TurnRecord r;
      r.turn = t.getColumn(1).getInt();
      r.question = column_text(t, 2);
      r.transcript = column_text(t, 3);
      r.audio_path = column_text(t, 4);
      r.feedback = column_text(t, 5);
      r.score = column_real(t, 6);
      r.metrics = metrics_from_json(parse_json_or_discarded(column_text(t, 7)));
      r.note = column_text(t, 8);
      turns.emplace_back(t.getColumn(0).getInt64(), std::move(r));
    }
    for (auto &[turn_id, r] : turns) {
      load_turn_scores(db, turn_id, r);
      s.turns.push_back(std::move(r));
    }
    return s;
  });
}

std::vector<ProgressPoint> load_progress(store::Db &db, const std::string &scenario) {
  return store::guarded(db, [&] {
    store::Statement q(db, "SELECT s.id, s.started_at, s.scenario, s.overall_score, c.criterion, avg(c.score) "
                                  "FROM interview_sessions s JOIN interview_turns t ON t.session_id = s.id "
                                  "JOIN interview_scores c ON c.turn_id = t.id "
                                  "WHERE ? = '' OR s.scenario = ? "
                                  "GROUP BY s.id, s.started_at, s.scenario, s.overall_score, c.criterion "
                                  "ORDER BY s.started_at, s.id, c.criterion");
    q.bind(1, scenario);
    q.bind(2, scenario);
    std::vector<ProgressPoint> out;
    while (q.executeStep()) {
      const int64_t id = q.getColumn(0).getInt64();
      if (out.empty() || out.back().session_id != id) {
        ProgressPoint p;
        p.session_id = id;
        p.started_at = column_text(q, 1);
        p.scenario = column_text(q, 2);
        p.overall_score = column_real(q, 3);
        out.push_back(std::move(p));
      }
      out.back().criteria[q.getColumn(4).getString()] = q.getColumn(5).getDouble();
    }
    return out;
  });
}

json turn_json(const TurnRecord &t) {
  json j = {{"turn", t.turn},
            {"question", t.question},
            {"transcript", t.transcript},
            {"scores", t.scores},
            {"score", t.score ? json(*t.score) : json()},
            {"feedback", t.feedback},
            {"metrics", metrics_json(t.metrics)}};
  if (!t.audio_path.empty()) j["audio"] = t.audio_path;
  if (!t.note.empty()) j["note"] = t.note;
  return j;
}

json session_json(const SessionRecord &s) {
  json turns = json::array();
  for (const auto &t : s.turns) turns.push_back(turn_json(t));
  return {{"id", s.id},
          {"scenario", s.scenario},
          {"title", s.title},
          {"role", s.role},
          {"language", s.language},
          {"model", s.model},
          {"tts_model", s.tts_model},
          {"stt_model", s.stt_model},
          {"started_at", s.started_at},
          {"ended_at", s.ended_at.empty() ? json() : json(s.ended_at)},
          {"status", s.status},
          {"overall_score", s.overall_score ? json(*s.overall_score) : json()},
          {"summary", s.summary},
          {"turn_count", s.turn_count},
          {"turns", turns}};
}

} // namespace webox::interview
