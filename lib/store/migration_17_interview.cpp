#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

// `webox interview`: one row per session (interview_sessions), one per
// question answered (interview_turns), one per criterion scored
// (interview_scores: a child table rather than JSON so that `interview
// progress` averages a criterion over sessions in plain SQL, on any
// backend). A turn the model could not score has no score rows; its
// `note` says why. Times are ISO-8601 UTC text made by webox.
void migration_17_interview(Db &db) {
  db.exec(R"sql(
    CREATE TABLE IF NOT EXISTS interview_sessions(
      id            INTEGER PRIMARY KEY,
      scenario      TEXT NOT NULL,
      title         TEXT NOT NULL,
      role          TEXT NOT NULL,
      language      TEXT NOT NULL,
      model         TEXT NOT NULL,
      tts_model     TEXT NOT NULL,
      stt_model     TEXT NOT NULL,
      started_at    TEXT NOT NULL,
      ended_at      TEXT,
      status        TEXT NOT NULL,
      summary_json  TEXT,
      overall_score REAL
    );
    CREATE INDEX IF NOT EXISTS interview_sessions_scenario ON interview_sessions(scenario, started_at);
    CREATE TABLE IF NOT EXISTS interview_turns(
      id           INTEGER PRIMARY KEY,
      session_id   INTEGER NOT NULL REFERENCES interview_sessions(id) ON DELETE CASCADE,
      turn         INTEGER NOT NULL,
      question     TEXT NOT NULL,
      transcript   TEXT NOT NULL,
      audio_path   TEXT,
      feedback     TEXT,
      score        REAL,
      metrics_json TEXT NOT NULL,
      note         TEXT,
      created_at   TEXT NOT NULL,
      UNIQUE(session_id, turn)
    );
    CREATE TABLE IF NOT EXISTS interview_scores(
      turn_id   INTEGER NOT NULL REFERENCES interview_turns(id) ON DELETE CASCADE,
      criterion TEXT NOT NULL,
      weight    REAL NOT NULL,
      score     REAL NOT NULL,
      PRIMARY KEY(turn_id, criterion)
    );
  )sql");
}

} // namespace webox::store
