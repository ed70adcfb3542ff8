// Opening the SQLite store and migrating it.
//
// Migrations are an append-only list of SQL scripts; script N brings the
// schema from user_version N-1 to N. Each runs in its own BEGIN IMMEDIATE
// transaction that re-reads user_version after taking the write lock: when
// two processes open a fresh database at the same moment, the second one
// waits for the lock, sees that the first already applied the script, and
// skips it instead of failing on "table already exists".
//
// Never edit a shipped migration; add a new one at the end.
#include "lib/store/db.hpp"

#include <chrono>
#include <ctime>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/store/migration_12_rag.hpp"
#include "lib/store/migration_13_agent.hpp"

namespace webox::store {
namespace {

constexpr int kBusyTimeoutMs = 10000;

// migrations[i] takes the schema from version i to version i + 1.
const std::vector<const char *> &migrations() {
  static const std::vector<const char *> list = {
      // 1: conversations and calls.
      R"sql(
        CREATE TABLE conversations(
          id         TEXT PRIMARY KEY,
          name       TEXT,
          model      TEXT,
          created_at TEXT
        );
        CREATE TABLE calls(
          id              INTEGER PRIMARY KEY,
          conversation_id TEXT REFERENCES conversations(id),
          provider        TEXT NOT NULL,
          model           TEXT NOT NULL,
          resolved_model  TEXT,
          system          TEXT,
          prompt          TEXT,
          response        TEXT,
          options_json    TEXT,
          input_tokens    INTEGER,   -- NULL when the provider did not report it
          output_tokens   INTEGER,
          cost            REAL,
          latency_ms      INTEGER,
          ttft_ms         INTEGER,   -- NULL when not streamed
          status          TEXT NOT NULL,
          error           TEXT,
          group_id        TEXT,      -- calls made together (compare, a workflow run)
          created_at      TEXT NOT NULL
        );
        CREATE INDEX calls_by_conversation ON calls(conversation_id, id);
        CREATE INDEX calls_by_time ON calls(created_at);
      )sql",
      // 2: fallback chains and cooldowns that outlive the process (a cron job
      // that hit a 429 two minutes ago goes straight to its fallback).
      R"sql(
        ALTER TABLE calls ADD COLUMN chain TEXT;
        CREATE INDEX calls_by_group ON calls(group_id) WHERE group_id IS NOT NULL;
        CREATE TABLE cooldowns(
          model       TEXT PRIMARY KEY,  -- provider:model
          until_unix  INTEGER NOT NULL,  -- seconds since the epoch
          reason      TEXT
        );
      )sql",
      // 3: the media gallery: every generated image and audio file.
      R"sql(
        CREATE TABLE media(
          id           INTEGER PRIMARY KEY,
          kind         TEXT NOT NULL,     -- 'image' or 'audio'
          provider     TEXT NOT NULL,
          model        TEXT NOT NULL,
          prompt       TEXT,              -- the prompt, or the spoken text
          options_json TEXT,
          file_path    TEXT NOT NULL,     -- absolute, or '-' for stdout
          media_type   TEXT,
          sha256       TEXT,
          bytes        INTEGER NOT NULL,
          cost         REAL,              -- NULL when unknown
          created_at   TEXT NOT NULL
        );
        CREATE INDEX media_by_kind ON media(kind, id);
      )sql",
      // 4: social accounts, interactions and leads (lib/leads/leads_store.hpp).
      // Times of interactions are Unix seconds (scoring does arithmetic on
      // them); bookkeeping times are ISO 8601 text like everywhere else.
      R"sql(
        CREATE TABLE accounts(
          id                  INTEGER PRIMARY KEY,
          platform            TEXT NOT NULL,
          platform_account_id TEXT NOT NULL,
          created_at          TEXT NOT NULL,
          UNIQUE(platform, platform_account_id)
        );
        CREATE TABLE posts(
          id             INTEGER PRIMARY KEY,
          platform       TEXT NOT NULL,
          platform_id    TEXT NOT NULL,
          account_id     INTEGER REFERENCES accounts(id),
          caption        TEXT,
          permalink      TEXT,
          like_count     INTEGER,           -- NULL when the owner hides it
          comments_count INTEGER,
          posted_at      INTEGER,
          updated_at     TEXT NOT NULL,
          UNIQUE(platform, platform_id)
        );
        CREATE TABLE people(
          id                  INTEGER PRIMARY KEY,
          platform            TEXT NOT NULL,
          platform_user_id    TEXT NOT NULL,  -- "@username" when the source gives no id
          username            TEXT,
          name                TEXT,
          score               INTEGER NOT NULL DEFAULT 0,
          last_interaction_at INTEGER,
          needs_rescore       INTEGER NOT NULL DEFAULT 0,  -- bulk imports score at the end
          created_at          TEXT NOT NULL,
          UNIQUE(platform, platform_user_id)
        );
        CREATE INDEX people_by_username ON people(username);
        CREATE INDEX people_to_rescore ON people(id) WHERE needs_rescore = 1;
        CREATE TABLE interactions(
          id           INTEGER PRIMARY KEY,
          platform     TEXT NOT NULL,
          platform_id  TEXT NOT NULL,
          kind         TEXT NOT NULL CHECK(kind IN ('comment','reply','mention','like','dm')),
          person_id    INTEGER NOT NULL REFERENCES people(id),
          post_id      INTEGER REFERENCES posts(id),
          account_id   INTEGER REFERENCES accounts(id),
          text         TEXT,
          intent       INTEGER NOT NULL DEFAULT 0,  -- a question or an intent word (scoring)
          occurred_at  INTEGER NOT NULL,
          collected_at TEXT NOT NULL,
          UNIQUE(platform, platform_id)
        );
        CREATE INDEX interactions_by_person ON interactions(person_id, occurred_at, kind, intent);
        CREATE TABLE sync_cursors(
          account_id INTEGER NOT NULL REFERENCES accounts(id),
          edge       TEXT NOT NULL,
          cursor     TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY(account_id, edge)
        ) WITHOUT ROWID;
        CREATE TABLE leads(
          id         INTEGER PRIMARY KEY,
          person_id  INTEGER NOT NULL UNIQUE REFERENCES people(id),
          score      INTEGER NOT NULL,
          status     TEXT NOT NULL DEFAULT 'new'
                     CHECK(status IN ('new','contacted','in_progress','converted','refused')),
          phones     TEXT NOT NULL DEFAULT '[]',  -- JSON array of E.164 numbers
          emails     TEXT NOT NULL DEFAULT '[]',
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX leads_by_score ON leads(score);
        CREATE TABLE lead_events(
          id         INTEGER PRIMARY KEY,
          lead_id    INTEGER NOT NULL REFERENCES leads(id),
          kind       TEXT NOT NULL,   -- created, status
          detail     TEXT,            -- JSON
          created_at TEXT NOT NULL
        );
        CREATE INDEX lead_events_by_lead ON lead_events(lead_id, id);
        CREATE TABLE contacts(
          id             INTEGER PRIMARY KEY,
          person_id      INTEGER NOT NULL REFERENCES people(id),
          kind           TEXT NOT NULL CHECK(kind IN ('phone','email')),
          value          TEXT NOT NULL,   -- E.164, or the address
          raw            TEXT NOT NULL,   -- as written
          digits         TEXT NOT NULL DEFAULT '',  -- digits of raw, for search
          region         TEXT,
          type           TEXT,
          interaction_id INTEGER REFERENCES interactions(id),
          created_at     TEXT NOT NULL,
          UNIQUE(person_id, kind, value)
        );
      )sql",
      // 5: workflow runs, their steps, and the step cache
      // (lib/workflow/run_store.hpp). The cache key is a SHA-256 of what a
      // model call depends on; its value is the answer, so a rerun of an
      // unchanged step costs nothing.
      R"sql(
        CREATE TABLE workflow_runs(
          id          TEXT PRIMARY KEY,   -- also the group_id of its calls
          workflow    TEXT NOT NULL,
          file        TEXT NOT NULL,
          status      TEXT NOT NULL,      -- running, ok, failed, cancelled
          inputs      TEXT NOT NULL,      -- JSON
          outputs     TEXT,               -- JSON
          started_at  TEXT NOT NULL,
          finished_at TEXT
        );
        CREATE TABLE workflow_steps(
          run_id     TEXT NOT NULL REFERENCES workflow_runs(id),
          step_id    TEXT NOT NULL,
          status     TEXT NOT NULL,       -- ok, failed, skipped, cancelled
          model      TEXT,
          output     TEXT,
          cached     INTEGER NOT NULL DEFAULT 0,
          latency_ms INTEGER,
          tokens     INTEGER,
          cost       REAL,
          error      TEXT,
          PRIMARY KEY(run_id, step_id)
        ) WITHOUT ROWID;
        CREATE TABLE workflow_cache(
          key           TEXT PRIMARY KEY,
          provider      TEXT NOT NULL,
          model         TEXT NOT NULL,
          answer        TEXT NOT NULL,
          input_tokens  INTEGER,
          output_tokens INTEGER,
          created_at    TEXT NOT NULL
        ) WITHOUT ROWID;
      )sql",
      // 6: the DM ledger (lib/leads/dm_ledger.hpp): one row per (campaign,
      // platform, person), written as an intent BEFORE the message leaves and
      // completed after, so a crash in between never leads to a second
      // message. `day` (UTC) counts the account's daily quota.
      R"sql(
        CREATE TABLE dm_ledger(
          id          INTEGER PRIMARY KEY,
          campaign    TEXT NOT NULL,
          platform    TEXT NOT NULL,
          account     TEXT NOT NULL,   -- our account on the platform (quota key)
          person_id   INTEGER NOT NULL REFERENCES people(id),
          lead_id     INTEGER REFERENCES leads(id),
          state       TEXT NOT NULL CHECK(state IN ('intent','sent','failed')),
          text        TEXT NOT NULL,
          message_id  TEXT,            -- the platform's id once sent
          error_code  TEXT,            -- outside_window, rate_limited, ... when failed
          error       TEXT,
          day         TEXT NOT NULL,   -- YYYY-MM-DD (UTC) of the intent
          created_at  TEXT NOT NULL,
          updated_at  TEXT NOT NULL,
          UNIQUE(campaign, platform, person_id)
        );
        CREATE INDEX dm_ledger_by_day ON dm_ledger(platform, account, day, state);
      )sql",
      // 7: export state (lib/export/export_state.hpp): per destination, the
      // leads.updated_at watermark of the last complete export; per
      // (destination, lead), the id the destination gave it (Notion page).
      R"sql(
        CREATE TABLE export_state(
          destination TEXT PRIMARY KEY,   -- sheets:ID/RANGE, notion:ID, webhook:URL-without-query#hash, file:PATH
          watermark   TEXT NOT NULL,
          rows        INTEGER NOT NULL,
          updated_at  TEXT NOT NULL
        );
        CREATE TABLE export_remote_ids(
          destination TEXT NOT NULL,
          lead_id     INTEGER NOT NULL REFERENCES leads(id),
          remote_id   TEXT NOT NULL,
          updated_at  TEXT NOT NULL,
          PRIMARY KEY(destination, lead_id)
        ) WITHOUT ROWID;
      )sql",
      // 8: where a contact detail comes from: 'matcher' (libphonenumber, the
      // e-mail scanner) or 'model:<provider:model>' (the LLM phone fallback,
      // lib/leads/phone_fallback.hpp).
      R"sql(
        ALTER TABLE contacts ADD COLUMN detected_by TEXT NOT NULL DEFAULT 'matcher';
      )sql",
      // 9: Instagram private replies (lib/leads/dm_private_reply.hpp): the
      // comment a ledger row answered, if any. Meta allows one private reply
      // per comment, ever, so a comment held by an intent or a sent row is
      // unique across campaigns (the index also makes that check cheap).
      // dm_spent_comments keeps the comments the platform said were already
      // answered (2534025): the failed row that learnt it may be reused later
      // for another comment, the fact must outlive it.
      R"sql(
        ALTER TABLE dm_ledger ADD COLUMN comment_id TEXT;
        CREATE UNIQUE INDEX dm_ledger_comment ON dm_ledger(platform, comment_id)
          WHERE comment_id IS NOT NULL AND state IN ('intent','sent');
        CREATE TABLE dm_spent_comments(
          platform   TEXT NOT NULL,
          comment_id TEXT NOT NULL,
          spent_at   TEXT NOT NULL,
          PRIMARY KEY(platform, comment_id)
        ) WITHOUT ROWID;
      )sql",
      // 10: export checkpoints (lib/export/export_state.hpp): how far an
      // unfinished remote export got, so that the next --since-last run
      // resumes it instead of sending every acknowledged lead again.
      R"sql(
        CREATE TABLE export_progress(
          destination TEXT PRIMARY KEY,   -- as export_state.destination
          scope       TEXT NOT NULL,      -- fingerprint of the filters and fields
          since       TEXT,               -- the window's lower bound (NULL = from the start)
          watermark   TEXT NOT NULL,      -- its upper bound
          after_id    INTEGER NOT NULL,   -- leads of the window up to this id were acknowledged
          rows        INTEGER NOT NULL,
          updated_at  TEXT NOT NULL
        );
      )sql",
      // 11: webhook keys without credentials. Keys were
      // "webhook:URL-without-query#hash"; a URL's userinfo (user:password@)
      // stayed in them. It is cut out here (the last '@' of the authority,
      // which ends at the first '/' or at the '#' before the hash); the hash
      // of the full URL still tells destinations apart.
      R"sql(
        CREATE TEMP TABLE webox_key_parts AS
          SELECT destination AS old,
                 substr(destination, 1, instr(destination, '://') + 2) AS head,
                 substr(destination, instr(destination, '://') + 3) AS after
          FROM export_state WHERE destination LIKE 'webhook:%://%';
        CREATE TEMP TABLE webox_key_authority AS
          SELECT old, head, after,
                 substr(after, 1, (CASE WHEN instr(after, '/') > 0 THEN instr(after, '/') ELSE instr(after, '#') END) - 1)
                   AS authority
          FROM webox_key_parts;
        DELETE FROM webox_key_authority WHERE instr(authority, '@') = 0;
        UPDATE OR REPLACE export_state
          SET destination = (SELECT head || substr(after, length(rtrim(authority, replace(authority, '@', ''))) + 1)
                             FROM webox_key_authority WHERE old = export_state.destination)
          WHERE destination IN (SELECT old FROM webox_key_authority);
        DROP TABLE webox_key_parts;
        DROP TABLE webox_key_authority;
      )sql",
      migration_12_rag(), // 12: rag collections (lib/store/migration_12_rag.cpp)
      migration_13_agent(), // 13: agent steps and tool calls (lib/store/migration_13_agent.cpp)
  };
  return list;
}

int latest_version() { return static_cast<int>(migrations().size()); }

bool is_in_memory(const std::filesystem::path &file) {
  const std::string s = file.string();
  return s.empty() || s == ":memory:" || s.rfind("file:", 0) == 0;
}

// SQLite gives its -wal and -shm files the mode of the database file, so
// creating the file 0600 before SQLite does keeps all three private.
void create_private_file(const std::filesystem::path &file) {
  if (file.has_parent_path()) paths::ensure_private_dir(file.parent_path());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd); // failures surface, with a better message, when SQLite opens it
}

int read_user_version(SQLite::Database &db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

bool is_busy(const SQLite::Exception &e) {
  return e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED;
}

// Switching a file to WAL needs an exclusive lock, and SQLite reports
// SQLITE_BUSY at once, without calling the busy handler, when another
// connection is opening the same fresh file. So retry here for as long as
// the busy timeout would have waited. WAL is a property of the file: once
// one opener has switched it, the others see "wal" and stop.
void use_wal(SQLite::Database &db) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    try {
      if (db.execAndGet("PRAGMA journal_mode").getString() == "wal") return;
      if (db.execAndGet("PRAGMA journal_mode=WAL").getString() == "wal") return;
    } catch (const SQLite::Exception &e) {
      if (!is_busy(e) || clock::now() >= deadline) throw;
    }
    if (clock::now() >= deadline) {
      // Still correct without WAL, only less concurrent.
      spdlog::warn("database {}: could not switch to WAL mode", db.getFilename());
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void apply_migration(SQLite::Database &db, int target_version) {
  db.exec("BEGIN IMMEDIATE");
  try {
    if (read_user_version(db) < target_version) {
      db.exec(migrations()[static_cast<size_t>(target_version - 1)]);
      db.exec("PRAGMA user_version = " + std::to_string(target_version));
    }
    db.exec("COMMIT");
  } catch (...) {
    db.tryExec("ROLLBACK");
    throw;
  }
}

void migrate(SQLite::Database &db, const std::string &file) {
  int version = read_user_version(db);
  if (version > latest_version())
    throw Error("database " + file + " has schema version " + std::to_string(version) +
                ", newer than this webox understands (" + std::to_string(latest_version()) +
                "); upgrade webox or point WEBOX_DB elsewhere");
  for (int v = version + 1; v <= latest_version(); ++v) apply_migration(db, v);
}

// A SQLite failure as a webox::Error naming the file; "busy" after the
// timeout is a temporary condition (another process holds the lock).
[[noreturn]] void rethrow_as_error(const std::string &file, const SQLite::Exception &e) {
  if (is_busy(e))
    throw Error("database " + file + " is locked by another process: " + e.what(),
                ExitCode::temporary);
  throw Error("database " + file + ": " + e.what());
}

} // namespace

Db::Db(const std::filesystem::path &file) {
  try {
    if (!is_in_memory(file)) create_private_file(file);
    m_db = std::make_unique<SQLite::Database>(
        file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kBusyTimeoutMs);
    if (!is_in_memory(file)) use_wal(*m_db);
    m_db->exec("PRAGMA foreign_keys = ON");
    m_db->exec("PRAGMA synchronous = NORMAL");
    migrate(*m_db, file.string());
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(file.string(), e);
  }
}

Db::~Db() = default;

int Db::latest_schema_version() { return latest_version(); }

int Db::schema_version() const {
  try {
    return read_user_version(*m_db);
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(m_db->getFilename(), e);
  }
}

WriteTransaction::WriteTransaction(Db &db) : m_db(db) {
  try {
    // Inside a transaction already (a caller batching many writes), this one
    // becomes a savepoint: its rollback undoes only its own writes.
    m_nested = sqlite3_get_autocommit(m_db.sql().getHandle()) == 0;
    m_db.sql().exec(m_nested ? "SAVEPOINT webox_nested" : "BEGIN IMMEDIATE");
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(m_db.sql().getFilename(), e);
  }
}

WriteTransaction::~WriteTransaction() {
  if (m_done) return;
  // noexcept: a destructor must not throw
  if (m_nested) m_db.sql().tryExec("ROLLBACK TO webox_nested; RELEASE webox_nested");
  else m_db.sql().tryExec("ROLLBACK");
}

void WriteTransaction::commit() {
  try {
    m_db.sql().exec(m_nested ? "RELEASE webox_nested" : "COMMIT");
    m_done = true;
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(m_db.sql().getFilename(), e);
  }
}

void rethrow_sql_error(Db &db) {
  try {
    throw;
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(db.sql().getFilename(), e);
  }
}

std::string now_iso8601() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t secs = system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

} // namespace webox::store
